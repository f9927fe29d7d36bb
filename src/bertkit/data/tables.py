"""Data already in memory: a pandas DataFrame, a dict of columns, or lists.

`load_table` reads the text, label and second-text columns of a DataFrame or dict of columns;
`load_lists` reads a list of texts (unlabelled), ``(texts, labels)`` or
``(texts, second_texts, labels)``. Rows are cleaned as file rows are; a bad one is named by its
row number (and its index label, for a DataFrame with a non-default index).

>>> load_table({"text": ["好", "差"], "label": [1, 0]}, "the dict of columns").labels
['1', '0']
>>> load_lists((["好", "差"], ["pos", "neg"])).labels
['pos', 'neg']
"""

from __future__ import annotations

import sys
from typing import Any, Callable, Iterator, Mapping, Sequence

import numpy as np

from bertkit._messages import shorten
from bertkit.data.columns import column_hint
from bertkit.data.examples import TextExamples
from bertkit.data.rows import RowCleaner, RowProblem, SkipLog, collect
from bertkit.errors import DataError

__all__ = ["as_list", "is_column", "is_dataframe", "load_lists", "load_table"]


def is_column(value: Any) -> bool:
    """Whether ``value`` is a column of values (list, tuple, array, pandas Series), not a text."""
    if isinstance(value, (str, bytes, dict)):
        return False
    if isinstance(value, (list, tuple, np.ndarray)):
        return True
    return hasattr(value, "tolist") and hasattr(value, "__len__")  # pandas Series and the like


def as_list(value: Any) -> list[Any]:
    """A column as a plain list (``.tolist()`` for arrays and Series)."""
    return value.tolist() if hasattr(value, "tolist") else list(value)


def is_dataframe(value: Any) -> bool:
    """Whether ``value`` is a pandas DataFrame (without importing pandas)."""
    pd = sys.modules.get("pandas")
    return pd is not None and isinstance(value, pd.DataFrame)


def _column_rows(
    columns: tuple[list[Any], list[Any] | None, list[Any] | None],
    where: Callable[[int], str],
    log: SkipLog,
    cleaner: RowCleaner,
) -> Iterator[tuple[str, str, str | None, Any]]:
    """The cleaned rows of ``(texts, seconds, labels)`` columns; bad rows go to ``log``."""
    texts, seconds, labels = columns
    for i, text in enumerate(texts):
        try:
            row = cleaner.clean(
                text, None if seconds is None else seconds[i], None if labels is None else labels[i]
            )
        except RowProblem as exc:
            log.bad(where(i), str(exc))
            continue
        yield "", *row


def load_table(
    table: Any,
    what: str,
    *,
    text_column: Any = "text",
    label_column: Any = "label",
    second_column: Any = None,
    labels: Sequence[Any] | None = None,
    on_bad_rows: str = "error",
    multi_label: bool | None = None,
    label_separator: str = "|",
) -> TextExamples:
    """The examples of a DataFrame or dict of columns (``what`` names it in messages); the
    arguments are those of :func:`~bertkit.data.load_examples`."""
    cleaner = RowCleaner(
        has_second=second_column is not None, has_label=label_column is not None,
        multi_label=multi_label, label_separator=label_separator, labels=labels,
    )
    log = SkipLog(on_bad_rows, what)
    names = list(table.keys()) if isinstance(table, Mapping) else list(table.columns)
    cols = []
    for column, arg in ((text_column, "text_column"), (second_column, "second_column"),
                        (label_column, "label_column")):
        if column is None:
            cols.append(None)
            continue
        if column not in names:
            taken = {text_column, second_column, label_column} - {column}
            hint = column_hint(column, arg, names, taken)
            raise DataError(f"{what} has no column {shorten(column)}; its columns are "
                            f"{shorten(names)}: {hint}")
        cols.append(as_list(table[column]))
    lengths = {len(c) for c in cols if c is not None}
    if len(lengths) > 1:
        raise DataError(f"{what}: the columns have different lengths {sorted(lengths)}")
    if is_dataframe(table) and not _is_default_index(table):
        index = table.index

        def where(i: int) -> str:
            label = index[i]
            label = label.item() if isinstance(label, np.generic) else label
            return f"{what} row {i} (index {label!r})"
    else:
        def where(i: int) -> str:
            return f"{what} row {i}"
    rows = _column_rows((cols[0], cols[1], cols[2]), where, log, cleaner)
    return collect(rows, log, cleaner, multi_label, label_separator, "rows")


def _is_default_index(df: Any) -> bool:
    index = df.index
    return type(index).__name__ == "RangeIndex" and index.start == 0 and index.step == 1


def load_lists(
    source: Any,
    *,
    labels: Sequence[Any] | None = None,
    on_bad_rows: str = "error",
    multi_label: bool | None = None,
    label_separator: str = "|",
) -> TextExamples:
    """The examples of a list of texts, ``(texts, labels)`` or ``(texts, second_texts, labels)``
    (lists, arrays or Series); the arguments are those of :func:`~bertkit.data.load_examples`."""
    items = as_list(source)
    if items and all(isinstance(t, str) for t in items):
        columns: tuple[list[Any], list[Any] | None, list[Any] | None] = (items, None, None)
    elif isinstance(source, (list, tuple)) and len(items) in (2, 3) and all(
        is_column(c) for c in items
    ):
        cols = [as_list(c) for c in items]
        if len({len(c) for c in cols}) > 1:
            kind = "(texts, labels)" if len(cols) == 2 else "(texts, second_texts, labels)"
            raise DataError(
                f"the {kind} lists have different lengths {[len(c) for c in cols]}; give "
                f"one entry per example in each"
            )
        columns = (cols[0], None, cols[1]) if len(cols) == 2 else (cols[0], cols[1], cols[2])
    elif not items:
        raise DataError("no examples: the list of texts is empty")
    else:
        raise DataError(
            f"cannot read a {type(source).__name__} of {type(items[0]).__name__}: pass a list "
            f"of texts, (texts, labels) or (texts, second_texts, labels) as lists"
        )
    log = SkipLog(on_bad_rows, "the data")
    cleaner = RowCleaner(
        has_second=columns[1] is not None, has_label=columns[2] is not None,
        multi_label=multi_label, label_separator=label_separator, labels=labels,
    )
    rows = _column_rows(columns, lambda i: f"example {i}", log, cleaner)
    return collect(rows, log, cleaner, multi_label, label_separator, "examples")
