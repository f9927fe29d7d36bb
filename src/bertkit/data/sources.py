"""Load labelled texts from folders, CSV/TSV/JSON-lines files, DataFrames or plain lists.

:func:`load_examples` is the one entry point; it returns :class:`~bertkit.data.TextExamples`.

Sources:

* a **folder** with one sub-folder per class holding ``.txt`` files (THUCNews:
  ``root/体育/123.txt``), or the IMDb ``aclImdb`` layout with ``train/`` and ``test/`` levels
  (``root/train/pos/*.txt``; ``unsup/`` is ignored). With split levels, ``train`` is loaded
  unless ``split="test"`` is given. Each file is one example, its text stripped.
* a **CSV** (``.csv``), **TSV** (``.tsv``, or ``.txt`` with tabs) file with a header row naming
  the columns; TSV fields are split on tabs with no quoting. Integer ``text_column`` /
  ``label_column`` read a file *without* a header by column position.
* a **JSON-lines** file (``.jsonl``, ``.ndjson``, or ``.json`` holding one object per line), or a
  ``.json`` file holding one array of objects.
* a **pandas DataFrame** (or a ``dict`` of columns).
* ``(texts, labels)`` or ``(texts, second_texts, labels)`` of lists, or a list of texts
  (unlabelled).

Multi-label data: a JSON list (``"label": ["sport", "politics"]``) is multi-label as is; in a
CSV/TSV or DataFrame column, pass ``multi_label=True`` to split strings on ``label_separator``
(``"sport|politics"``).

Bad rows (empty text or label, wrong number of fields, bad JSON, bytes that are not valid in
``encoding``, a label outside ``labels=``) raise :class:`~bertkit.data.DataError` naming the file
and line (``"reviews.csv line 17: the text is empty; ..."``), or with ``on_bad_rows="skip"`` are
dropped, counted in ``TextExamples.skipped`` and reported in one warning.

>>> import os, tempfile
>>> path = os.path.join(tempfile.mkdtemp(), "reviews.csv")
>>> with open(path, "w", encoding="utf-8") as f:
...     _ = f.write('text,label\\n"Great, really",pos\\nAwful,neg\\n')
>>> ex = load_examples(path)
>>> ex.texts, ex.labels
(['Great, really', 'Awful'], ['pos', 'neg'])
"""

from __future__ import annotations

import codecs
import csv
import difflib
import json
import math
import os
import re
import sys
import warnings
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

import numpy as np

from bertkit.data.examples import (
    DataError, DataNotFoundError, LabelProblem, TextExamples, clean_label)

__all__ = ["load_examples", "load_folder", "detect_format", "FORMATS"]

FORMATS = ("csv", "tsv", "jsonl", "json", "lines")
_EXTENSIONS = {
    ".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl",
    ".json": "json", ".txt": "txt",
}
_CSV_FIELD_LIMIT = 1 << 24  # 16M characters: any real document, yet bounded on a stray quote
_SHOW_LINES = 5  # how many skipped locations a warning lists


class RowProblem(Exception):
    """Internal: what is wrong with one row; the caller adds the file and line."""


# --------------------------------------------------------------------------------------------
# Bad-row policy
# --------------------------------------------------------------------------------------------


class SkipLog:
    """Raise on the first bad row (``"error"``) or count them (``"skip"``)."""

    def __init__(self, on_bad_rows: str, source: str) -> None:
        self.skip = check_on_bad_rows(on_bad_rows)
        self.source = source
        self.count = 0
        self.where: list[str] = []
        self.first_problem: str | None = None

    def bad(self, where: str, problem: str) -> None:
        if not self.skip:
            raise DataError(f"{where}: {problem}")
        self.count += 1
        if len(self.where) < _SHOW_LINES:
            self.where.append(where)
        if self.first_problem is None:
            self.first_problem = f"{where}: {problem}"

    def warn(self) -> None:
        if self.count:
            more = ", ..." if self.count > len(self.where) else ""
            warnings.warn(
                f"{self.source}: skipped {self.count} bad row{'s' * (self.count != 1)} "
                f"({'; '.join(self.where)}{more}). First problem: {self.first_problem}",
                stacklevel=3,
            )

    def nothing_left(self, total_what: str) -> DataError:
        if self.count:
            return DataError(
                f"{self.source}: all {self.count} {total_what} were bad and skipped; the first "
                f"problem: {self.first_problem}"
            )
        return DataError(f"{self.source}: no examples found; it holds no {total_what}")


def label_columns_of(label_column: Any) -> list[Any]:
    """The label column(s) as a list: ``[]``, ``["label"]``, or the list given (multi-head)."""
    if label_column is None:
        return []
    if isinstance(label_column, (list, tuple)):
        return list(label_column)
    return [label_column]


def check_on_bad_rows(value: str) -> bool:
    if value not in ("error", "skip"):
        raise DataError(f"on_bad_rows must be 'error' or 'skip', got {value!r}")
    return value == "skip"


# --------------------------------------------------------------------------------------------
# Cleaning one row
# --------------------------------------------------------------------------------------------


def clean_text(value: Any, role: str = "text") -> str:
    """The stripped text; :class:`RowProblem` when missing, empty or not a string."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        raise RowProblem(f"the {role} is missing")
    if not isinstance(value, str):
        raise RowProblem(f"the {role} is a {type(value).__name__} ({value!r}), not a string")
    text = value.strip()
    if not text:
        raise RowProblem(f"the {role} is empty")
    return text


class RowCleaner:
    """Validates ``(text, second, label)`` of one row and normalises the label."""

    def __init__(
        self,
        *,
        has_second: bool,
        has_label: bool,
        multi_label: bool | None,
        label_separator: str,
        labels: Sequence[Any] | None,
    ) -> None:
        self.has_second = has_second
        self.has_label = has_label
        self.multi_label = multi_label
        self.separator = label_separator
        self.allowed: set[str] | None = None
        self.allowed_list: list[str] = []
        if labels is not None:
            if isinstance(labels, str):
                raise DataError(f"labels must be a list of label names, got the string {labels!r}")
            for name in labels:
                try:
                    value = clean_label(name, multi_label=False)
                except LabelProblem as exc:
                    raise DataError(f"labels={list(labels)!r}: {exc}") from None
                if value not in self.allowed_list:
                    self.allowed_list.append(str(value))
            self.allowed = set(self.allowed_list)

    def clean(self, text: Any, second: Any, label: Any) -> tuple[str, str | None, Any]:
        t = clean_text(text, "text")
        s = clean_text(second, "second text") if self.has_second else None
        if not self.has_label:
            return t, s, None
        try:
            y = clean_label(label, self.multi_label, self.separator)
        except LabelProblem as exc:
            raise RowProblem(str(exc)) from None
        if self.allowed is not None:
            for name in y if isinstance(y, list) else (y,):
                if name not in self.allowed:
                    raise RowProblem(self.unknown(name))
        return t, s, y

    def unknown(self, name: str) -> str:
        shown = self.allowed_list if len(self.allowed_list) <= 20 else self.allowed_list[:20] + ["..."]
        return (
            f"unknown label {name!r}; the allowed labels (labels=) are {shown}. Fix the row, add "
            f"the label to labels=, or pass on_bad_rows='skip'"
        )


def finish_labels(
    labels: list[Any], multi_label: bool | None, separator: str, source: str
) -> list[Any]:
    """Promote single labels to lists when other rows are lists; warn on a likely separator."""
    has_list = any(isinstance(y, list) for y in labels)
    if has_list and not all(isinstance(y, list) for y in labels):
        labels = [y if isinstance(y, list) else [y] for y in labels]
    if multi_label is None and not has_list and separator:
        joined = next((y for y in set(labels) if separator in y), None)
        if joined is not None:
            warnings.warn(
                f"{source}: labels such as {joined!r} contain {separator!r}; if the data is "
                f"multi-label, pass multi_label=True to split them",
                stacklevel=3,
            )
    return labels


# --------------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------------


def detect_format(path: str | os.PathLike[str], format: str | None = None) -> str:
    """``"csv"``, ``"tsv"``, ``"jsonl"``, ``"json"`` (an array) or ``"lines"`` for a file.

    By extension; ``.txt`` is TSV when its first line holds a tab, ``.json`` is JSON lines
    unless it starts with ``[``.
    """
    path = Path(path)
    if format is not None:
        if format not in FORMATS:
            raise DataError(f"format={format!r} is not one of {list(FORMATS)}")
        return format
    kind = _EXTENSIONS.get(path.suffix.lower())
    if kind is None:
        raise DataError(
            f"{path}: cannot tell the format from the extension {path.suffix!r}; use .csv, .tsv, "
            f".jsonl or .json, or pass format= one of {list(FORMATS)}"
        )
    if kind == "txt":
        first = _first_line(path)
        if b"\t" in first:
            return "tsv"
        raise DataError(
            f"{path}: a .txt file is read as TSV when its columns are separated by tabs, but the "
            f"first line has no tab. Pass format='lines' for one unlabelled text per line, or "
            f"format='csv' for comma-separated columns"
        )
    if kind == "json":
        with open(path, "rb") as f:
            head = f.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
        return "json" if head.startswith(b"[") else "jsonl"
    return kind


def _first_line(path: Path) -> bytes:
    with open(path, "rb") as f:
        for line in f:
            if line.strip():
                return line
    return b""


def check_path(path: str | os.PathLike[str]) -> Path:
    p = Path(path)
    if not p.exists():
        text = str(path)
        hint = (
            "; to use texts directly, pass a list of texts or (texts, labels)"
            if (" " in text or "\n" in text or len(text) > 200) else ""
        )
        raise DataNotFoundError(f"no such file or folder: {text}{hint}")
    return p


def check_encoding(encoding: str) -> str:
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise DataError(f"encoding={encoding!r} is not a known text encoding (try 'utf-8' or 'gbk')") from None
    if name.startswith(("utf-16", "utf-32")):
        raise DataError(
            f"encoding={encoding!r} is not supported for data files (lines are split on the byte "
            f"'\\n'); re-save the file as UTF-8"
        )
    return encoding


def decode_problem(raw: bytes, exc: UnicodeDecodeError, encoding: str) -> str:
    bad = raw[exc.start: min(exc.end, exc.start + 4)]
    return (
        f"bytes {bad!r} at byte {exc.start + 1} of the line are not valid {encoding}; pass the "
        f"file's encoding (e.g. encoding='gbk' or 'latin-1') or re-save it as UTF-8"
    )


_EXPECTED_FIELDS_HINT = {
    "csv": "quote fields that hold commas or line breaks (\"like, this\")",
    "tsv": "a text must not contain tab characters",
}


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
    ) -> None:
        self.path = check_path(path)
        if self.path.is_dir():
            raise DataError(
                f"{self.path} is a folder; load_examples reads class folders, StreamingExamples "
                f"needs a CSV/TSV/JSON-lines file"
            )
        self.format = detect_format(self.path, format)
        self.encoding = check_encoding(encoding)
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
        self.header: list[str] | None = None
        self.header_line = 0
        self.n_fields = 0
        self._index: tuple[int, int | None, Any] = (0, None, None)
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
        if self.format in ("csv", "tsv"):
            self._read_header()
        elif self.headerless and self.format != "lines":
            raise DataError(
                f"{self.path}: columns given by position ({columns!r}) only work for CSV/TSV files "
                f"without a header; JSON rows are objects, name their keys"
            )

    # -------------------------------------------------------------- header

    def _split_lines(self, f: Any, bad: dict[int, str], counter: list[int]) -> Iterator[str]:
        encoding = self.encoding
        for raw in f:
            counter[0] += 1
            try:
                line = raw.decode(encoding)
            except UnicodeDecodeError as exc:
                bad[counter[0]] = decode_problem(raw, exc, encoding)
                line = raw.decode(encoding, errors="replace")
            if counter[0] == 1 and line.startswith("\ufeff"):
                line = line[1:]
            yield line

    def _records(self, f: Any) -> Iterator[tuple[int, int, list[str] | None, str | None]]:
        """``(first_line, last_line, fields, problem)`` of each non-blank CSV/TSV record."""
        bad: dict[int, str] = {}
        counter = [0]
        lines = self._split_lines(f, bad, counter)
        if self.format == "tsv":
            for line in lines:
                no = counter[0]
                if not line.strip():
                    continue
                problem = bad.pop(no, None)
                yield no, no, line.rstrip("\r\n").split("\t"), problem
            return
        csv.field_size_limit(max(csv.field_size_limit(), _CSV_FIELD_LIMIT))
        reader = csv.reader(lines)
        end = 0
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                start, end = end + 1, counter[0]
                problem = f"the CSV is malformed ({exc})"
                if "new-line character" in str(exc):
                    problem += (
                        "; lines that end with a lone '\\r' (old Mac style) must be re-saved "
                        "with '\\n' line endings"
                    )
                yield start, end, None, problem
                continue
            start, end = end + 1, counter[0]
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            problem = None
            if bad:
                hits = [no for no in bad if no <= end]
                if hits:
                    problem = bad[hits[0]]
                    for no in hits:
                        del bad[no]
            yield start, end, row, problem

    def _read_header(self) -> None:
        with open(self.path, "rb") as f:
            first = next(self._records(f), None)
        if first is None:
            raise DataError(f"{self.path} is empty; it needs a header row and at least one data row")
        line, _, fields, problem = first
        if fields is None or problem is not None:
            raise DataError(f"{self.path} line {line}: cannot read the first row: {problem}")
        self.n_fields = len(fields)
        if self.headerless:
            self.header_line = 0
            names = [str(i) for i in range(len(fields))]
            find = self._find_position
        else:
            self.header_line = line
            names = [name.strip() for name in fields]
            self.header = names
            find = self._find_name
        text_i = find(self.text_column, "text_column", names)
        second_i = find(self.second_column, "second_column", names)
        if isinstance(self.label_column, (list, tuple)):  # several label columns (multi-head)
            label_i: Any = tuple(find(c, "label_columns", names) for c in self.label_column)
        else:
            label_i = find(self.label_column, "label_column", names)
        assert text_i is not None
        self._index = (text_i, second_i, label_i)

    def _find_position(self, column: Any, arg: str, names: list[str]) -> int | None:
        if column is None:
            return None
        if not -len(names) <= column < len(names):
            raise DataError(
                f"{self.path}: {arg}={column} but the rows have {len(names)} fields (positions 0.."
                f"{len(names) - 1})"
            )
        return column % len(names)

    def _find_name(self, column: Any, arg: str, names: list[str]) -> int | None:
        if column is None:
            return None
        if column in names:
            return names.index(column)
        folded = [n.casefold() for n in names]
        if folded.count(column.casefold()) == 1:
            return folded.index(column.casefold())
        where = f"the header (line {self.header_line})"
        raise DataError(f"{self.path}: {self._missing_column(column, arg, names, where)}")

    def _missing_column(self, column: str, arg: str, names: list[str], where: str) -> str:
        taken = {self.text_column, self.second_column,
                 *label_columns_of(self.label_column)} - {column}
        hint = column_hint(column, arg, names, taken)
        if arg == "text_column" and self.format in ("csv", "tsv") and not self.headerless:
            hint += " (for a file without a header row, give columns by position: text_column=0)"
        return f"no column {column!r}; {where} has columns {names}: {hint}"

    # -------------------------------------------------------------- rows

    def __iter__(self) -> Iterator[tuple[str, str, str | None, Any]]:
        return self.rows()

    def rows(self, log: SkipLog | None = None) -> Iterator[tuple[str, str, str | None, Any]]:
        """One validated pass; ``log`` (default: a fresh one) collects skipped rows."""
        log = log if log is not None else SkipLog(self.on_bad_rows, str(self.path))
        reader = {
            "csv": self._table_rows, "tsv": self._table_rows, "jsonl": self._jsonl_rows,
            "json": self._json_array_rows, "lines": self._line_rows,
        }[self.format]
        clean = self.cleaner.clean
        for where, fields, problem in reader():
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

    def _table_rows(self) -> Iterator[tuple[str, tuple[Any, Any, Any], str | None]]:
        text_i, second_i, label_i = self._index
        n_fields = self.n_fields
        name = str(self.path)
        hint = _EXPECTED_FIELDS_HINT[self.format]
        columns = (
            f"{n_fields} fields" if self.header is None
            else f"{n_fields} fields ({', '.join(self.header)})"
        )
        with open(self.path, "rb") as f:
            records = self._records(f)
            if not self.headerless:
                next(records, None)
            for start, end, fields, problem in records:
                where = f"{name} line {start}" if start == end else f"{name} lines {start}-{end}"
                if problem is None and len(fields) != n_fields:  # type: ignore[arg-type]
                    problem = f"expected {columns} but found {len(fields)}; {hint}"  # type: ignore[arg-type]
                    if end - start > 2:
                        problem += " (this row runs over several lines: is a quote left unclosed?)"
                if problem is not None:
                    yield where, (None, None, None), problem
                    continue
                assert fields is not None
                yield where, (
                    fields[text_i],
                    None if second_i is None else fields[second_i],
                    None if label_i is None else (
                        tuple(fields[i] for i in label_i) if isinstance(label_i, tuple)
                        else fields[label_i]),
                ), None

    def _jsonl_rows(self) -> Iterator[tuple[str, tuple[Any, Any, Any], str | None]]:
        name = str(self.path)
        bad: dict[int, str] = {}
        counter = [0]
        with open(self.path, "rb") as f:
            for line in self._split_lines(f, bad, counter):
                no = counter[0]
                if not line.strip():
                    continue
                where = f"{name} line {no}"
                if bad:
                    problem = bad.pop(no, None)
                    if problem is not None:
                        yield where, (None, None, None), problem
                        continue
                try:
                    obj = json.loads(line)
                except ValueError as exc:
                    msg = getattr(exc, "msg", str(exc))
                    col = getattr(exc, "colno", None)
                    at = f" at column {col}" if col else ""
                    yield where, (None, None, None), (
                        f"not valid JSON ({msg}{at}); each line must hold one JSON object like "
                        f'{{"text": "...", "label": "..."}}'
                    )
                    continue
                yield (where, *self._from_object(obj))

    def _json_array_rows(self) -> Iterator[tuple[str, tuple[Any, Any, Any], str | None]]:
        name = str(self.path)
        try:
            text = self.path.read_bytes().decode(self.encoding)
        except UnicodeDecodeError as exc:
            raw = self.path.read_bytes()
            line = raw[: exc.start].count(b"\n") + 1
            start = raw.rfind(b"\n", 0, exc.start) + 1
            shifted = UnicodeDecodeError(exc.encoding, exc.object, exc.start - start, exc.end - start, exc.reason)
            raise DataError(f"{name} line {line}: {decode_problem(raw[start:], shifted, self.encoding)}") from None
        try:
            data = json.loads(text.lstrip("\ufeff"))
        except ValueError as exc:
            raise DataError(
                f"{name} line {getattr(exc, 'lineno', '?')}: not valid JSON "
                f"({getattr(exc, 'msg', exc)}); a .json file holds one array of objects, or one "
                f"object per line (JSON lines)"
            ) from None
        if not isinstance(data, list):
            raise DataError(
                f"{name}: expected a JSON array of objects (or one object per line), found a "
                f"{type(data).__name__}"
            )
        for i, obj in enumerate(data):
            yield (f"{name} item {i}", *self._from_object(obj))

    def _from_object(self, obj: Any) -> tuple[tuple[Any, Any, Any], str | None]:
        if not isinstance(obj, dict):
            return (None, None, None), (
                f"expected a JSON object like {{\"text\": \"...\", \"label\": \"...\"}}, found a "
                f"{type(obj).__name__}"
            )
        values: list[Any] = []
        if isinstance(self.label_column, (list, tuple)):
            # Several label columns: a key absent from this object is a missing label.
            text, second = self.text_column, self.second_column
            for column, arg in ((text, "text_column"), (second, "second_column")):
                if column is not None and column not in obj:
                    return (None, None, None), self._missing_column(
                        str(column), arg, list(obj), "this object")
            return (obj[text], None if second is None else obj[second],
                    tuple(obj.get(c) for c in self.label_column)), None
        for column, arg in (
            (self.text_column, "text_column"), (self.second_column, "second_column"),
            (self.label_column, "label_column"),
        ):
            if column is None:
                values.append(None)
            elif column in obj:
                values.append(obj[column])
            else:
                return (None, None, None), self._missing_column(
                    str(column), arg, list(obj), "this object"
                )
        return (values[0], values[1], values[2]), None

    def _line_rows(self) -> Iterator[tuple[str, tuple[Any, Any, Any], str | None]]:
        name = str(self.path)
        bad: dict[int, str] = {}
        counter = [0]
        with open(self.path, "rb") as f:
            for line in self._split_lines(f, bad, counter):
                no = counter[0]
                if not line.strip():
                    continue
                yield f"{name} line {no}", (line, None, None), bad.pop(no, None)

    # -------------------------------------------------------------- counting

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
        return self.on_bad_rows == "skip"


# --------------------------------------------------------------------------------------------
# Folders
# --------------------------------------------------------------------------------------------


def _natural_key(name: str) -> list[Any]:
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]


def _subfolders(path: Path) -> list[Path]:
    return sorted(
        (p for p in path.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))),
        key=lambda p: _natural_key(p.name),
    )


def load_folder(
    root: str | os.PathLike[str],
    split: str | None = None,
    *,
    labels: Sequence[Any] | None = None,
    on_bad_rows: str = "error",
    encoding: str = "utf-8",
    ignore: Sequence[str] = ("unsup",),
    extensions: Sequence[str] = (".txt",),
) -> TextExamples:
    """Texts from class folders: ``root/<label>/*.txt``, one example per file.

    With split levels (``root/train/<label>/``, ``root/test/<label>/``, the IMDb ``aclImdb``
    layout) ``split`` picks one, ``"train"`` by default. Folders named in ``ignore`` (IMDb's
    unlabelled ``unsup``) and hidden folders are left out; files other than ``extensions`` are
    ignored. Classes come in sorted order, files in natural order (``2.txt`` before ``10.txt``).

    >>> import os, tempfile
    >>> root = tempfile.mkdtemp()
    >>> for label, name, text in [("体育", "1.txt", "球赛"), ("财经", "2.txt", "股市 ")]:
    ...     os.makedirs(os.path.join(root, label), exist_ok=True)
    ...     with open(os.path.join(root, label, name), "w", encoding="utf-8") as f:
    ...         _ = f.write(text)
    >>> ex = load_folder(root)
    >>> ex.texts, ex.labels
    (['球赛', '股市'], ['体育', '财经'])
    """
    root = check_path(root)
    if not root.is_dir():
        raise DataError(f"{root} is not a folder; load_folder reads root/<label>/*.txt")
    check_encoding(encoding)
    log = SkipLog(on_bad_rows, str(root))
    cleaner = RowCleaner(has_second=False, has_label=True, multi_label=False,
                         label_separator="", labels=labels)
    folders = _subfolders(root)
    names = [p.name for p in folders]
    if split is not None:
        if split not in names:
            raise DataNotFoundError(
                f"{root} has no {split!r} folder; its folders are {names}"
            )
        base = root / split
    elif "train" in names and _subfolders(root / "train"):
        base = root / "train"
    else:
        base = root
    exts = tuple(e.lower() for e in extensions)
    classes = []
    for folder in _subfolders(base):
        if folder.name in ignore:
            warnings.warn(
                f"{base}: ignored the folder {folder.name!r} (unlabelled examples); pass ignore=() "
                f"to load it as a class",
                stacklevel=2,
            )
            continue
        classes.append(folder)
    if not classes:
        loose = [p.name for p in base.iterdir() if p.suffix.lower() in exts][:3]
        hint = (
            f" It holds files such as {loose}: put each class's files in a sub-folder named "
            f"after the class" if loose else ""
        )
        raise DataError(f"{base} has no class sub-folders (root/<label>/*.txt).{hint}")
    texts: list[str] = []
    out_labels: list[str] = []
    for folder in classes:
        try:
            label = clean_label(folder.name, multi_label=False)
        except LabelProblem as exc:  # pragma: no cover - a folder name is never empty
            raise DataError(f"{folder}: {exc}") from None
        files = sorted(
            (p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in exts),
            key=lambda p: _natural_key(p.name),
        )
        if cleaner.allowed is not None and label not in cleaner.allowed:
            for p in files or [folder]:
                log.bad(str(p), cleaner.unknown(label).replace("Fix the row", "Remove the folder"))
            continue
        if not files:
            others = [p.name for p in folder.iterdir()][:3]
            warnings.warn(
                f"{folder}: no {'/'.join(exts)} files in this class folder"
                + (f" (it holds {others})" if others else ""),
                stacklevel=2,
            )
        for p in files:
            raw = p.read_bytes()
            try:
                text = raw.decode(encoding)
            except UnicodeDecodeError as exc:
                line = raw[: exc.start].count(b"\n") + 1
                start = raw.rfind(b"\n", 0, exc.start) + 1
                shifted = UnicodeDecodeError(
                    exc.encoding, exc.object, exc.start - start, exc.end - start, exc.reason
                )
                log.bad(f"{p} line {line}", decode_problem(raw[start:], shifted, encoding))
                continue
            try:
                text, _, _ = cleaner.clean(text.lstrip("\ufeff"), None, label)
            except RowProblem as exc:
                log.bad(str(p), str(exc))
                continue
            texts.append(text)
            out_labels.append(label)
    if not texts:
        raise log.nothing_left("files")
    log.warn()
    return TextExamples._trusted(texts, out_labels, None, log.count)


# --------------------------------------------------------------------------------------------
# In-memory sources
# --------------------------------------------------------------------------------------------


def _is_column(value: Any) -> bool:
    if isinstance(value, (str, bytes, dict)):
        return False
    if isinstance(value, (list, tuple, np.ndarray)):
        return True
    return hasattr(value, "tolist") and hasattr(value, "__len__")  # pandas Series and the like


def _as_list(value: Any) -> list[Any]:
    return value.tolist() if hasattr(value, "tolist") else list(value)


def _is_dataframe(value: Any) -> bool:
    pd = sys.modules.get("pandas")
    return pd is not None and isinstance(value, pd.DataFrame)


def _collect(
    rows: Any,
    log: SkipLog,
    cleaner: RowCleaner,
    multi_label: bool | None,
    separator: str,
    what: str,
) -> TextExamples:
    texts: list[str] = []
    seconds: list[str] | None = [] if cleaner.has_second else None
    labels: list[Any] | None = [] if cleaner.has_label else None
    for where, text, second, label in rows:
        texts.append(text)
        if seconds is not None:
            seconds.append(second)
        if labels is not None:
            labels.append(label)
    if not texts:
        raise log.nothing_left(what)
    if labels is not None:
        labels = finish_labels(labels, multi_label, separator, log.source)
    log.warn()
    return TextExamples._trusted(texts, labels, seconds, log.count)


def _column_rows(
    columns: tuple[list[Any], list[Any] | None, list[Any] | None],
    where: Any,
    log: SkipLog,
    cleaner: RowCleaner,
) -> Iterator[tuple[str, str, str | None, Any]]:
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


def _load_table(
    table: Any,
    what: str,
    text_column: Any,
    label_column: Any,
    second_column: Any,
    log: SkipLog,
    cleaner: RowCleaner,
    multi_label: bool | None,
    separator: str,
) -> TextExamples:
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
            raise DataError(f"{what} has no column {column!r}; its columns are {names}: {hint}")
        cols.append(_as_list(table[column]))
    lengths = {len(c) for c in cols if c is not None}
    if len(lengths) > 1:
        raise DataError(f"{what}: the columns have different lengths {sorted(lengths)}")
    if _is_dataframe(table) and not _is_default_index(table):
        index = table.index

        def where(i: int) -> str:
            label = index[i]
            label = label.item() if isinstance(label, np.generic) else label
            return f"{what} row {i} (index {label!r})"
    else:
        def where(i: int) -> str:
            return f"{what} row {i}"
    rows = _column_rows((cols[0], cols[1], cols[2]), where, log, cleaner)
    return _collect(rows, log, cleaner, multi_label, separator, "rows")


def _is_default_index(df: Any) -> bool:
    index = df.index
    return type(index).__name__ == "RangeIndex" and index.start == 0 and index.step == 1


def load_examples(
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
    label_columns: Sequence[str | int] | None = None,
) -> Any:
    """Load labelled (or unlabelled) texts from a folder, file, DataFrame or lists.

    Args:
        source: a class folder (see :func:`load_folder`), a ``.csv``/``.tsv``/``.jsonl``/``.json``
            file, a pandas DataFrame or dict of columns, ``(texts, labels)``,
            ``(texts, second_texts, labels)``, or a list of texts (unlabelled).
        text_column, label_column, second_column: column names (keys of JSON objects); ints
            for a CSV/TSV file without a header. ``label_column=None``: unlabelled texts.
            ``second_column``: the second text of sentence pairs.
        labels: the allowed label names; rows with another label are bad rows.
        on_bad_rows: ``"error"`` (raise :class:`DataError` naming the file and line) or
            ``"skip"`` (drop, count in ``.skipped``, warn once).
        encoding: the text encoding of files (``"utf-8"``, ``"gbk"``, ``"latin-1"``...); a
            leading BOM is dropped.
        multi_label: ``True`` splits string labels on ``label_separator`` (``"a|b"``); ``None``
            makes JSON lists multi-label and leaves strings whole.
        format: force a file format (``"csv"``, ``"tsv"``, ``"jsonl"``, ``"json"``,
            ``"lines"``: one unlabelled text per line) instead of guessing from the extension.
        split: for a folder with ``train/`` and ``test/`` levels, which to load (``"train"``).
        label_columns: several label columns, one per head of a multi-head model
            (``["category", "sentiment"]``): returns
            :class:`~bertkit.data.multi_head.MultiHeadExamples`, where a blank cell is a
            missing label (see :func:`~bertkit.data.multi_head.load_multi_head_examples`).

    >>> ex = load_examples((["很好", "太差了"], [1, 0]))
    >>> ex.labels
    ['1', '0']
    >>> load_examples(["just", "texts"]).labels is None
    True
    """
    if label_columns is not None:
        from bertkit.data.multi_head import load_multi_head_examples

        return load_multi_head_examples(
            source, label_columns, text_column=text_column, second_column=second_column,
            on_bad_rows=on_bad_rows, encoding=encoding, multi_label=multi_label,
            label_separator=label_separator, format=format)
    if isinstance(source, TextExamples):
        return source
    log_source = "the data"
    if isinstance(source, (str, os.PathLike)):
        path = check_path(source)
        if path.is_dir():
            return load_folder(path, split, labels=labels, on_bad_rows=on_bad_rows, encoding=encoding)
        rows = FileRows(
            path, text_column=text_column, label_column=label_column, second_column=second_column,
            labels=labels, on_bad_rows=on_bad_rows, encoding=encoding, multi_label=multi_label,
            label_separator=label_separator, format=format,
        )
        log = SkipLog(on_bad_rows, str(path))
        return _collect(rows.rows(log), log, rows.cleaner, multi_label, label_separator, "rows")
    if _is_dataframe(source) or isinstance(source, Mapping):
        what = "the DataFrame" if _is_dataframe(source) else "the dict of columns"
        cleaner = RowCleaner(
            has_second=second_column is not None, has_label=label_column is not None,
            multi_label=multi_label, label_separator=label_separator, labels=labels,
        )
        return _load_table(source, what, text_column, label_column, second_column,
                           SkipLog(on_bad_rows, what), cleaner, multi_label, label_separator)
    if isinstance(source, (list, tuple, np.ndarray)) or _is_column(source):
        items = _as_list(source)
        if items and all(isinstance(t, str) for t in items):
            columns: tuple[list[Any], list[Any] | None, list[Any] | None] = (items, None, None)
        elif isinstance(source, (list, tuple)) and len(items) in (2, 3) and all(
            _is_column(c) for c in items
        ):
            cols = [_as_list(c) for c in items]
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
        log_source = "the data"
        log = SkipLog(on_bad_rows, log_source)
        cleaner = RowCleaner(
            has_second=columns[1] is not None, has_label=columns[2] is not None,
            multi_label=multi_label, label_separator=label_separator, labels=labels,
        )
        rows = _column_rows(columns, lambda i: f"example {i}", log, cleaner)
        return _collect(rows, log, cleaner, multi_label, label_separator, "examples")
    if type(source).__name__ == "DataFrame":
        raise DataError("a DataFrame was given but pandas could not be used; install pandas")
    raise DataError(
        f"load_examples cannot read a {type(source).__name__}: pass a folder or file path, a "
        f"pandas DataFrame, (texts, labels), (texts, second_texts, labels) or a list of texts"
    )
