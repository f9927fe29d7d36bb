"""Data files before their rows: the format, the path, the encoding, and undecodable bytes.

>>> detect_format("reviews.csv"), detect_format("train.jsonl"), detect_format("x.txt", "lines")
('csv', 'jsonl', 'lines')
>>> print(decode_problem(b"ok \\xff", UnicodeDecodeError("utf-8", b"ok \\xff", 3, 4, "x"), "utf-8"))
bytes b'\\xff' at byte 4 of the line are not valid utf-8; pass the file's encoding (e.g. encoding='gbk' or encoding='latin-1'), or encoding_errors='replace' to read such bytes as '�', or re-save the file as UTF-8
"""

from __future__ import annotations

import codecs
import os
from pathlib import Path
from typing import Any, Iterator

from bertkit._messages import cut, option, shorten
from bertkit.errors import DataError, DataNotFoundError

__all__ = [
    "ENCODING_ERRORS", "FORMATS", "check_encoding", "check_path", "decode_problem",
    "decoded_lines", "detect_format", "file_decode_problem", "nonblank_lines", "text_lines",
]

FORMATS = ("csv", "tsv", "jsonl", "json", "lines")
#: what ``encoding_errors`` may be: stop at bytes that do not decode, or read them as U+FFFD
ENCODING_ERRORS = ("strict", "replace")
_EXTENSIONS = {
    ".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl",
    ".json": "json", ".txt": "txt",
}


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
    """``path`` as a `Path`; :class:`DataNotFoundError` when nothing is there."""
    p = Path(path)
    if not p.exists():
        text = str(path)
        hint = (
            "; to use texts directly, pass a list of texts or (texts, labels)"
            if (" " in text or "\n" in text or len(text) > 200) else ""
        )
        raise DataNotFoundError(f"no such file or folder: {cut(text)}{hint}")
    return p


def check_encoding(encoding: str, errors: str = "strict") -> str:
    """``encoding`` if data files can be read with it (a known, byte-oriented text encoding),
    and ``errors`` (`ENCODING_ERRORS`) says what to do with bytes that do not decode."""
    if errors not in ENCODING_ERRORS:
        raise DataError(f"{option('encoding_errors', errors)} is not one of "
                        f"{list(ENCODING_ERRORS)}")
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise DataError(f"{option('encoding', encoding)} is not a known text encoding (try "
                        f"{option('encoding', 'utf-8')} or {option('encoding', 'gbk')})") from None
    if name.startswith(("utf-16", "utf-32")):
        raise DataError(
            f"{option('encoding', encoding)} is not supported for data files (lines are split on "
            f"the byte '\\n'); re-save the file as UTF-8"
        )
    return encoding


def decode_problem(raw: bytes, exc: UnicodeDecodeError, encoding: str) -> str:
    """The problem of a line ``raw`` that ``exc`` could not decode, and how to fix it."""
    bad = raw[exc.start: min(exc.end, exc.start + 4)]
    return (
        f"bytes {bad!r} at byte {exc.start + 1} of the line are not valid {encoding}; pass the "
        f"file's encoding (e.g. {option('encoding', 'gbk')} or {option('encoding', 'latin-1')}), "
        f"or {option('encoding_errors', 'replace')} to read such bytes as {shorten(chr(0xFFFD))}, "
        f"or re-save the file as UTF-8"
    )


def file_decode_problem(raw: bytes, exc: UnicodeDecodeError, encoding: str) -> tuple[int, str]:
    """The line number (from 1) where decoding a whole file's bytes ``raw`` failed, and the
    `decode_problem` of that line."""
    line = raw[: exc.start].count(b"\n") + 1
    start = raw.rfind(b"\n", 0, exc.start) + 1
    shifted = UnicodeDecodeError(
        exc.encoding, exc.object, exc.start - start, exc.end - start, exc.reason
    )
    return line, decode_problem(raw[start:], shifted, encoding)


def decoded_lines(f: Any, encoding: str, bad: dict[int, str], counter: list[int],
                  errors: str = "strict") -> Iterator[str]:
    """The lines of the binary file ``f``, decoded (a leading BOM dropped). ``counter[0]`` is the
    number of the line just yielded; a line that does not decode is yielded with replacement
    characters, and (``errors="strict"``) its problem is put in ``bad[line number]``."""
    for raw in f:
        counter[0] += 1
        try:
            line = raw.decode(encoding)
        except UnicodeDecodeError as exc:
            if errors == "strict":
                bad[counter[0]] = decode_problem(raw, exc, encoding)
            line = raw.decode(encoding, errors="replace")
        if counter[0] == 1 and line.startswith("\ufeff"):
            line = line[1:]
        yield line


def nonblank_lines(f: Any, encoding: str, errors: str = "strict"
                   ) -> Iterator[tuple[int, str, str | None]]:
    """``(line number, line, problem)`` of each non-blank line of the binary file ``f``, decoded
    as by `decoded_lines`; ``problem`` is ``None`` unless the line's bytes do not decode."""
    bad: dict[int, str] = {}
    counter = [0]
    for line in decoded_lines(f, encoding, bad, counter, errors):
        no = counter[0]
        if line.strip():
            yield no, line, bad.pop(no, None)


def text_lines(path: str | os.PathLike[str], encoding: str = "utf-8", errors: str = "strict", *,
               keep_blank: bool = False, name: str | None = None) -> Iterator[tuple[int, str]]:
    """``(line number, line)`` of each non-blank line of the file ``path`` (every line with
    ``keep_blank``), decoded as by `decoded_lines`; with ``errors="strict"``, bytes that do not
    decode are a :class:`DataError` naming the file (``name``, default the path) and line."""
    check_encoding(encoding, errors)
    bad: dict[int, str] = {}
    counter = [0]
    with open(path, "rb") as f:
        for line in decoded_lines(f, encoding, bad, counter, errors):
            number = counter[0]
            if number in bad:
                raise DataError(f"{name or path} line {number}: {bad[number]}")
            if keep_blank or line.strip():
                yield number, line
