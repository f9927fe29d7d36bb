"""The random draws of training as one stream, so that a resumed run equals an uninterrupted one.

Dropout draws from random generators: on torch the global one (Keras' unseeded dropout, its
fast path), on JAX the model's seed generators. Other things draw from torch's global generator
too — the data loader Keras starts at every epoch and for every validation, the start of each
``fit`` call — and a run resumed mid-epoch makes those draws at other points than an
uninterrupted run. `RandomStream` makes every training step start from the state the previous
step ended in (whatever was drawn in between), and a checkpoint saves that state, so the
dropout masks of a resumed run are the ones the uninterrupted run draws, bit for bit.

Keras' ``save_weights`` keeps neither state; `RandomStream.saved` gives it as JSON-able data
for the checkpoint.
"""

from __future__ import annotations

import base64
from typing import Any

import keras
import numpy as np

_TORCH = keras.backend.backend() == "torch"


def _seed_generator_states(model: keras.Model) -> list[Any]:
    return [v for v in model.variables if v.path.endswith("seed_generator_state")]


class RandomStream(keras.callbacks.Callback):
    """Each training step starts from the random state the previous step ended in (see the
    module docstring); ``resume_from`` is what `saved` gave in an earlier process."""

    def __init__(self, resume_from: dict[str, Any] | None = None) -> None:
        super().__init__()
        self._torch: Any = None
        self._seeds: list[np.ndarray] | None = None
        if resume_from:
            if _TORCH and "torch" in resume_from:
                import torch

                raw = np.frombuffer(base64.b64decode(resume_from["torch"]), np.uint8).copy()
                self._torch = torch.from_numpy(raw)
            self._seeds = [np.asarray(s, np.int64) for s in resume_from.get("seed_generators",
                                                                            [])]
        self._variables: list[Any] = []

    def on_train_begin(self, logs: Any = None) -> None:
        self._variables = _seed_generator_states(self.model)

    def on_train_batch_begin(self, batch: int, logs: Any = None) -> None:
        if self._torch is not None:
            import torch

            torch.set_rng_state(self._torch)
        if self._seeds is not None and len(self._seeds) == len(self._variables):
            for variable, value in zip(self._variables, self._seeds):
                variable.assign(value.astype(variable.dtype))

    def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
        if _TORCH:
            import torch

            self._torch = torch.get_rng_state()
        self._seeds = [np.asarray(keras.ops.convert_to_numpy(v)) for v in self._variables]

    def saved(self) -> dict[str, Any] | None:
        """The state the next step will start from, as JSON-able data (None before any step)."""
        if self._torch is None and self._seeds is None:
            return None
        state: dict[str, Any] = {"seed_generators": [s.astype(np.int64).tolist()
                                                     for s in self._seeds or []]}
        if self._torch is not None:
            state["torch"] = base64.b64encode(self._torch.numpy().tobytes()).decode()
        return state
