"""Which columns of a file or table hold the text, the label(s) and the second text, and how to
say that one is missing.

>>> columns = Columns(text="text", label="label", second=None)
>>> print(columns.missing("txt", "text_column", ["texts", "label"], "the header (line 1)"))
no column 'txt'; the header (line 1) has columns ['texts', 'label']: pass text_column='texts'
>>> first_row = ["-1", "Subject: " + "x" * 9000]  # a file without a header, columns by name
>>> print(Columns("1", "0", None).missing("1", "text_column", first_row, "line 1", True))
no column '1'; line 1 has columns ['-1', 'Subject: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…']: for a file without a header row, give columns by position: text_column=1, label_column=0
>>> label_columns_of(None), label_columns_of("label"), label_columns_of(("topic", "mood"))
([], ['label'], ['topic', 'mood'])
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from bertkit._messages import option, options, shorten

__all__ = ["Columns", "column_hint", "label_columns_of"]

_NAME_LIMIT = 100  # a "column name" longer than this is a data row read as the header


def label_columns_of(label_column: Any) -> list[Any]:
    """The label column(s) as a list: ``[]``, ``["label"]``, or the list given (multi-head)."""
    if label_column is None:
        return []
    if isinstance(label_column, (list, tuple)):
        return list(label_column)
    return [label_column]


def column_hint(column: Any, arg: str, names: list[Any], taken: set[Any]) -> str:
    """How to fix a missing column: the close name, or the one column left, to pass as ``arg``."""
    names = [n for n in names if len(str(n)) <= _NAME_LIMIT]  # longer ones are data, not names
    close = difflib.get_close_matches(str(column), [str(n) for n in names], n=1)
    left = [n for n in names if n not in taken and str(n).casefold() not in {
        str(t).casefold() for t in taken}]
    if close:
        hint = f"pass {option(arg, close[0])}"
    elif len(left) == 1:
        hint = f"pass {option(arg, left[0])}"
    else:
        hint = f"pass {option(arg)} one of them"
    unlabelled = option("label_column", None) if arg == "label_column" else ""
    if unlabelled:
        hint += f", or {unlabelled} for unlabelled texts"
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
        ``position_hint`` adds how to read a file without a header row (for the text column, or
        a column named by a number)."""
        taken = {self.text, self.second, *label_columns_of(self.label)} - {column}
        by_position = "for a file without a header row, give columns by position: "
        if position_hint and _is_number(column):  # positions read as names: say how to fix all
            hint = by_position + options(*self._numbers())
        else:
            hint = column_hint(column, arg, names, taken)
            if position_hint and arg == "text_column":
                hint += f" ({by_position}{option(arg, 0)})"
        return f"no column {shorten(column)}; {where} has columns {shorten(names)}: {hint}"

    def _numbers(self) -> tuple[tuple[str, Any], ...]:
        """``(argument, position)`` of the columns given as numbers in strings."""
        pairs: list[tuple[str, Any]] = []
        for arg, column in (("text_column", self.text), ("label_column", self.label),
                            ("second_column", self.second)):
            if isinstance(column, (list, tuple)):
                if all(_is_number(c) for c in column):
                    pairs.append(("label_columns", [int(c) for c in column]))
            elif _is_number(column):
                pairs.append((arg, int(column)))
        return tuple(pairs)


def _is_number(column: Any) -> bool:
    """Whether ``column`` is a number given as a string or an int (``"1"``, ``"-1"``, ``1``)."""
    return column is not None and str(column).lstrip("-").isdigit()
