"""Texts with labels for several heads (``category``, ``sentiment``, ...), some possibly missing.

* :class:`MultiHeadExamples`: texts, ``labels = {head: [label or None, ...]}`` and optional
  second texts. ``None`` means "no label for this head" (the row was labelled for other heads):
  its loss for that head is masked. A row must carry at least one label.
* :func:`load_multi_head_examples` (also ``load_examples(..., label_columns=[...])``) reads a
  CSV/TSV/JSON-lines/JSON file, a DataFrame or a dict of columns with several label columns;
  an empty cell, ``NaN`` or an absent JSON key is a missing label.

Training targets with ``-1`` for a missing label, and the batches the multi-head task trains
on, are the task's own (`bertkit.tasks.multi_head.data`).

>>> ex = MultiHeadExamples(["球赛好看", "这手机不错", "股市大跌"],
...                        {"topic": ["体育", None, "财经"], "sentiment": [None, "正面", "负面"]})
>>> ex.label_counts()
{'topic': 2, 'sentiment': 2}
>>> ex.label_maps()["sentiment"].names
['正面', '负面']
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np

from bertkit._messages import option, shorten
from bertkit.data.columns import column_hint
from bertkit.data.examples import TextExamples, _checked_texts
from bertkit.data.file_rows import FileRows
from bertkit.data.files import check_path
from bertkit.data.label_map import LabelMap
from bertkit.data.labels import LabelProblem, clean_label, is_label_list
from bertkit.data.rows import RowProblem, SkipLog, clean_text
from bertkit.data.tables import as_list, is_dataframe
from bertkit.errors import DataError

__all__ = ["MultiHeadExamples", "load_multi_head_examples"]



def _head_label(value: Any, multi_label: bool | None, separator: str) -> Any:
    """One head's cleaned label, or ``None`` when missing (``None``, NaN, blank, absent)."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, str) and not value.strip():
        return None
    if is_label_list(value) or multi_label:
        return clean_label(value, multi_label=True if multi_label is None else multi_label,
                           separator=separator)
    return clean_label(value, multi_label=False)


class HeadLabelsCleaner:
    """Validates ``(text, second, (label per head))`` of one row (the loaders' ``cleaner``)."""

    def __init__(self, heads: Sequence[str], *, has_second: bool,
                 multi_label: bool | Mapping[str, bool] | None, label_separator: str) -> None:
        self.heads = list(heads)
        self.has_second = has_second
        self.has_label = True
        if isinstance(multi_label, Mapping):
            unknown = set(multi_label) - set(self.heads)
            if unknown:
                raise DataError(f"multi_label names {sorted(unknown)}, which are not label "
                                f"columns ({self.heads})")
            self.multi = {h: multi_label.get(h) for h in self.heads}
        else:
            self.multi = {h: multi_label for h in self.heads}
        self.separator = label_separator

    def clean(self, text: Any, second: Any, labels: Any) -> tuple[str, str | None, tuple]:
        t = clean_text(text, "text")
        s = clean_text(second, "second text") if self.has_second else None
        out = []
        for head, value in zip(self.heads, labels):
            try:
                out.append(_head_label(value, self.multi[head], self.separator))
            except LabelProblem as exc:
                raise RowProblem(f"label column {head!r}: {exc}") from None
        if all(y is None for y in out):
            raise RowProblem(
                f"the row has no label in any of the label columns {self.heads}; give it at "
                f"least one (or pass {option('on_bad_rows', 'skip')} to drop such rows)")
        return t, s, tuple(out)


@dataclass(repr=False)
class MultiHeadExamples:
    """Texts with a label per head, ``None`` where a head's label is missing.

    Attributes:
        texts: the texts.
        labels: ``{head: [label, ...]}``, one entry per text: a string (single-label), a list of
            strings (multi-label) or ``None`` (missing).
        second_texts: second texts of pairs, or ``None``.
        skipped: rows the loader skipped (``on_bad_rows="skip"``).
    """

    texts: list[str]
    labels: dict[str, list[Any]]
    second_texts: list[str] | None = None
    skipped: int = field(default=0, compare=False)

    def __post_init__(self) -> None:
        self.texts, self.second_texts = _checked_texts(self.texts, self.second_texts,
                                                       "MultiHeadExamples")
        n = len(self.texts)
        if not isinstance(self.labels, Mapping) or not self.labels:
            raise DataError("MultiHeadExamples: labels must be a dict {head: [label per text]} "
                            f"with at least one head, got {type(self.labels).__name__}")
        clean: dict[str, list[Any]] = {}
        for head, values in self.labels.items():
            values = as_list(values)
            if len(values) != n:
                raise DataError(f"MultiHeadExamples: {n} texts but {len(values)} labels for head "
                                f"{head!r}; give one per text (None where it is missing)")
            multi = any(is_label_list(v) for v in values)
            out = []
            for i, value in enumerate(values):
                try:
                    out.append(_head_label(value, True if multi else None, ""))
                except LabelProblem as exc:
                    raise DataError(f"example {i}, head {head!r}: {exc}") from None
            clean[head] = out
        self.labels = clean
        for i in range(n):
            if all(clean[h][i] is None for h in clean):
                raise DataError(f"example {i} has no label for any head {list(clean)}; give it "
                                "at least one")

    @classmethod
    def _trusted(cls, texts: list[str], labels: dict[str, list[Any]],
                 second_texts: list[str] | None, skipped: int = 0) -> "MultiHeadExamples":
        obj = cls.__new__(cls)
        obj.texts, obj.labels, obj.second_texts, obj.skipped = (
            texts, labels, second_texts, skipped)
        return obj

    def __len__(self) -> int:
        return len(self.texts)

    def __repr__(self) -> str:
        counts = ", ".join(f"{h}: {c}" for h, c in self.label_counts().items())
        return f"MultiHeadExamples({len(self)} texts; labelled per head: {counts})"

    @property
    def heads(self) -> list[str]:
        return list(self.labels)

    @property
    def is_labelled(self) -> bool:
        return True

    def label_counts(self) -> dict[str, int]:
        """How many texts carry a label for each head."""
        return {h: sum(v is not None for v in values) for h, values in self.labels.items()}

    def label_maps(self) -> dict[str, LabelMap]:
        """One `LabelMap` per head from its present labels (multi-label when they are lists)."""
        maps = {}
        for head, values in self.labels.items():
            present = [v for v in values if v is not None]
            if not present:
                raise DataError(f"head {head!r} has no label in any example; drop the head or "
                                "add data labelled for it")
            maps[head] = LabelMap.from_labels(present)
        return maps

    def for_head(self, head: str) -> TextExamples:
        """The examples labelled for ``head``, as single-head `TextExamples`."""
        if head not in self.labels:
            raise DataError(f"no head {head!r}; the heads are {self.heads}")
        keep = [i for i, v in enumerate(self.labels[head]) if v is not None]
        return TextExamples._trusted(
            [self.texts[i] for i in keep], [self.labels[head][i] for i in keep],
            None if self.second_texts is None else [self.second_texts[i] for i in keep])

    def subset(self, indices: Sequence[int] | np.ndarray) -> "MultiHeadExamples":
        """The examples at ``indices`` (ints or a boolean mask), in that order."""
        pick = TextExamples._trusted(list(map(str, range(len(self)))), None, None).subset(
            indices).texts
        idx = [int(i) for i in pick]
        return MultiHeadExamples._trusted(
            [self.texts[i] for i in idx], {h: [v[i] for i in idx] for h, v in self.labels.items()},
            None if self.second_texts is None else [self.second_texts[i] for i in idx])

    def split(self, valid_fraction: float = 0.1, seed: int = 0
              ) -> tuple["MultiHeadExamples", "MultiHeadExamples"]:
        """Seeded ``(train, valid)`` split, stratified by the combination of the heads' labels
        (the first label of a multi-label head; "missing" counts as a value)."""
        keys = []
        for i in range(len(self)):
            parts = []
            for values in self.labels.values():
                v = values[i]
                parts.append("\x00" if v is None else (v[0] if v else "") if isinstance(v, list)
                             else v)
            keys.append("\x01".join(parts))
        index = TextExamples._trusted(list(map(str, range(len(self)))), keys, None)
        train, valid = index.split(valid_fraction, seed=seed)
        return (self.subset([int(i) for i in train.texts]),
                self.subset([int(i) for i in valid.texts]))


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------


def _check_heads(label_columns: Any) -> list[Any]:
    if isinstance(label_columns, (str, int)) or not isinstance(label_columns, (list, tuple)):
        raise DataError(f"label_columns must be a list of column names such as ['category', "
                        f"'sentiment'], got {label_columns!r}")
    columns = list(label_columns)
    if not columns:
        raise DataError("label_columns is empty; name at least one label column")
    if len(set(map(str, columns))) != len(columns):
        raise DataError(f"label_columns lists a column twice: {columns}")
    return columns


def load_multi_head_examples(
    source: Any, label_columns: Sequence[str | int], *, text_column: str | int = "text",
    second_column: str | int | None = None, on_bad_rows: str = "error",
    encoding: str = "utf-8", multi_label: bool | Mapping[str, bool] | None = None,
    label_separator: str = "|", format: str | None = None, encoding_errors: str = "strict",
) -> MultiHeadExamples:
    """Read texts with several label columns; a blank cell / absent JSON key is a missing label.

    Args:
        source: a CSV/TSV/JSON-lines/JSON file, a pandas DataFrame, a dict of columns, or
            ``MultiHeadExamples``.
        label_columns: the label columns, one head each (ints for a headerless CSV/TSV).
        multi_label: ``True`` (all heads) or ``{head: True}``: split string labels on
            ``label_separator``; JSON lists are multi-label anyway.
        text_column, second_column, on_bad_rows, encoding, format, encoding_errors: as for
            ``load_examples``.

    A row with no label in any label column is a bad row (error naming file and line, or
    skipped with ``on_bad_rows="skip"``); a label column found in no row is an error.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"text": ["球赛", "好用", "股市"], "topic": ["体育", None, "财经"],
    ...                    "sentiment": [None, "正面", ""]})
    >>> load_multi_head_examples(df, ["topic", "sentiment"]).labels["sentiment"]
    [None, '正面', None]
    """
    if isinstance(source, MultiHeadExamples):
        return source
    columns = _check_heads(label_columns)
    heads = [str(c) for c in columns]
    cleaner = HeadLabelsCleaner(heads, has_second=second_column is not None,
                                multi_label=multi_label, label_separator=label_separator)
    texts: list[str] = []
    seconds: list[str] | None = [] if second_column is not None else None
    labels: list[tuple] = []
    if isinstance(source, (str, os.PathLike)):
        path = check_path(source)
        rows = FileRows(path, text_column=text_column, label_column=tuple(columns),
                        second_column=second_column, on_bad_rows=on_bad_rows, encoding=encoding,
                        format=format, encoding_errors=encoding_errors)
        if rows.format == "lines":
            raise DataError(f"{path}: a file of plain lines has no label columns; use a CSV, "
                            "TSV or JSON-lines file")
        rows.cleaner = cleaner  # type: ignore[assignment]
        log = SkipLog(on_bad_rows, str(path))
        for _, text, second, label in rows.rows(log):
            texts.append(text)
            if seconds is not None:
                seconds.append(second)
            labels.append(label)
        what = str(path)
    elif is_dataframe(source) or isinstance(source, Mapping):
        what = "the DataFrame" if is_dataframe(source) else "the dict of columns"
        names = list(source.keys()) if isinstance(source, Mapping) else list(source.columns)
        for column, arg in ((text_column, "text_column"), (second_column, "second_column"),
                            *((c, "label_columns") for c in columns)):
            if column is not None and column not in names:
                taken = {text_column, second_column, *columns} - {column}
                raise DataError(f"{what} has no column {shorten(column)}; its columns are "
                                f"{shorten(names)}: "
                                f"{column_hint(column, arg, names, taken)}")
        cols = [as_list(source[c]) for c in columns]
        text_col = as_list(source[text_column])
        second_col = None if second_column is None else as_list(source[second_column])
        log = SkipLog(on_bad_rows, what)
        for i, text in enumerate(text_col):
            try:
                t, s, y = cleaner.clean(text, None if second_col is None else second_col[i],
                                        tuple(c[i] for c in cols))
            except RowProblem as exc:
                log.bad(f"{what} row {i}", str(exc))
                continue
            texts.append(t)
            if seconds is not None:
                seconds.append(s)
            labels.append(y)
    else:
        raise DataError(
            f"cannot read several label columns from a {type(source).__name__}: pass a CSV/TSV/"
            f"JSON-lines file, a DataFrame, a dict of columns, or build MultiHeadExamples(texts, "
            f"{{head: labels}})")
    if not texts:
        raise log.nothing_left("rows")
    log.warn()
    per_head = {h: [row[k] for row in labels] for k, h in enumerate(heads)}
    for head, values in per_head.items():
        if all(v is None for v in values):
            raise DataError(f"{what}: the label column {head!r} is empty in every row; check "
                            "the column name, or drop it from label_columns")
        if any(isinstance(v, list) for v in values):  # one kind per head: strings become lists
            per_head[head] = [v if v is None or isinstance(v, list) else [v] for v in values]
    return MultiHeadExamples._trusted(texts, per_head, seconds, log.count)
