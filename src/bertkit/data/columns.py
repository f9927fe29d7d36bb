"""Which columns of a file or table hold the text, the label(s) and the second text, and how to
say that one is missing.

>>> columns = Columns(text="text", label="label", second=None)
>>> columns.missing("txt", "text_column", ["texts", "label"], "the header (line 1)")
"no column 'txt'; the header (line 1) has columns ['texts', 'label']: pass text_column='texts'"
>>> label_columns_of(None), label_columns_of("label"), label_columns_of(("topic", "mood"))
([], ['label'], ['topic', 'mood'])
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

__all__ = ["Columns", "column_hint", "label_columns_of"]


def label_columns_of(label_column: Any) -> list[Any]:
    """The label column(s) as a list: ``[]``, ``["label"]``, or the list given (multi-head)."""
    if label_column is None:
        return []
    if isinstance(label_column, (list, tuple)):
        return list(label_column)
    return [label_column]


def column_hint(column: Any, arg: str, names: list[Any], taken: set[Any]) -> str:
    """How to fix a missing column: the close name, or the one column left, to pass as ``arg``."""
    close = difflib.get_close_matches(str(column), [str(n) for n in names], n=1)
    left = [n for n in names if n not in taken and str(n).casefold() not in {
        str(t).casefold() for t in taken}]
    if close:
        hint = f"pass {arg}={close[0]!r}"
    elif len(left) == 1:
        hint = f"pass {arg}={left[0]!r}"
    else:
        hint = f"pass {arg}= one of them"
    if arg == "label_column":
        hint += ", or label_column=None for unlabelled texts"
    return hint


@dataclass(frozen=True)
class Columns:
    """The columns a file reader picks: names (or positions in a headerless CSV/TSV file).

    Attributes:
        text: the text column.
        label: the label column, a tuple of them (one per head), or ``None`` (unlabelled).
        second: the second-text column of sentence pairs, or ``None``.
    """

    text: Any
    label: Any
    second: Any

    def missing(self, column: Any, arg: str, names: list[Any], where: str,
                position_hint: bool = False) -> str:
        """The problem "no column ``column``" in ``where`` (which has ``names``), with a hint;
        ``position_hint`` adds how to read a file without a header row."""
        taken = {self.text, self.second, *label_columns_of(self.label)} - {column}
        hint = column_hint(column, arg, names, taken)
        if arg == "text_column" and position_hint:
            hint += " (for a file without a header row, give columns by position: text_column=0)"
        return f"no column {column!r}; {where} has columns {names}: {hint}"
