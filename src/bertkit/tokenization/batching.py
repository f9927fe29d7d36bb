"""Large batches on threads: how many threads, the shared pool, and joining the parts.

Tests patch ``_MIN_TEXTS_PER_THREAD`` and ``_available_cores`` here to force the threaded path.

>>> _batch_workers(100)
1
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

import numpy as np

from bertkit.tokenization.encoding import BatchEncoding, Encoding

_MIN_TEXTS_PER_THREAD = 2048  # a batch gets a second thread from 2 x this many texts
_POOL: ThreadPoolExecutor | None = None


def _available_cores() -> int:
    """The CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _batch_workers(n_texts: int) -> int:
    """Threads for a batch of ``n_texts``: one per core, at least 2,048 texts each."""
    return max(1, min(_available_cores(), n_texts // _MIN_TEXTS_PER_THREAD))


def _thread_pool() -> ThreadPoolExecutor:
    """The shared pool of tokenizer threads, one per core, started on first use."""
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(_available_cores(), thread_name_prefix="bertkit-tokenize")
    return _POOL


def _concatenate_batches(parts: list[BatchEncoding], pad_id: int) -> BatchEncoding:
    """One batch from consecutive batches, padded to the longest row of all."""
    width = max(p.token_ids.shape[1] for p in parts)

    def padded(array: np.ndarray, value: int) -> np.ndarray:
        extra = width - array.shape[1]
        if not extra:
            return array
        pad = [(0, 0), (0, extra)] + [(0, 0)] * (array.ndim - 2)
        return np.pad(array, pad, constant_values=value)

    starts = np.cumsum([0] + [len(p) for p in parts])

    def row(i: int) -> Encoding:
        k = int(np.searchsorted(starts, i, side="right")) - 1
        return parts[k][i - int(starts[k])]

    return BatchEncoding(
        np.concatenate([padded(p.token_ids, pad_id) for p in parts]),
        np.concatenate([padded(p.segment_ids, 0) for p in parts]),
        np.concatenate([padded(p.padding_mask, 0) for p in parts]),
        np.concatenate([padded(p.offsets, 0) for p in parts]),
        np.concatenate([p.lengths for p in parts]),
        row,
    )


def _split_over_threads(
    encode: Callable[[list[str], list[str] | None], BatchEncoding],
    firsts: list[str],
    seconds: list[str] | None,
    workers: int,
    pad_id: int,
) -> BatchEncoding:
    """``encode`` contiguous chunks of the batch on ``workers`` threads, then one padded batch.

    numpy releases the GIL in most of the work, so the chunks do run side by side.
    """
    bounds = np.linspace(0, len(firsts), workers + 1).astype(int).tolist()
    chunks = [(firsts[a:b], None if seconds is None else seconds[a:b])
              for a, b in zip(bounds[:-1], bounds[1:])]
    parts = list(_thread_pool().map(lambda chunk: encode(chunk[0], chunk[1]), chunks))
    return _concatenate_batches(parts, pad_id)
