"""bertkit's messages: a ``logging`` logger named ``bertkit``, shown by default.

Library code never ``print``s: what a user should see (a validation report, "resuming from
...", a count of examples left out) is logged at INFO on the ``bertkit`` logger, warnings at
WARNING. Unless the application configured that logger itself, bertkit attaches one handler
that writes INFO messages to standard output and warnings and errors to standard error, looking
the streams up at each message (so captured or redirected streams work). Silence it with
``logging.getLogger("bertkit").setLevel(logging.WARNING)``.

>>> get_logger("bertkit.training").name
'bertkit.training'
"""

from __future__ import annotations

import logging
import sys

ROOT = "bertkit"


class _StandardStreams(logging.Handler):
    """INFO and below to ``sys.stdout``, WARNING and above to ``sys.stderr``, as they are now."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            stream = sys.stderr if record.levelno >= logging.WARNING else sys.stdout
            stream.write(self.format(record) + "\n")
            stream.flush()
        except Exception:  # noqa: BLE001  (logging must never raise into the caller)
            self.handleError(record)


def _configure_root() -> None:
    root = logging.getLogger(ROOT)
    if root.handlers or getattr(root, "_bertkit_configured", False):
        return
    handler = _StandardStreams()
    handler.setFormatter(logging.Formatter("%(message)s"))
    root.addHandler(handler)
    if root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
    root.propagate = False
    root._bertkit_configured = True  # type: ignore[attr-defined]


def get_logger(name: str) -> logging.Logger:
    """The logger ``name`` (a module's ``__name__``), under bertkit's configured root."""
    _configure_root()
    return logging.getLogger(name)
