"""Training state on disk, so that an interrupted run resumes where it stopped.

`TrainingCheckpoint` saves the model *and optimizer* weights (Keras ``save_weights``) with a
small JSON of where training was (epoch, batch), where the random draws stood
(`bertkit.training.random_stream`) and what the run is (`bertkit.training.run_identity`), every
``save_every`` batches, at each epoch end, and when training is interrupted (Ctrl-C, SIGTERM,
an exception). When ``fit`` returns, the state is marked finished.

A save never leaves a mix of two states: the weights go to a new file named after the step
(``state-<step>.weights.h5``, written to a temporary name and renamed), then ``state.json``,
which names that file, is replaced atomically, and only then are older weight files removed. A
crash at any point leaves ``state.json`` naming a complete weights file.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

import keras

from bertkit._io import write_json_atomic
from bertkit.errors import CheckpointError
from bertkit.training.interrupts import signals_deferred
from bertkit.training.random_stream import RandomStream

#: the weights file of checkpoints written before state.json named its weights file
LEGACY_WEIGHTS = "state.weights.h5"
STATE_JSON = "state.json"
_PREFIX, _SUFFIX = "state-", ".weights.h5"


class TrainingCheckpoint(keras.callbacks.Callback):
    """Keeps ``directory`` up to date with the training state; see the module docstring.

    The position (epoch, batch) is derived from the optimizer's own step counter when saving,
    so it always agrees with the weights saved beside it, wherever training stopped.
    """

    def __init__(self, directory: str, run: dict[str, Any], steps_per_epoch: int,
                 save_every: int | None = None, stream: RandomStream | None = None) -> None:
        super().__init__()
        self.directory = directory
        self.run = run
        self.steps_per_epoch = steps_per_epoch
        self.save_every = save_every
        self.stream = stream
        os.makedirs(directory, exist_ok=True)

    def steps(self) -> int:
        optimizer = self.model.optimizer
        return int(keras.ops.convert_to_numpy(getattr(optimizer, "_iterations",
                                                      optimizer.iterations)))

    def position(self) -> tuple[int, int]:
        """(epochs completed, batches of the current epoch completed)."""
        return divmod(self.steps(), self.steps_per_epoch)

    def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
        if self.save_every and self.position()[1] % self.save_every == 0:
            self.save()

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        self.save()

    def save(self, finished: bool = False) -> None:
        """Write the state (a signal arriving meanwhile waits until it is written)."""
        with signals_deferred():
            self._save(finished)

    def _save(self, finished: bool) -> None:
        steps = self.steps()
        epoch, batch = divmod(steps, self.steps_per_epoch)
        name = f"{_PREFIX}{steps}{_SUFFIX}"
        path = os.path.join(self.directory, name)
        tmp = os.path.join(self.directory, f".{name}.{os.getpid()}-{time.monotonic_ns()}.tmp"
                           f"{_SUFFIX}")
        self.model.save_weights(tmp, overwrite=True)
        os.replace(tmp, path)
        write_json_atomic(os.path.join(self.directory, STATE_JSON),
                          {"epoch": epoch, "batch": batch, "steps": steps, "weights": name,
                           "random_state": self.stream.saved() if self.stream else {},
                           "finished": finished,
                           "run": self.run})
        for other in os.listdir(self.directory):
            if other != name and other.endswith(_SUFFIX):
                os.remove(os.path.join(self.directory, other))


def read_state(directory: str | None) -> dict[str, Any] | None:
    """The saved position of a run in ``directory``, or None when there is nothing to resume."""
    if not directory:
        return None
    path = os.path.join(directory, STATE_JSON)
    if not os.path.isfile(path):
        return None
    try:
        with open(path, encoding="utf-8") as f:
            state = json.load(f)
    except (OSError, ValueError) as err:
        raise CheckpointError(f"{path}: unreadable ({err}); delete {directory} (or pass "
                              "--overwrite) to start afresh.") from None
    weights = os.path.join(directory, state.get("weights", LEGACY_WEIGHTS))
    if not os.path.isfile(weights):
        raise CheckpointError(f"{path} names {os.path.basename(weights)}, which is missing; "
                              f"delete {directory} (or pass --overwrite) to start afresh.")
    return state


def restore_state(model: keras.Model, directory: str, state: dict[str, Any]) -> None:
    """Load model and optimizer weights saved by `TrainingCheckpoint` (the random state it
    saved goes to a `RandomStream`)."""
    if not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)
    model.load_weights(os.path.join(directory, state.get("weights", LEGACY_WEIGHTS)))
