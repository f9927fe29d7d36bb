"""Stopping training cleanly on SIGTERM, the signal schedulers (Slurm, Kubernetes, systemd) and
``kill`` send, as on Ctrl-C.

Python turns SIGINT into ``KeyboardInterrupt`` but lets SIGTERM end the process at once, so a
run killed by its scheduler lost everything since the last epoch end. Inside `stop_on_sigterm`
SIGTERM raises `bertkit.errors.TrainingInterrupted` (a ``KeyboardInterrupt``) instead, which the
training loop answers by saving its state, as it does for Ctrl-C. Inside `signals_deferred` (a
checkpoint being written) SIGINT and SIGTERM wait until the block is done, so a save is never cut
in half by the signal that asked for it.

>>> import os, signal
>>> try:
...     with stop_on_sigterm():
...         os.kill(os.getpid(), signal.SIGTERM)
... except KeyboardInterrupt as stop:
...     print(type(stop).__name__, stop.signal_number == signal.SIGTERM)
TrainingInterrupted True
"""

from __future__ import annotations

import contextlib
import signal
import threading
from typing import Any, Iterator

from bertkit.errors import TrainingInterrupted


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise TrainingInterrupted(signum)


@contextlib.contextmanager
def stop_on_sigterm() -> Iterator[None]:
    """SIGTERM raises `TrainingInterrupted` in the main thread while the block runs; the
    previous handler comes back afterwards. Elsewhere than the main thread (where signal
    handlers cannot be set) it does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def signals_deferred() -> Iterator[None]:
    """SIGINT and SIGTERM arriving inside the block are held back and raised as
    `TrainingInterrupted` when it ends (in the main thread; elsewhere it does nothing).

    >>> import os, signal
    >>> try:
    ...     with signals_deferred():
    ...         os.kill(os.getpid(), signal.SIGTERM)
    ...         print("the block finishes first")
    ... except KeyboardInterrupt as stop:
    ...     print(type(stop).__name__)
    the block finishes first
    TrainingInterrupted
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = {signum: signal.signal(signum, lambda n, frame: received.append(n))
                for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if received:
        raise TrainingInterrupted(received[0])

