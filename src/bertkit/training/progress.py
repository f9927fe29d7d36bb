"""Training progress that reads well in a terminal and in a log file.

In a terminal Keras' progress bar redraws one line. Without one (CI, ``nohup``, a scheduler's
log) that bar writes an update per step into the file — hundreds of ``\\r``-joined bars on one
line. `resolve_verbose` keeps the bar for terminals and otherwise silences Keras and adds
`LogProgress`, which logs one plain line every tenth of an epoch and one per epoch with its
metrics.

>>> resolve_verbose("auto", terminal=False), resolve_verbose("auto", terminal=True)
(0, 1)
>>> resolve_verbose(2, terminal=False)
2
>>> keras_progress(1)
(1, [])
"""

from __future__ import annotations

import sys
import time
from typing import Any

import keras

from bertkit._logging import get_logger

log = get_logger(__name__)


def _stdout_is_terminal() -> bool:
    isatty = getattr(sys.stdout, "isatty", None)
    return bool(isatty and isatty())


def resolve_verbose(verbose: Any, terminal: bool | None = None) -> Any:
    """Keras' ``verbose`` for ``"auto"``: the progress bar (1) on a terminal, else 0 (and
    `LogProgress` logs instead). Other values are kept as given."""
    if verbose != "auto":
        return verbose
    return 1 if (_stdout_is_terminal() if terminal is None else terminal) else 0


def _metrics(logs: dict[str, Any] | None) -> str:
    return " - ".join(f"{name}: {float(value):.4f}" for name, value in (logs or {}).items())


class LogProgress(keras.callbacks.Callback):
    """Logs ``epoch 2/3: 40% (80/200 steps, 31 s) loss: 0.4123`` every ``every`` of an epoch
    and ``epoch 2/3 done in 78 s - loss: ... - val_loss: ...`` at its end."""

    def __init__(self, every: float = 0.1) -> None:
        super().__init__()
        self.every = every
        self._epochs = 0
        self._epoch = 0
        self._steps = 0
        self._next = 0
        self._start = 0.0

    def on_train_begin(self, logs: Any = None) -> None:
        self._epochs = int(self.params.get("epochs") or 0)
        self._steps = int(self.params.get("steps") or 0)

    def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
        self._epoch = epoch
        self._start = time.perf_counter()
        self._next = max(1, int(self._steps * self.every)) if self._steps else 0

    def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
        done = batch + 1
        if not self._next or done < self._next or done >= self._steps:
            return
        while self._next <= done:
            self._next += max(1, int(self._steps * self.every))
        log.info("epoch %d/%d: %d%% (%d/%d steps, %.0f s) %s", self._epoch + 1, self._epochs,
                 100 * done // self._steps, done, self._steps,
                 time.perf_counter() - self._start, _metrics(logs))

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        log.info("epoch %d/%d done in %.0f s - %s", epoch + 1, self._epochs,
                 time.perf_counter() - self._start, _metrics(logs))


def keras_progress(verbose: Any) -> tuple[Any, list[keras.callbacks.Callback]]:
    """``(verbose for Keras, callbacks to add)``: `resolve_verbose`, plus `LogProgress` where
    ``"auto"`` turned Keras' bar off."""
    keras_verbose = resolve_verbose(verbose)
    return keras_verbose, [LogProgress()] if verbose == "auto" and keras_verbose == 0 else []

