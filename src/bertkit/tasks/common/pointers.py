"""Token <-> character bookkeeping and decoding shared by the pointer-network tasks.

Spans are ``(start, end)``: character spans are end-exclusive (``text[start:end]``), token spans
end-inclusive (pointer heads point at the first and the last token).

>>> import numpy as np
>>> pair_starts_with_ends(np.array([1, 4]), np.array([2, 6]))
[(1, 2), (4, 6)]
>>> start, end, score = best_span(np.log([.1, .7, .1, .1]), np.log([.1, .1, .7, .1]),
...                               np.array([0, 1, 1, 1]), max_answer_len=5)
>>> start, end, round(score, 3)
(1, 2, -0.713)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from bertkit.errors import TokenizerError


def encode_keeping_first(tokenizer: Any, first: str | None, text: str, max_len: int,
                         where: str = "") -> Any:
    """Encode ``(first, text)`` (or ``text`` alone) in at most ``max_len`` tokens, cutting only
    the end of ``text``; the query ``first`` is never truncated.

    Returns the `Encoding`; the text is its sequence ``1`` (``0`` when ``first`` is None).
    """
    enc = tokenizer.encode(first, text, max_len=None) if first is not None else \
        tokenizer.encode(text, max_len=None)
    over = len(enc.ids) - max_len
    if over <= 0:
        return enc
    seq = 0 if first is None else 1
    text_tokens = [i for i, s in enumerate(enc.sequence_ids) if s == seq]
    if over >= len(text_tokens):
        raise TokenizerError(
            f"{where + ': ' if where else ''}the query takes {len(enc.ids) - len(text_tokens)} "
            f"of the {max_len} positions (max_len) and leaves no room for the text; shorten the "
            "query or raise max_len.")
    drop = set(text_tokens[len(text_tokens) - over:])
    keep = [i for i in range(len(enc.ids)) if i not in drop]
    return enc.__class__(ids=[enc.ids[i] for i in keep],
                         segment_ids=[enc.segment_ids[i] for i in keep],
                         offsets=[tuple(enc.offsets[i]) for i in keep],
                         tokens=[enc.tokens[i] for i in keep],
                         sequence_ids=[enc.sequence_ids[i] for i in keep])


def text_token_mask(enc: Any, seq: int) -> np.ndarray:
    """1 on the tokens of sequence ``seq`` (the text), 0 elsewhere."""
    return np.array([1 if s == seq else 0 for s in enc.sequence_ids], np.int32)


def char_span_to_tokens(enc: Any, start: int, end: int, seq: int) -> tuple[int, int] | None:
    """The first and last token covering characters ``start..end`` of sequence ``seq``.

    ``None`` when the span was cut off by truncation (or covers no token at all, e.g. spaces).
    """
    first = last = None
    for i, (s, (a, b)) in enumerate(zip(enc.sequence_ids, enc.offsets)):
        if s != seq or b <= a:
            continue
        if b > start and a < end:
            if first is None:
                first = i
            last = i
    if first is None or last is None:
        return None
    # The span must be complete: its last character must lie in the encoded tokens.
    if max(b for s, (a, b) in zip(enc.sequence_ids, enc.offsets) if s == seq) < end:
        return None
    return first, last


def token_span_to_chars(offsets: Any, start: int, end: int) -> tuple[int, int]:
    """Character span ``(start_char, end_char)`` of tokens ``start..end`` (inclusive)."""
    return int(offsets[start][0]), int(offsets[end][1])


def pair_starts_with_ends(starts: np.ndarray, ends: np.ndarray) -> list[tuple[int, int]]:
    """Each start token paired with the nearest end token at or after it (the post's decoding)."""
    ends = np.sort(np.asarray(ends))
    spans = []
    for s in np.sort(np.asarray(starts)):
        k = np.searchsorted(ends, s)
        if k < len(ends):
            spans.append((int(s), int(ends[k])))
    return spans


def best_span(start_logp: np.ndarray, end_logp: np.ndarray, allowed: np.ndarray,
              max_answer_len: int) -> tuple[int, int, float]:
    """The ``(start, end, score)`` maximising ``start_logp[start] + end_logp[end]`` over allowed
    tokens with ``start <= end < start + max_answer_len``."""
    scores = start_logp[:, None] + end_logp[None, :]
    n = len(start_logp)
    i, j = np.indices((n, n))
    ok = (j >= i) & (j - i < max_answer_len) & (allowed[:, None] > 0) & (allowed[None, :] > 0)
    if not ok.any():
        return 0, 0, float("-inf")
    scores = np.where(ok, scores, -np.inf)
    flat = int(np.argmax(scores))
    return flat // n, flat % n, float(scores.flat[flat])
