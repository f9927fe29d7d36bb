"""Character-level helpers shared by the backends: code points, combining marks, lone surrogates.

>>> _codepoints("a你").tolist()
[97, 20320]
>>> _extend_over_marks([(0, 4)], [0], ("cafe\\u0301",))
[(0, 5)]
>>> _rust_safe("a\\ud800b") == "a\\ufffdb"
True
"""

from __future__ import annotations

import functools
import re
import unicodedata
from itertools import chain
from typing import Sequence

import numpy as np

from bertkit.errors import TokenizerError

_N_CODEPOINTS = 0x110000  # every Unicode code point: the size of per-character tables


def _codepoints(text: str) -> np.ndarray:
    """The code points of ``text`` (lone surrogates included) as a ``uint32`` array."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")


@functools.lru_cache(maxsize=1)
def _mark_pattern() -> re.Pattern[str]:
    """A regex matching one nonspacing combining mark (category Mn)."""
    ranges: list[list[int]] = []
    for cp in chain(range(0x20000), range(0xE0000, 0xE1000)):
        if unicodedata.category(chr(cp)) == "Mn":
            if ranges and ranges[-1][1] == cp - 1:
                ranges[-1][1] = cp
            else:
                ranges.append([cp, cp])
    body = "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges
    )
    return re.compile(f"[{body}]")


def _extend_over_marks(
    offsets: Sequence[tuple[int, int]], sequence_ids: Sequence[int | None], texts: Sequence[str | None]
) -> list[tuple[int, int]]:
    """Let each token also cover the combining marks right after it that no token covers.

    Accent stripping drops decomposed accents from the normalized text, so ``tokenizers`` ends
    the token ``cafe`` of ``"cafe\u0301"`` before the accent; the span should be the whole
    ``"cafe\u0301"``.
    """
    marks = _mark_pattern()
    out = list(offsets)
    next_start: dict[int, int] = {}
    for i in range(len(out) - 1, -1, -1):
        seq = sequence_ids[i]
        if seq is None:
            continue
        text = texts[seq]
        assert text is not None
        start, end = out[i]
        limit = next_start.get(seq, len(text))
        while end < limit and marks.match(text, end):
            end += 1
        out[i] = (start, end)
        next_start[seq] = start
    return out


def _has_marks(text: str | None) -> bool:
    """Whether ``text`` holds a nonspacing combining mark (so offsets may need extending)."""
    return bool(text) and not text.isascii() and _mark_pattern().search(text) is not None


# Lone surrogates: valid in a Python str, not in a Rust one.
_SURROGATE = re.compile("[\ud800-\udfff]")


def _rust_safe(text: str) -> str:
    """``text`` with lone surrogates (which Rust strings cannot hold) replaced by U+FFFD.

    One code point for one, so offsets are unchanged; BERT's normalizer then drops them.
    """
    if text.isascii() or not _SURROGATE.search(text):
        return text
    return _SURROGATE.sub("\ufffd", text)


def _encode_error(exc: Exception) -> TokenizerError:
    """The error raised when ``tokenizers`` rejects a text."""
    return TokenizerError(f"the text could not be tokenized: {exc}")
