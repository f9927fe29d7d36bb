"""How error messages show values from the data and name the options that fix a problem.

* `shorten` cuts a value to about 200 characters, so that a message about a file whose first
  row is a 10 KB e-mail shows the start of it, not all of it.
* `option` (and `options`, for several) spells an option the way the caller sets it:
  ``text_column=0`` for Python callers (the default), ``--text-column 0`` while the command
  line's spelling is in force (`spelled_as`, which ``bertkit``'s ``main`` uses around each
  command).

>>> print(shorten("x" * 500, 20))
'xxxxxxxxxxxxxxxxx…'
>>> print(shorten(["id", "y" * 300, "label"], 60))
['id', 'yyyyyyyyyyyyyyyyy…', 'label']
>>> option("text_column", 0), option("encoding"), options(("text_column", 1), ("label_column", 0))
('text_column=0', 'encoding=', 'text_column=1, label_column=0')
>>> class Flags:
...     def option(self, name, value=UNSET):
...         return "--" + name.replace("_", "-") + ("" if value is UNSET else f" {value}")
...     def options(self, pairs):
...         return " ".join(self.option(name, value) for name, value in pairs)
>>> with spelled_as(Flags()):
...     option("encoding", "gbk"), options(("text_column", 1), ("label_column", 0))
('--encoding gbk', '--text-column 1 --label-column 0')
"""

from __future__ import annotations

import contextlib
import contextvars
from typing import Any, Iterator, Protocol

__all__ = ["LIMIT", "UNSET", "Spelling", "cut", "option", "options", "shorten", "spelled_as"]

#: how many characters of a value a message shows
LIMIT = 200
#: `option`'s value when none is given: the option's name alone (``"labels="``)
UNSET: Any = type("Unset", (), {"__repr__": lambda self: "UNSET"})()


class Spelling(Protocol):
    """How a caller other than Python code (the command line) sets options. Each method
    returns the caller's spelling, ``""`` for an option the caller cannot set, or ``None`` to
    fall back on the Python spelling."""

    def option(self, name: str, value: Any = UNSET) -> str | None:
        """One option set to ``value`` (`UNSET`: the option alone)."""

    def options(self, pairs: tuple[tuple[str, Any], ...]) -> str | None:
        """Several ``(name, value)`` options set together."""


_SPELLING: contextvars.ContextVar[Spelling | None] = contextvars.ContextVar(
    "bertkit_option_spelling", default=None)


def cut(text: str, limit: int = LIMIT) -> str:
    """``text`` cut to ``limit`` characters, the last one "…" when it was longer."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def shorten(value: Any, limit: int = LIMIT) -> str:
    """The ``repr`` of ``value`` in about ``limit`` characters: a long string is cut inside
    its quotes, a list shows each item cut and as many items as fit (then "...")."""
    if isinstance(value, str):
        return repr(cut(value, max(limit - 2, 1)))
    if isinstance(value, (list, tuple)):
        each = max(limit // 4, 20) if len(value) > 1 else limit
        items: list[str] = []
        used = 2
        for item in value:
            shown = shorten(item, each)
            if items and used + len(shown) + 2 > limit:
                items.append("...")
                break
            items.append(shown)
            used += len(shown) + 2
        inside = ", ".join(items)
        return f"[{inside}]" if isinstance(value, list) else f"({inside})"
    return cut(repr(value), limit)


def _python(name: str, value: Any) -> str:
    return f"{name}=" if value is UNSET else f"{name}={shorten(value)}"


def option(name: str, value: Any = UNSET) -> str:
    """How the caller sets the option ``name`` (to ``value``): ``name=value`` in Python, or the
    spelling in force (a command-line flag). ``""`` when the caller has no way to set it (the
    command line cannot set a column to ``None``): leave the advice out then."""
    spelling = _SPELLING.get()
    spelled = spelling.option(name, value) if spelling is not None else None
    return _python(name, value) if spelled is None else spelled


def options(*pairs: tuple[str, Any]) -> str:
    """How the caller sets several options together (``text_column=1, label_column=0``)."""
    spelling = _SPELLING.get()
    spelled = spelling.options(pairs) if spelling is not None else None
    return ", ".join(_python(n, v) for n, v in pairs) if spelled is None else spelled


@contextlib.contextmanager
def spelled_as(spelling: Spelling) -> Iterator[None]:
    """Within the block, `option` and `options` ask ``spelling`` first."""
    token = _SPELLING.set(spelling)
    try:
        yield
    finally:
        _SPELLING.reset(token)
