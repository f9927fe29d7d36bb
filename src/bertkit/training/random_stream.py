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
    module docstring); ``resume_from`` is what `saved` gave in an earlier process.

    Torch's global generator is carried from step to step here. The model's seed generators
    (JAX's dropout) advance only when dropout draws, so they need no carrying: they are saved
    with the checkpoint and put back before training resumes (`restore_seed_generators`).
    """

    def __init__(self, resume_from: dict[str, Any] | None = None) -> None:
        super().__init__()
        self._resume = resume_from or {}
        self._torch: Any = None
        if _TORCH and "torch" in self._resume:
            import torch

            raw = np.frombuffer(base64.b64decode(self._resume["torch"]), np.uint8).copy()
            self._torch = torch.from_numpy(raw)

    def restore_seed_generators(self, model: keras.Model) -> None:
        """Put the saved seed-generator states back into ``model`` (before ``fit``)."""
        saved = self._resume.get("seed_generators", [])
        variables = _seed_generator_states(model)
        if saved and len(saved) == len(variables):
            for variable, value in zip(variables, saved):
                variable.assign(np.asarray(value, dtype=variable.dtype))

    def on_train_batch_begin(self, batch: int, logs: Any = None) -> None:
        if self._torch is not None:
            import torch

            torch.set_rng_state(self._torch)

    def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
        if _TORCH:
            import torch

            self._torch = torch.get_rng_state()

    def saved(self) -> dict[str, Any]:
        """The state the next step will start from, as JSON-able data."""
        state: dict[str, Any] = {"seed_generators": [
            np.asarray(keras.ops.convert_to_numpy(v)).astype(np.int64).tolist()
            for v in _seed_generator_states(self.model)]}
        if self._torch is not None:
            state["torch"] = base64.b64encode(self._torch.numpy().tobytes()).decode()
        return state
