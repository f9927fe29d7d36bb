"""CSV and TSV files: records (a quoted CSV field may span lines), the header, the rows.

A CSV/TSV file has a header row naming its columns, or, when every column is given by position
(ints), no header. TSV fields are split on tabs with no quoting; CSV follows Python's ``csv``
dialect (fields quoted with ``"``). Rows with the wrong number of fields, malformed quoting or
bytes that do not decode come out with their problem, for the reader's bad-row policy.

>>> import os, tempfile
>>> path = os.path.join(tempfile.mkdtemp(), "pairs.tsv")
>>> with open(path, "w", encoding="utf-8") as f:
...     _ = f.write("label\\ttext\\npos\\tgood\\nneg\\n")
>>> table = DelimitedTable(path, "tsv", "utf-8", Columns("text", "label", None), headerless=False)
>>> for where, fields, problem in table.rows():
...     print(where.split(os.sep)[-1], fields, problem)
pairs.tsv line 2 ('good', None, 'pos') None
pairs.tsv line 3 (None, None, None) expected 2 fields (label, text) but found 1; a text must not contain tab characters
"""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import Any, Iterator

from bertkit._messages import cut, option
from bertkit.data.columns import Columns
from bertkit.data.files import decoded_lines, nonblank_lines
from bertkit.data.rows import RawRow
from bertkit.errors import DataError

__all__ = ["DelimitedTable", "records"]

_CSV_FIELD_LIMIT = 1 << 24  # 16M characters: any real document, yet bounded on a stray quote
_EXPECTED_FIELDS_HINT = {
    "csv": "quote fields that hold commas or line breaks (\"like, this\")",
    "tsv": "a text must not contain tab characters",
}


def records(f: Any, format: str, encoding: str, errors: str = "strict"
            ) -> Iterator[tuple[int, int, list[str] | None, str | None]]:
    """``(first_line, last_line, fields, problem)`` of each non-blank CSV/TSV record of the
    binary file ``f`` (``fields`` is ``None`` when the CSV is malformed); ``errors`` as for
    `~bertkit.data.files.decoded_lines`."""
    if format == "tsv":
        for no, line, problem in nonblank_lines(f, encoding, errors):
            yield no, no, line.rstrip("\r\n").split("\t"), problem
        return
    bad: dict[int, str] = {}
    counter = [0]
    lines = decoded_lines(f, encoding, bad, counter, errors)
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


class DelimitedTable:
    """A CSV/TSV file whose header (or, ``headerless``, first row) is read at once, so that a
    missing column fails here; `rows` then reads the file once per call.

    Attributes:
        header: the column names, or ``None`` for a headerless file.
        header_line: the line of the header (``0`` when headerless).
        n_fields: the number of fields every row must have.
    """

    def __init__(self, path: str | os.PathLike[str], format: str, encoding: str,
                 columns: Columns, headerless: bool, errors: str = "strict") -> None:
        self.path = Path(path)
        self.format = format
        self.encoding = encoding
        self.errors = errors
        self.columns = columns
        self.headerless = headerless
        self.header: list[str] | None = None
        self.header_line = 0
        self.n_fields = 0
        self._index: tuple[int, int | None, Any] = (0, None, None)
        self._read_header()

    def _read_header(self) -> None:
        with open(self.path, "rb") as f:
            first = next(records(f, self.format, self.encoding, self.errors), None)
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
        columns = self.columns
        text_i = find(columns.text, "text_column", names)
        second_i = find(columns.second, "second_column", names)
        if isinstance(columns.label, (list, tuple)):  # several label columns (multi-head)
            label_i: Any = tuple(find(c, "label_columns", names) for c in columns.label)
        else:
            label_i = find(columns.label, "label_column", names)
        assert text_i is not None
        self._index = (text_i, second_i, label_i)

    def _find_position(self, column: Any, arg: str, names: list[str]) -> int | None:
        if column is None:
            return None
        if not -len(names) <= column < len(names):
            raise DataError(
                f"{self.path}: {option(arg, column)} but the rows have {len(names)} fields "
                f"(positions 0..{len(names) - 1})"
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
        problem = self.columns.missing(column, arg, names, where, position_hint=True)
        raise DataError(f"{self.path}: {problem}")

    def rows(self) -> Iterator[RawRow]:
        """``(where, (text, second, label), problem)`` of each data row, in file order."""
        text_i, second_i, label_i = self._index
        n_fields = self.n_fields
        name = str(self.path)
        hint = _EXPECTED_FIELDS_HINT[self.format]
        columns = (
            f"{n_fields} fields" if self.header is None
            else f"{n_fields} fields ({cut(', '.join(cut(name, 60) for name in self.header))})"
        )
        with open(self.path, "rb") as f:
            rows = records(f, self.format, self.encoding, self.errors)
            if not self.headerless:
                next(rows, None)
            for start, end, fields, problem in rows:
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
