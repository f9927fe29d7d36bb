"""Training state on disk, so that an interrupted run resumes where it stopped.

`TrainingCheckpoint` saves the model *and optimizer* weights (Keras ``save_weights``) with a
small JSON of where training was (epoch, batch, the run's settings), every ``save_every`` batches,
at each epoch end, and when training is interrupted (Ctrl-C or an exception). Writes are atomic:
a crash while saving leaves the previous state intact.
"""

from __future__ import annotations

import json
import os
from typing import Any

import keras

from bertkit._io import write_json_atomic

STATE_WEIGHTS = "state.weights.h5"
STATE_JSON = "state.json"


class TrainingCheckpoint(keras.callbacks.Callback):
    """Keeps ``directory`` up to date with the training state; see the module docstring.

    The position (epoch, batch) is derived from the optimizer's own step counter when saving,
    so it always agrees with the weights saved beside it, wherever training stopped.
    """

    def __init__(self, directory: str, run: dict[str, Any], steps_per_epoch: int,
                 save_every: int | None = None) -> None:
        super().__init__()
        self.directory = directory
        self.run = run
        self.steps_per_epoch = steps_per_epoch
        self.save_every = save_every
        os.makedirs(directory, exist_ok=True)

    def position(self) -> tuple[int, int]:
        """(epochs completed, batches of the current epoch completed)."""
        optimizer = self.model.optimizer
        steps = int(keras.ops.convert_to_numpy(getattr(optimizer, "_iterations",
                                                       optimizer.iterations)))
        return divmod(steps, self.steps_per_epoch)

    def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
        if self.save_every and self.position()[1] % self.save_every == 0:
            self.save()

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        self.save()

    def save(self) -> None:
        epoch, batch = self.position()
        weights = os.path.join(self.directory, STATE_WEIGHTS)
        self.model.save_weights(weights + ".tmp.weights.h5", overwrite=True)
        os.replace(weights + ".tmp.weights.h5", weights)
        write_json_atomic(os.path.join(self.directory, STATE_JSON),
                          {"epoch": epoch, "batch": batch, "run": self.run})


def read_state(directory: str | None) -> dict[str, Any] | None:
    """The saved position of a run in ``directory``, or None when there is nothing to resume."""
    if not directory:
        return None
    path = os.path.join(directory, STATE_JSON)
    if not (os.path.isfile(path) and os.path.isfile(os.path.join(directory, STATE_WEIGHTS))):
        return None
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def restore_state(model: keras.Model, directory: str) -> None:
    """Load model and optimizer weights saved by `TrainingCheckpoint`."""
    if not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)
    model.load_weights(os.path.join(directory, STATE_WEIGHTS))
