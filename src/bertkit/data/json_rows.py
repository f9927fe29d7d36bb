"""JSON data files: one object per line (JSON lines), or one array of objects (``.json``).

Each object holds the text, label and second text under the column names (its keys); a key
that is absent, a line that is not valid JSON, or an item that is not an object comes out as a
row with its problem, for the reader's bad-row policy.

>>> import os, tempfile
>>> path = os.path.join(tempfile.mkdtemp(), "reviews.jsonl")
>>> with open(path, "w", encoding="utf-8") as f:
...     _ = f.write('{"text": "很好", "label": "pos"}\\n{"txt": "太差", "label": "neg"}\\n')
>>> for where, fields, problem in jsonl_rows(path, "utf-8", Columns("text", "label", None)):
...     print(where.split(os.sep)[-1], fields, problem)
reviews.jsonl line 1 ('很好', None, 'pos') None
reviews.jsonl line 2 (None, None, None) no column 'text'; this object has columns ['txt', 'label']: pass text_column='txt'
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Iterator

from bertkit.data.columns import Columns
from bertkit.data.files import file_decode_problem, nonblank_lines
from bertkit.data.rows import RawRow
from bertkit.errors import DataError

__all__ = ["json_array_rows", "jsonl_rows"]


def jsonl_rows(path: str | os.PathLike[str], encoding: str, columns: Columns,
               errors: str = "strict") -> Iterator[RawRow]:
    """``(where, (text, second, label), problem)`` of each non-blank line of a JSON-lines file
    (``errors``: what to do with bytes that do not decode, as for
    `~bertkit.data.files.decoded_lines`)."""
    name = str(path)
    with open(path, "rb") as f:
        for no, line, problem in nonblank_lines(f, encoding, errors):
            where = f"{name} line {no}"
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
            yield (where, *_from_object(obj, columns))


def json_array_rows(path: str | os.PathLike[str], encoding: str, columns: Columns,
                    errors: str = "strict") -> Iterator[RawRow]:
    """``(where, (text, second, label), problem)`` of each item of a file holding one JSON array
    of objects; a file that does not decode (``errors="strict"``) or parse is a
    :class:`DataError` at once."""
    path = Path(path)
    name = str(path)
    try:
        text = path.read_bytes().decode(encoding, errors)
    except UnicodeDecodeError as exc:
        line, problem = file_decode_problem(path.read_bytes(), exc, encoding)
        raise DataError(f"{name} line {line}: {problem}") from None
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
        yield (f"{name} item {i}", *_from_object(obj, columns))


def _from_object(obj: Any, columns: Columns) -> tuple[tuple[Any, Any, Any], str | None]:
    """``((text, second, label), problem)`` of one JSON item."""
    if not isinstance(obj, dict):
        return (None, None, None), (
            f"expected a JSON object like {{\"text\": \"...\", \"label\": \"...\"}}, found a "
            f"{type(obj).__name__}"
        )
    values: list[Any] = []
    if isinstance(columns.label, (list, tuple)):
        # Several label columns: a key absent from this object is a missing label.
        text, second = columns.text, columns.second
        for column, arg in ((text, "text_column"), (second, "second_column")):
            if column is not None and column not in obj:
                return (None, None, None), columns.missing(
                    str(column), arg, list(obj), "this object")
        return (obj[text], None if second is None else obj[second],
                tuple(obj.get(c) for c in columns.label)), None
    for column, arg in (
        (columns.text, "text_column"), (columns.second, "second_column"),
        (columns.label, "label_column"),
    ):
        if column is None:
            values.append(None)
        elif column in obj:
            values.append(obj[column])
        else:
            return (None, None, None), columns.missing(
                str(column), arg, list(obj), "this object"
            )
    return (values[0], values[1], values[2]), None
