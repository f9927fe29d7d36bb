"""`load_text_examples`: pick the reader for a source of single-label-column data.

This is :func:`~bertkit.data.load_examples` without ``label_columns`` (several label columns,
read by `bertkit.data.multi_head`): a class folder, a CSV/TSV/JSON-lines/JSON/lines file, a
DataFrame or dict of columns, or lists. Modules below `bertkit.data.multi_head` (batching, for
one) load data through it, so that they do not import the multi-head loader.

>>> load_text_examples(["just", "texts"]).texts
['just', 'texts']
"""

from __future__ import annotations

import os
from typing import Any, Mapping, Sequence

import numpy as np

from bertkit.data.examples import TextExamples
from bertkit.data.file_rows import FileRows
from bertkit.data.files import check_path
from bertkit.data.folders import load_folder
from bertkit.data.rows import SkipLog, collect
from bertkit.data.tables import is_column, is_dataframe, load_lists, load_table
from bertkit.errors import DataError

__all__ = ["load_text_examples"]


def load_text_examples(
    source: Any,
    *,
    text_column: str | int = "text",
    label_column: str | int | None = "label",
    second_column: str | int | None = None,
    labels: Sequence[Any] | None = None,
    on_bad_rows: str = "error",
    encoding: str = "utf-8",
    multi_label: bool | None = None,
    label_separator: str = "|",
    format: str | None = None,
    split: str | None = None,
    encoding_errors: str = "strict",
) -> TextExamples:
    """Texts with one label column (or none) from a folder, file, DataFrame or lists; the
    arguments are those of :func:`~bertkit.data.load_examples`."""
    if isinstance(source, TextExamples):
        return source
    if isinstance(source, (str, os.PathLike)):
        path = check_path(source)
        if path.is_dir():
            return load_folder(path, split, labels=labels, on_bad_rows=on_bad_rows,
                               encoding=encoding, encoding_errors=encoding_errors)
        rows = FileRows(
            path, text_column=text_column, label_column=label_column, second_column=second_column,
            labels=labels, on_bad_rows=on_bad_rows, encoding=encoding, multi_label=multi_label,
            label_separator=label_separator, format=format, encoding_errors=encoding_errors,
        )
        log = SkipLog(on_bad_rows, str(path))
        return collect(rows.rows(log), log, rows.cleaner, multi_label, label_separator, "rows")
    if is_dataframe(source) or isinstance(source, Mapping):
        what = "the DataFrame" if is_dataframe(source) else "the dict of columns"
        return load_table(
            source, what, text_column=text_column, label_column=label_column,
            second_column=second_column, labels=labels, on_bad_rows=on_bad_rows,
            multi_label=multi_label, label_separator=label_separator)
    if isinstance(source, (list, tuple, np.ndarray)) or is_column(source):
        return load_lists(source, labels=labels, on_bad_rows=on_bad_rows,
                          multi_label=multi_label, label_separator=label_separator)
    if type(source).__name__ == "DataFrame":
        raise DataError("a DataFrame was given but pandas could not be used; install pandas")
    raise DataError(
        f"load_examples cannot read a {type(source).__name__}: pass a folder or file path, a "
        f"pandas DataFrame, (texts, labels), (texts, second_texts, labels) or a list of texts"
    )
