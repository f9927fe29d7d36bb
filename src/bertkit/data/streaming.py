"""Files larger than memory: :class:`StreamingExamples` reads a CSV/TSV/JSON-lines file lazily.

Nothing but the current row (and, for :meth:`StreamingExamples.label_names`, the set of labels)
is held in memory. The rows are validated exactly as :func:`~bertkit.data.load_examples` does,
with the same messages (``"big.csv line 1234567: the text is empty; ..."``).

>>> import os, tempfile
>>> path = os.path.join(tempfile.mkdtemp(), "big.jsonl")
>>> with open(path, "w", encoding="utf-8") as f:
...     _ = f.write('{"text": "很好", "label": "pos"}\\n{"text": "太差", "label": "neg"}\\n')
>>> stream = StreamingExamples(path)
>>> len(stream), list(stream), stream.label_names()
(2, [('很好', None, 'pos'), ('太差', None, 'neg')], ['neg', 'pos'])
"""

from __future__ import annotations

import os
from typing import Any, Iterator, Sequence

from bertkit.data.file_rows import FileRows
from bertkit.data.label_map import LabelMap
from bertkit.data.labels import sorted_label_names
from bertkit.data.rows import SkipLog
from bertkit.errors import DataError

__all__ = ["StreamingExamples"]


class StreamingExamples:
    """A CSV/TSV/JSON-lines file read row by row, in constant memory.

    Args:
        path: the file; the format comes from the extension (``format=`` overrides it).
        text_column, label_column, second_column, labels, on_bad_rows, encoding, multi_label,
            label_separator, format, encoding_errors: as for :func:`~bertkit.data.load_examples`. The header
            (CSV/TSV) is read at once, so a missing column fails here, not mid-training.

    ``len(stream)`` counts the rows with one fast pass (cached): non-blank lines counted in
    binary for TSV, JSON lines, and CSV files with no quoted line breaks; a CSV with quoted line
    breaks, or ``on_bad_rows="skip"`` (bad rows must be found to be left out), is parsed once
    instead. Iterating yields ``(text, second_text_or_None, label_or_None)``; each pass re-reads
    the file. With ``on_bad_rows="skip"`` every pass that skips rows warns once, and
    ``stream.skipped`` holds the count of the last pass.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        text_column: str | int = "text",
        label_column: str | int | None = "label",
        second_column: str | int | None = None,
        on_bad_rows: str = "error",
        encoding: str = "utf-8",
        labels: Sequence[Any] | None = None,
        multi_label: bool | None = None,
        label_separator: str = "|",
        format: str | None = None,
        encoding_errors: str = "strict",
    ) -> None:
        self._rows = FileRows(
            path, text_column=text_column, label_column=label_column, second_column=second_column,
            labels=labels, on_bad_rows=on_bad_rows, encoding=encoding, multi_label=multi_label,
            label_separator=label_separator, format=format, encoding_errors=encoding_errors,
        )
        if self._rows.format == "json":
            raise DataError(
                f"{self._rows.path} holds one JSON array, which must be read whole; for streaming, "
                f"write one JSON object per line (.jsonl), or use load_examples for files that fit "
                f"in memory"
            )
        self.multi_label = multi_label
        self.skipped = 0
        self._len: int | None = None
        self._label_names: list[str] | None = None

    @property
    def path(self) -> os.PathLike[str]:
        return self._rows.path

    @property
    def format(self) -> str:
        return self._rows.format

    @property
    def is_labelled(self) -> bool:
        return self._rows.label_column is not None

    @property
    def is_multi_label(self) -> bool:
        """Whether labels are lists (settled by one pass over the labels if not given)."""
        if self.multi_label is None and self.is_labelled:
            self.label_names()
        return bool(self.multi_label)

    @property
    def has_pairs(self) -> bool:
        return self._rows.second_column is not None

    def __repr__(self) -> str:
        n = "?" if self._len is None else str(self._len)
        return f"StreamingExamples({str(self.path)!r}, format={self.format!r}, rows={n})"

    def __len__(self) -> int:
        if self._len is None:
            self._len = self._rows.count()
        return self._len

    def __iter__(self) -> Iterator[tuple[str, str | None, Any]]:
        for _, text, second, label in self.rows_with_location():
            yield text, second, label

    def rows_with_location(self) -> Iterator[tuple[str, str, str | None, Any]]:
        """One pass yielding ``(where, text, second, label)``; ``where`` is ``"file line N"``."""
        log = SkipLog(self._rows.on_bad_rows, str(self.path))
        yield from self._rows.rows(log)
        self.skipped = log.count
        log.warn()

    def label_names(self) -> list[str]:
        """The sorted label names of the file (numeric order when all are integers); one pass,
        cached, keeping only the set of labels in memory.

        Also settles ``multi_label`` (``True`` when any label is a list) if it was not given.
        """
        if not self.is_labelled:
            raise DataError(f"{self.path}: no label column (label_column=None), so no label names")
        if self._label_names is None:
            names: set[str] = set()
            any_list = False
            n = 0
            log = SkipLog(self._rows.on_bad_rows, str(self.path))
            for _, _, _, label in self._rows.rows(log):
                n += 1
                if isinstance(label, list):
                    any_list = True
                    names.update(label)
                else:
                    names.add(label)
            if self._len is None:
                self._len = n
            if self.multi_label is None:
                self.multi_label = any_list
            self._label_names = sorted_label_names(names)
        return list(self._label_names)

    def label_map(self) -> LabelMap:
        """A :class:`~bertkit.data.LabelMap` of :meth:`label_names`."""
        names = self.label_names()
        return LabelMap(names, multi_label=bool(self.multi_label))
