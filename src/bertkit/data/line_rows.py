"""Files of one unlabelled text per line (``format="lines"``).

>>> import os, tempfile
>>> path = os.path.join(tempfile.mkdtemp(), "texts.txt")
>>> with open(path, "w", encoding="utf-8") as f:
...     _ = f.write("第一条\\n\\n第二条\\n")
>>> [(where.split(os.sep)[-1], fields) for where, fields, _ in line_rows(path, "utf-8")]
[('texts.txt line 1', ('第一条\\n', None, None)), ('texts.txt line 3', ('第二条\\n', None, None))]
"""

from __future__ import annotations

import os
from typing import Iterator

from bertkit.data.files import nonblank_lines
from bertkit.data.rows import RawRow

__all__ = ["line_rows"]


def line_rows(path: str | os.PathLike[str], encoding: str, errors: str = "strict"
              ) -> Iterator[RawRow]:
    """``(where, (line, None, None), problem)`` of each non-blank line (the text is cleaned
    later); ``problem`` is set when the line's bytes do not decode (``errors="strict"``)."""
    name = str(path)
    with open(path, "rb") as f:
        for no, line, problem in nonblank_lines(f, encoding, errors):
            yield f"{name} line {no}", (line, None, None), problem
