"""A progress count for long data jobs, on standard error, through the ``logging`` module.

`Progress` logs ``"<what>: <n> files (<rate> files/s)"`` on the logger ``bertkit.data.progress``.
Unless the application configured that logger itself, its records go to one handler that writes
to ``sys.stderr`` (looked up at each record): on a terminal each record rewrites the current line
(``\\r``) at most once a second and `Progress.done` ends it; elsewhere (a log file, a pipe) a
plain line is written every ``log_every`` seconds, and the final count always. Silencing the
``bertkit`` logger (``logging.getLogger("bertkit").setLevel(logging.WARNING)``) silences it too.

>>> bar = Progress(enabled=False)
>>> bar.update(10, "reading", force=True)
>>> bar.done()
"""

from __future__ import annotations

import logging
import sys
import time

from bertkit._logging import get_logger

__all__ = ["Progress"]

_END = "progress_end"  # a record attribute: the last record of a progress line


class _ProgressHandler(logging.Handler):
    """Progress records to ``sys.stderr``: rewritten in place on a terminal, lines elsewhere."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            stream = sys.stderr
            message = self.format(record)
            if _is_terminal(stream):
                stream.write("\r" + message + ("\n" if getattr(record, _END, False) else ""))
            else:
                stream.write(message + "\n")
            stream.flush()
        except Exception:  # noqa: BLE001  (logging must never raise into the caller)
            self.handleError(record)


def _is_terminal(stream: object) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


def _progress_logger() -> logging.Logger:
    """``bertkit.data.progress``, given the stderr handler unless it already has handlers."""
    log = get_logger(__name__)
    if not log.handlers and not getattr(log, "_bertkit_configured", False):
        handler = _ProgressHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
        log.propagate = False
        log._bertkit_configured = True  # type: ignore[attr-defined]
    return log


class Progress:
    """Files done so far and the rate, shown as the module docstring describes.

    Args:
        enabled: ``False`` shows nothing.
        every: seconds between updates on a terminal.
        log_every: seconds between lines when standard error is not a terminal.
    """

    def __init__(self, enabled: bool, every: float = 1.0, log_every: float = 30.0) -> None:
        self.enabled, self.every, self.log_every = enabled, every, log_every
        self.start = self.last = time.perf_counter()
        self._log = _progress_logger() if enabled else None
        self._shown = False

    def update(self, n: int, what: str, force: bool = False) -> None:
        """Show ``n`` files done if the interval has passed (or ``force``)."""
        if self._log is None:
            return
        now = time.perf_counter()
        if not force:
            waited = now - self.last
            if waited < self.every or (waited < self.log_every and not _is_terminal(sys.stderr)):
                return
        self.last = now
        rate = n / max(now - self.start, 1e-9)
        self._log.info("%s: %d files (%s files/s)", what, n, f"{rate:,.0f}")
        self._shown = True

    def done(self) -> None:
        """End the progress line (on a terminal, the next output starts on a new line)."""
        if self._log is not None and self._shown and _is_terminal(sys.stderr):
            self._log.info("", extra={_END: True})
