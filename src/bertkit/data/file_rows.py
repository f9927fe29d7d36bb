"""`FileRows`: the validated rows of one data file, whatever its format, read lazily.

The format (`~bertkit.data.files.detect_format`) picks the reader: CSV/TSV
(`~bertkit.data.delimited`), JSON lines or a JSON array (`~bertkit.data.json_rows`), one text
per line (`~bertkit.data.line_rows`); each row is then cleaned (`~bertkit.data.rows`), and a
bad one raises or is skipped per ``on_bad_rows``.

>>> import os, tempfile
>>> path = os.path.join(tempfile.mkdtemp(), "reviews.csv")
>>> with open(path, "w", encoding="utf-8") as f:
...     _ = f.write('text,label\\n"Great, really",pos\\n ,neg\\n')
>>> rows = FileRows(path, on_bad_rows="skip")
>>> [(text, label) for _, text, _, label in rows], rows.skipped, rows.count()
([('Great, really', 'pos')], 1, 1)
"""

from __future__ import annotations

import os
from typing import Any, Iterator, Sequence

from bertkit.data.columns import Columns, label_columns_of
from bertkit.data.delimited import DelimitedTable
from bertkit.data.files import check_encoding, check_path, detect_format
from bertkit.data.json_rows import json_array_rows, jsonl_rows
from bertkit.data.line_rows import line_rows
from bertkit.data.rows import RawRow, RowCleaner, RowProblem, SkipLog, check_on_bad_rows
from bertkit.errors import DataError

__all__ = ["FileRows"]


class FileRows:
    """Rows of a CSV/TSV/JSON-lines/JSON/lines file, validated, read lazily.

    Iterating yields ``(where, text, second_text_or_None, label_or_None)`` with ``where`` like
    ``"data.csv line 17"``; bad rows raise or are skipped per ``on_bad_rows`` (``self.skipped``
    holds the count of the last full pass). The file handle is open only while iterating.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
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
        encoding_errors: str = "strict",
    ) -> None:
        self.path = check_path(path)
        if self.path.is_dir():
            raise DataError(
                f"{self.path} is a folder; load_examples reads class folders, StreamingExamples "
                f"needs a CSV/TSV/JSON-lines file"
            )
        self.format = detect_format(self.path, format)
        self.encoding = check_encoding(encoding, encoding_errors)
        self.encoding_errors = encoding_errors
        self.on_bad_rows = on_bad_rows
        check_on_bad_rows(on_bad_rows)
        self.multi_label = multi_label
        self.label_separator = label_separator
        if self.format == "lines":
            label_column, second_column = None, None
        self.text_column, self.label_column, self.second_column = text_column, label_column, second_column
        self.cleaner = RowCleaner(
            has_second=second_column is not None,
            has_label=label_column is not None,
            multi_label=multi_label,
            label_separator=label_separator,
            labels=labels,
        )
        self.skipped = 0
        self._columns = Columns(text_column, label_column, second_column)
        columns = [c for c in (text_column, *label_columns_of(label_column), second_column)
                   if c is not None]
        ints = [isinstance(c, int) and not isinstance(c, bool) for c in columns]
        if not all(isinstance(c, (str, int)) and not isinstance(c, bool) for c in columns):
            raise DataError(f"column names must be strings (or ints for files without a header), got {columns!r}")
        if any(ints) and not all(ints):
            raise DataError(
                f"give all columns by name (a file with a header row) or all by position (ints, a "
                f"file without a header), not a mix: {columns!r}"
            )
        self.headerless = bool(ints) and all(ints)
        self._table: DelimitedTable | None = None
        if self.format in ("csv", "tsv"):
            self._table = DelimitedTable(self.path, self.format, self.encoding, self._columns,
                                         self.headerless, encoding_errors)
        elif self.headerless and self.format != "lines":
            raise DataError(
                f"{self.path}: columns given by position ({columns!r}) only work for CSV/TSV files "
                f"without a header; JSON rows are objects, name their keys"
            )

    def __iter__(self) -> Iterator[tuple[str, str, str | None, Any]]:
        return self.rows()

    def rows(self, log: SkipLog | None = None) -> Iterator[tuple[str, str, str | None, Any]]:
        """One validated pass; ``log`` (default: a fresh one) collects skipped rows."""
        log = log if log is not None else SkipLog(self.on_bad_rows, str(self.path))
        clean = self.cleaner.clean
        for where, fields, problem in self._raw_rows():
            if problem is None:
                try:
                    text, second, label = clean(*fields)
                except RowProblem as exc:
                    problem = str(exc)
                else:
                    yield where, text, second, label
                    continue
            log.bad(where, problem)
        self.skipped = log.count

    def _raw_rows(self) -> Iterator[RawRow]:
        """The rows of the file's format reader, not yet cleaned."""
        if self._table is not None:
            return self._table.rows()
        errors = self.encoding_errors
        if self.format == "jsonl":
            return jsonl_rows(self.path, self.encoding, self._columns, errors)
        if self.format == "json":
            return json_array_rows(self.path, self.encoding, self._columns, errors)
        return line_rows(self.path, self.encoding, errors)

    def count(self) -> int:
        """Rows a full pass yields, without keeping them: counting lines where that is exact.

        TSV, JSON lines, line files and CSV files in which no line has an odd number of ``"``
        (so no quoted field spans lines) are counted as non-blank lines, in binary. Otherwise
        (a CSV with quoted line breaks, a JSON array, or ``on_bad_rows="skip"``, where bad rows
        must be found) the rows are parsed and validated once, keeping none.
        """
        if self.format != "json" and not self.cleaner_needs_pass():
            n = 0
            check_quotes = self.format == "csv"
            with open(self.path, "rb") as f:
                for line in f:
                    if line.strip():
                        n += 1
                        if check_quotes and line.count(b'"') & 1:
                            break
                else:
                    header = 1 if self.format in ("csv", "tsv") and not self.headerless else 0
                    return max(n - header, 0)
        n = 0
        for _ in self.rows(SkipLog(self.on_bad_rows, str(self.path))):
            n += 1
        return n

    def cleaner_needs_pass(self) -> bool:
        """Whether counting must validate the rows (bad ones are skipped, not raised)."""
        return self.on_bad_rows == "skip"
