"""Checks of what callers pass to :class:`~bertkit.tokenization.Tokenizer`: texts, batches of
texts or pairs, ``max_len``. Each raises a :class:`~bertkit.errors.TokenizerError` saying what to
pass instead.

>>> _split_batch([("a", "b"), ("c", "d")], None)
(['a', 'c'], ['b', 'd'])
>>> _check_max_len(512, (2, 3), pair=True)
512
"""

from __future__ import annotations

import operator
from typing import Any, Iterable

from bertkit.errors import TokenizerError


def _check_text(text: Any, name: str) -> None:
    """Raise unless ``text`` (the argument called ``name``) is a ``str``."""
    if not isinstance(text, str):
        raise TokenizerError(f"{name} must be a str, got {type(text).__name__}")


def _check_max_len(max_len: int | None, min_len: tuple[int, int], pair: bool) -> int | None:
    """``max_len`` as an ``int`` (or ``None``), at least ``min_len[pair]`` (the specials' room)."""
    if max_len is None:
        return None
    if isinstance(max_len, bool):
        raise TokenizerError(f"max_len must be an integer or None, got {max_len!r}")
    try:
        value = operator.index(max_len)
    except TypeError:
        raise TokenizerError(f"max_len must be an integer or None, got {max_len!r}") from None
    minimum = min_len[1 if pair else 0]
    if value < minimum:
        what = "a pair of texts" if pair else "a single text"
        raise TokenizerError(
            f"max_len={value} is too small: {what} needs at least {minimum} positions for its "
            f"special tokens; pass max_len >= {minimum}, or None for no limit"
        )
    return value


def _split_batch(texts: Any, second: Any) -> tuple[list[str], list[str] | None]:
    """``encode_batch``'s texts as ``(firsts, seconds)``: pairs come as ``second`` or as tuples."""
    if isinstance(texts, str) or not isinstance(texts, Iterable):
        raise TokenizerError(
            f"encode_batch takes a list of texts (or of (text, text) pairs), got "
            f"{type(texts).__name__}; for one text use encode()"
        )
    texts = list(texts)
    if second is not None:
        if isinstance(second, str) or not isinstance(second, Iterable):
            raise TokenizerError(
                f"second must be a list of texts as long as texts, got {type(second).__name__}"
            )
        second = list(second)
        if len(second) != len(texts):
            raise TokenizerError(
                f"texts has {len(texts)} entries but second has {len(second)}; pass one "
                f"second text per text"
            )
        firsts, seconds = texts, second
    elif texts and not isinstance(texts[0], str):
        firsts, seconds = [], []
        for i, item in enumerate(texts):
            if not (isinstance(item, (tuple, list)) and len(item) == 2):
                raise TokenizerError(
                    f"texts[{i}] is {item!r}: give all texts as strings, or all as "
                    f"(first, second) pairs"
                )
            firsts.append(item[0])
            seconds.append(item[1])
    else:
        firsts, seconds = texts, None
    for name, group in (("texts", firsts), ("second", seconds)):
        if group is not None and not all(isinstance(t, str) for t in group):
            i = next(i for i, t in enumerate(group) if not isinstance(t, str))
            label = name if seconds is None or second is not None else "texts pair"
            raise TokenizerError(
                f"{label}[{i}] is a {type(group[i]).__name__}, not a str: every text must be a string"
            )
    return firsts, seconds
