"""Truncation to ``max_len``: how many tokens of each text (and of its pair) are kept.

bertkit truncates on its own, never with the ``tokenizers`` truncation: a single text keeps its
first tokens; a pair is cut longest text first, exactly as ``tokenizers``/transformers
``longest_first``.

>>> _keep_counts(10, None, 8, 2)
(6, 0)
>>> _keep_counts(10, 3, 8, 3)
(3, 2)
>>> k1, k2 = _longest_first(np.array([10, 1]), np.array([3, 1]), 5)
>>> k1.tolist(), k2.tolist()
([3, 1], [2, 1])
"""

from __future__ import annotations

import numpy as np


def _keep_counts(n1: int, n2: int | None, max_len: int | None, n_special: int) -> tuple[int, int]:
    """Tokens kept of a text (and its pair) to fit ``max_len``; LongestFirst for pairs."""
    if max_len is None:
        return n1, n2 or 0
    budget = max_len - n_special
    if n2 is None:
        return min(n1, budget), 0
    if n1 + n2 <= budget:
        return n1, n2
    short, long_ = min(n1, n2), max(n1, n2)
    new_long = short if short > budget else max(short, budget - short)
    new_short = short
    if short + new_long > budget:
        new_short, new_long = budget // 2, budget // 2 + budget % 2
    keep_short, keep_long = min(short, new_short), min(long_, new_long)
    return (keep_long, keep_short) if n1 > n2 else (keep_short, keep_long)


def _longest_first(c1: np.ndarray, c2: np.ndarray, budget: int) -> tuple[np.ndarray, np.ndarray]:
    """Tokens kept of each text of a pair: ``tokenizers``' LongestFirst, vectorised."""
    swap = c1 > c2
    short = np.minimum(c1, c2)
    long_ = np.maximum(c1, c2)
    new_long = np.where(short > budget, short, np.maximum(short, budget - short))
    both = short + new_long > budget
    new_short = np.where(both, budget // 2, short)
    new_long = np.where(both, budget // 2 + budget % 2, new_long)
    keep_short = np.minimum(short, new_short)
    keep_long = np.minimum(long_, new_long)
    need = c1 + c2 > budget
    k1 = np.where(need, np.where(swap, keep_long, keep_short), c1)
    k2 = np.where(need, np.where(swap, keep_short, keep_long), c2)
    return k1, k2
