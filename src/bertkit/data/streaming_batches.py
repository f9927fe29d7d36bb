"""Batches of a file larger than memory: :class:`StreamingBatches` over a
:class:`~bertkit.data.StreamingExamples`, in constant memory.

Each epoch reads the file once through a shuffle buffer, then sorts by length inside windows of
``bucket_window * batch_size`` rows; batches are those of :class:`~bertkit.data.TextBatches`
(``(inputs, labels)`` or ``inputs`` alone, padded to the longest row of the batch).

>>> import random
>>> sorted(_shuffle_buffer(iter(range(6)), 3, random.Random(0)))
[0, 1, 2, 3, 4, 5]
"""

from __future__ import annotations

import math
import os
import random
from typing import Any, Iterator

import keras
import numpy as np

from bertkit.data.batch_inputs import model_inputs, positive_int
from bertkit.data.label_map import LabelMap
from bertkit.data.streaming import StreamingExamples
from bertkit.errors import DataError

__all__ = ["StreamingBatches"]


def _shuffle_buffer(rows: Iterator[Any], size: int, rng: random.Random) -> Iterator[Any]:
    """Rows in a random order, holding at most ``size`` of them (tf.data's shuffle buffer)."""
    buffer: list[Any] = []
    for row in rows:
        if len(buffer) < size:
            buffer.append(row)
            continue
        j = rng.randrange(size)
        out, buffer[j] = buffer[j], row
        yield out
    rng.shuffle(buffer)
    yield from buffer


class StreamingBatches(keras.utils.PyDataset):
    """Length-bucketed batches of a :class:`~bertkit.data.StreamingExamples` file, constant memory.

    Each epoch reads the file once: rows pass through a shuffle buffer of ``shuffle_buffer``
    rows, are grouped into windows of exactly ``bucket_window * batch_size`` rows (so only the
    epoch's last batch may be partial), each window is tokenized once, sorted by length and
    cut into batches, which come out in a shuffled order. ``len()`` is
    ``ceil(rows / batch_size)``, from the stream's counting pass.

    For Keras: this is a ``PyDataset`` whose ``__getitem__`` *ignores the index* and returns the
    next batch of the current epoch (``fit(shuffle=True)`` asks for indices in a random order;
    that is fine). It therefore always runs with ``workers=1, use_multiprocessing=False``; Keras
    calls :meth:`on_epoch_end` after each epoch, which starts the next (differently shuffled,
    seeded) epoch. ``model.fit(batches, epochs=3)`` needs no ``steps_per_epoch``.

    Args:
        stream: a :class:`~bertkit.data.StreamingExamples` (or a file path).
        tokenizer, label_map, batch_size, max_len, seed, bucket_window, pad_to_multiple_of:
            as for :class:`TextBatches`.
        shuffle: ``False`` keeps the file order (no shuffle buffer, no length sorting): batch
            ``i`` holds rows ``i*batch_size ...``, so predictions line up with the file.
        shuffle_buffer: rows held for shuffling; larger mixes better, costs memory.
        max_queue_size: passed to ``PyDataset``.

    Iterating (``for inputs, labels in batches``) yields one epoch, then moves to the next.
    Keras 3 may take one batch before training starts (to build the optimizer); the epoch it
    came from is then left unfinished and training starts on the next, complete one.

    Example (``tok`` a bertkit Tokenizer, ``model`` a Keras classifier):

    >>> stream = StreamingExamples("big.csv", on_bad_rows="skip")      # doctest: +SKIP
    >>> batches = StreamingBatches(stream, tok, stream.label_map())     # doctest: +SKIP
    >>> model.fit(batches, epochs=3)                                    # doctest: +SKIP
    """

    def __init__(
        self,
        stream: StreamingExamples | str | os.PathLike[str],
        tokenizer: Any,
        label_map: LabelMap | None = None,
        *,
        batch_size: int = 32,
        max_len: int | None = 128,
        shuffle: bool = True,
        shuffle_buffer: int = 10_000,
        seed: int = 0,
        bucket_window: int = 50,
        pad_to_multiple_of: int | None = None,
        max_queue_size: int = 10,
    ) -> None:
        super().__init__(workers=1, use_multiprocessing=False, max_queue_size=max_queue_size)
        if isinstance(stream, (str, os.PathLike)):
            stream = StreamingExamples(stream)
        if not isinstance(stream, StreamingExamples):
            raise DataError(
                f"StreamingBatches takes a StreamingExamples (or a file path), got "
                f"{type(stream).__name__}; for data in memory use TextBatches"
            )
        if label_map is not None and not isinstance(label_map, LabelMap):
            raise DataError(f"label_map must be a LabelMap, got {type(label_map).__name__}")
        self.stream = stream
        self.tokenizer = tokenizer
        self.label_map = label_map
        self.batch_size = positive_int(batch_size, "batch_size")
        self.bucket_window = positive_int(bucket_window, "bucket_window")
        self.shuffle_buffer = positive_int(shuffle_buffer, "shuffle_buffer")
        self.pad_to_multiple_of = (
            None if pad_to_multiple_of is None else positive_int(pad_to_multiple_of, "pad_to_multiple_of")
        )
        self.max_len = max_len
        self.shuffle = bool(shuffle)
        self.seed = int(seed)
        self.epoch = 0
        self._iterator: Iterator[Any] | None = None
        self._served = 0
        if len(stream) == 0:
            raise DataError(f"{stream.path}: no data rows to batch")

    # Keras must not fan __getitem__ out to several workers: batches come from one iterator.
    @property
    def workers(self) -> int:
        return 1

    @workers.setter
    def workers(self, value: int) -> None:
        if value != 1:
            raise DataError("StreamingBatches reads its file sequentially: workers must be 1")

    @property
    def use_multiprocessing(self) -> bool:
        return False

    @use_multiprocessing.setter
    def use_multiprocessing(self, value: bool) -> None:
        if value:
            raise DataError("StreamingBatches reads its file sequentially: no multiprocessing")

    @property
    def labelled(self) -> bool:
        return self.label_map is not None and self.stream.is_labelled

    def __len__(self) -> int:
        return math.ceil(len(self.stream) / self.batch_size)

    def __repr__(self) -> str:
        return (
            f"StreamingBatches({str(self.stream.path)!r}, batches={len(self)}, "
            f"batch_size={self.batch_size}, epoch={self.epoch})"
        )

    # ------------------------------------------------------------------ epochs

    def iter_epoch(self, epoch: int) -> Iterator[Any]:
        """The batches of epoch ``epoch`` (deterministic given ``seed`` and ``epoch``)."""
        rng = random.Random(self.seed * 1_000_003 + epoch)
        rows: Iterator[Any] = self.stream.rows_with_location()
        if self.shuffle and self.shuffle_buffer > 1:
            rows = _shuffle_buffer(rows, self.shuffle_buffer, rng)
        window_size = self.bucket_window * self.batch_size
        window: list[Any] = []
        for row in rows:
            window.append(row)
            if len(window) == window_size:
                yield from self._window_batches(window, rng)
                window = []
        if window:
            yield from self._window_batches(window, rng)

    def _encode_labels(self, window: list[Any]) -> np.ndarray:
        assert self.label_map is not None
        labels = [row[3] for row in window]
        try:
            return self.label_map.encode(labels)
        except DataError:
            for row in window:  # find the row, to name its file and line
                try:
                    self.label_map.encode([row[3]])
                except DataError as exc:
                    problem = str(exc).split(": ", 1)[-1]
                    raise DataError(f"{row[0]}: {problem}") from None
            raise

    def _window_batches(self, window: list[Any], rng: random.Random) -> Iterator[Any]:
        texts = [row[1] for row in window]
        second = [row[2] for row in window] if self.stream.has_pairs else None
        labels = self._encode_labels(window) if self.labelled else None
        enc = self.tokenizer.encode_batch(texts, second=second, max_len=self.max_len)
        lengths = enc.lengths
        n, b = len(window), self.batch_size
        if self.shuffle:
            order = np.argsort(-lengths, kind="stable")
            batches = [order[s: s + b] for s in range(0, n, b)]
            partial = batches.pop() if n % b else None
            rng.shuffle(batches)
            if partial is not None:  # only the epoch's last window has one: keep it last
                batches.append(partial)
        else:
            batches = [np.arange(s, min(s + b, n)) for s in range(0, n, b)]
        pad_id = self.tokenizer.pad_id
        for idx in batches:
            width = int(lengths[idx].max())
            inputs = model_inputs(
                enc.token_ids[idx], enc.segment_ids[idx], enc.padding_mask[idx], width,
                self.pad_to_multiple_of, pad_id,
            )
            yield inputs if labels is None else (inputs, labels[idx])

    def __iter__(self) -> Iterator[Any]:
        epoch = self.epoch
        yield from self.iter_epoch(epoch)
        self.epoch = epoch + 1

    def __getitem__(self, index: int) -> Any:
        n = len(self)
        if not -n <= index < n:
            raise IndexError(f"batch {index} is out of range: there are {n} batches")
        if self._iterator is None:
            self._iterator = self.iter_epoch(self.epoch)
            self._served = 0
        try:
            batch = next(self._iterator)
        except StopIteration:
            # More batches asked for than an epoch holds, with no on_epoch_end: go on to the next.
            self.epoch += 1
            self._iterator = self.iter_epoch(self.epoch)
            batch = next(self._iterator)
            self._served = 0
        self._served += 1
        return batch

    def on_epoch_end(self) -> None:
        """Finish the current epoch: the next batch starts the next epoch."""
        if self._served:
            if self._iterator is not None:
                self._iterator.close()  # type: ignore[attr-defined]
            self._iterator = None
            self.epoch += 1
            self._served = 0
