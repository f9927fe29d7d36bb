"""`PointerBatches`: length-grouped, seeded batches of pre-encoded examples for pointer tasks.

The examples are encoded once; a task gives ``make_batch(indices, epoch) -> (inputs, targets)``
that pads the rows to the batch's longest and builds the targets (which may depend on the epoch,
as the relation task's sampled subject does). The order of each epoch depends on
``(seed, epoch)`` only, as `BaseLearner` needs for exact resumption.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

#: batches are grouped by length within windows of this many batches
_WINDOW = 50


class PointerBatches:
    """Batches of examples ``0..n-1`` with token lengths ``lengths``.

    >>> batches = PointerBatches([5, 3, 9, 4], lambda idx, epoch: (idx.tolist(), epoch),
    ...                          batch_size=2, shuffle=False)
    >>> len(batches), batches[0]
    (2, ([0, 1], 0))
    """

    def __init__(self, lengths: Sequence[int], make_batch: Callable[[np.ndarray, int], Any],
                 batch_size: int = 32, shuffle: bool = True, seed: int = 0) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}.")
        self.lengths = np.asarray(lengths, np.int64)
        self.make_batch = make_batch
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.seed = seed
        self.epoch = 0
        self._batches = self._order(0)

    def _order(self, epoch: int) -> list[np.ndarray]:
        n = len(self.lengths)
        if not self.shuffle:
            order = np.arange(n)
            return [order[i:i + self.batch_size] for i in range(0, n, self.batch_size)]
        rng = np.random.default_rng([self.seed, epoch])
        order = rng.permutation(n)
        window = self.batch_size * _WINDOW
        grouped = []
        for start in range(0, n, window):
            part = order[start:start + window]
            grouped.append(part[np.argsort(self.lengths[part], kind="stable")])
        order = np.concatenate(grouped) if grouped else order
        batches = [order[i:i + self.batch_size] for i in range(0, n, self.batch_size)]
        return [batches[i] for i in rng.permutation(len(batches))]

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch
        self._batches = self._order(epoch)

    def __len__(self) -> int:
        return len(self._batches)

    def __getitem__(self, index: int) -> Any:
        return self.make_batch(self._batches[index], self.epoch)


def pad_rows(rows: Sequence[Sequence[int]], value: int = 0) -> np.ndarray:
    """``int32 (len(rows), longest)`` with each row left-aligned and padded with ``value``."""
    width = max((len(r) for r in rows), default=0)
    out = np.full((len(rows), width), value, np.int32)
    for i, row in enumerate(rows):
        out[i, :len(row)] = row
    return out
