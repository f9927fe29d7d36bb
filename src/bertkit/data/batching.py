"""Batches for ``model.fit`` / ``model.predict``, with length bucketing.

* :class:`TextBatches` batches in-memory :class:`~bertkit.data.TextExamples`. Token counts are
  computed once up front (not the encodings); each batch is tokenized when requested and padded
  only to its longest row.
* :class:`StreamingBatches` batches a :class:`~bertkit.data.StreamingExamples` file in constant
  memory: a shuffle buffer over the stream, then length bucketing inside windows of
  ``bucket_window * batch_size`` rows.

Both are ``keras.utils.PyDataset`` objects: pass them straight to ``fit``/``evaluate``/
``predict``. A batch is ``(inputs, labels)``, or ``inputs`` alone when there are no labels or no
:class:`~bertkit.data.LabelMap`; ``inputs`` is ``{"token_ids", "segment_ids", "padding_mask"}``,
``int32`` numpy arrays of shape ``(batch, longest_row_of_the_batch)``. Labels are ``int32 (B,)``
class ids, or ``float32 (B, num_classes)`` multi-hot for a multi-label map.

Length bucketing (``shuffle=True``): each epoch the examples are shuffled (seeded by ``seed`` and
the epoch number), cut into windows of ``bucket_window`` batches, sorted by length inside each
window and cut into batches; then the order of all batches is shuffled. Batches hold texts of
similar length, so little compute is spent on padding, while every epoch still differs.
"""

from __future__ import annotations

import math
import os
import random
from typing import Any, Iterator, Sequence

import keras
import numpy as np

from bertkit.data.examples import DataError, LabelMap, TextExamples
from bertkit.data.text_sources import load_text_examples
from bertkit.data.streaming import StreamingExamples

__all__ = ["TextBatches", "StreamingBatches", "token_lengths"]

_LENGTH_CHUNK = 4096  # texts tokenized at a time when counting tokens


def _positive_int(value: Any, name: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise DataError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def token_lengths(
    tokenizer: Any,
    texts: Sequence[str],
    second_texts: Sequence[str] | None = None,
    max_len: int | None = 128,
    chunk_size: int = _LENGTH_CHUNK,
) -> np.ndarray:
    """Number of tokens (specials included, cut at ``max_len``) of each text, ``int32 (N,)``.

    Encodes ``chunk_size`` texts at a time and keeps only the counts.
    """
    n = len(texts)
    out = np.empty(n, dtype=np.int32)
    for start in range(0, n, chunk_size):
        stop = min(start + chunk_size, n)
        second = None if second_texts is None else list(second_texts[start:stop])
        enc = tokenizer.encode_batch(list(texts[start:stop]), second=second, max_len=max_len)
        out[start:stop] = enc.lengths
    return out


def _model_inputs(
    token_ids: np.ndarray,
    segment_ids: np.ndarray,
    padding_mask: np.ndarray,
    width: int,
    pad_to_multiple_of: int | None,
    pad_id: int,
) -> dict[str, np.ndarray]:
    """Columns ``[:width]`` as int32 arrays, padded to a multiple of ``pad_to_multiple_of``."""
    token_ids = token_ids[:, :width]
    segment_ids = segment_ids[:, :width]
    padding_mask = padding_mask[:, :width]
    if pad_to_multiple_of:
        extra = -width % pad_to_multiple_of
        if extra:
            pad = ((0, 0), (0, extra))
            token_ids = np.pad(token_ids, pad, constant_values=pad_id)
            segment_ids = np.pad(segment_ids, pad)
            padding_mask = np.pad(padding_mask, pad)
    return {
        "token_ids": np.ascontiguousarray(token_ids, dtype=np.int32),
        "segment_ids": np.ascontiguousarray(segment_ids, dtype=np.int32),
        "padding_mask": np.ascontiguousarray(padding_mask, dtype=np.int32),
    }


class TextBatches(keras.utils.PyDataset):
    """Length-bucketed batches of :class:`~bertkit.data.TextExamples` for Keras.

    Args:
        examples: the data (anything :func:`~bertkit.data.load_examples` reads is accepted).
        tokenizer: a :class:`bertkit.Tokenizer`.
        label_map: maps labels to ids; without it (or without labels) batches are inputs only.
        batch_size: examples per batch; only the last batch of an epoch may be smaller.
        max_len: the most tokens per text (pair), specials included.
        shuffle: ``True`` for training (bucketing and a new order each epoch); ``False`` for
            prediction: all examples sorted by length, longest first, the same every epoch, and
            :meth:`restore_order` puts predictions back in input order.
        seed: seeds the shuffles (with the epoch number).
        bucket_window: batches per sorting window; ``1`` turns bucketing off.
        pad_to_multiple_of: pad each batch's width up to a multiple of this (fewer distinct
            shapes, which helps JAX); default: exactly the longest row.
        **pydataset_kwargs: ``workers``, ``use_multiprocessing``, ``max_queue_size`` of
            ``keras.utils.PyDataset`` (threads are fine: the tokenizer is thread-safe).

    Attributes:
        lengths: ``int32 (N,)`` token count of each example.
        order: ``(N,)`` the example indices in the order the batches of this epoch hold them.
        epoch: the epoch the current batches belong to.

    Example (``tok`` a bertkit Tokenizer):

    >>> ex = TextExamples(["很好", "太差了吧", "一般", "非常好用推荐"], ["1", "0", "0", "1"])  # doctest: +SKIP
    >>> batches = TextBatches(ex, tok, LabelMap(["0", "1"]), batch_size=2, shuffle=False)  # doctest: +SKIP
    >>> inputs, labels = batches[0]                      # the two longest texts  # doctest: +SKIP
    >>> probs = model.predict(batches)                   # doctest: +SKIP
    >>> probs = batches.restore_order(probs)             # row i is examples.texts[i]  # doctest: +SKIP
    """

    def __init__(
        self,
        examples: TextExamples | Any,
        tokenizer: Any,
        label_map: LabelMap | None = None,
        *,
        batch_size: int = 32,
        max_len: int | None = 128,
        shuffle: bool = True,
        seed: int = 0,
        bucket_window: int = 50,
        pad_to_multiple_of: int | None = None,
        **pydataset_kwargs: Any,
    ) -> None:
        super().__init__(**pydataset_kwargs)
        if not isinstance(examples, TextExamples):
            examples = load_text_examples(examples)
        if len(examples) == 0:
            raise DataError("TextBatches: no examples to batch")
        if label_map is not None and not isinstance(label_map, LabelMap):
            raise DataError(f"label_map must be a LabelMap, got {type(label_map).__name__}")
        self.examples = examples
        self.tokenizer = tokenizer
        self.label_map = label_map
        self.batch_size = _positive_int(batch_size, "batch_size")
        self.bucket_window = _positive_int(bucket_window, "bucket_window")
        self.pad_to_multiple_of = (
            None if pad_to_multiple_of is None else _positive_int(pad_to_multiple_of, "pad_to_multiple_of")
        )
        self.max_len = max_len
        self.shuffle = bool(shuffle)
        self.seed = int(seed)
        self.labels: np.ndarray | None = None
        if label_map is not None and examples.labels is not None:
            self.labels = label_map.encode(examples.labels)
        self.lengths = token_lengths(tokenizer, examples.texts, examples.second_texts, max_len)
        self.epoch = 0
        self._used = False
        self._plan()

    # ------------------------------------------------------------------ plan

    def _plan(self) -> None:
        """Lay out the batches of ``self.epoch``: ``_sorted`` cut into ``batch_size`` slices,
        visited in the order ``_batch_order``."""
        n, b = len(self.examples), self.batch_size
        if self.shuffle:
            rng = np.random.default_rng([self.seed, self.epoch])
            perm = rng.permutation(n)
            window = np.arange(n) // (self.bucket_window * b)
            # Sort by window, then longest first inside the window (lexsort is stable).
            self._sorted = perm[np.lexsort((-self.lengths[perm].astype(np.int64), window))]
            self._batch_order = rng.permutation(math.ceil(n / b))
        else:
            self._sorted = np.argsort(-self.lengths.astype(np.int64), kind="stable")
            self._batch_order = np.arange(math.ceil(n / b))
        self._order: np.ndarray | None = None

    def set_epoch(self, epoch: int) -> None:
        """Lay out the batches of epoch ``epoch`` (e.g. to resume training)."""
        self.epoch = int(epoch)
        self._plan()

    def __len__(self) -> int:
        return math.ceil(len(self.examples) / self.batch_size)

    def batch_indices(self, index: int) -> np.ndarray:
        """Indices into the examples of batch ``index`` of this epoch."""
        n_batches = len(self)
        if not -n_batches <= index < n_batches:
            raise IndexError(f"batch {index} is out of range: there are {n_batches} batches")
        start = int(self._batch_order[index % n_batches]) * self.batch_size
        return self._sorted[start: start + self.batch_size]

    def token_slots(self) -> int:
        """Token positions, padding included, in this epoch's batches: what one epoch computes
        on (``len(batch) * width`` summed, the width rounded up to ``pad_to_multiple_of``)."""
        multiple = self.pad_to_multiple_of or 1
        total = 0
        for i in range(len(self)):
            idx = self.batch_indices(i)
            total += len(idx) * -(-int(self.lengths[idx].max()) // multiple) * multiple
        return total

    @property
    def order(self) -> np.ndarray:
        """The example indices of all batches of this epoch, concatenated in batch order."""
        if self._order is None:
            self._order = np.concatenate([self.batch_indices(i) for i in range(len(self))])
        return self._order

    def __getitem__(self, index: int) -> Any:
        idx = self.batch_indices(index)
        ex = self.examples
        texts = [ex.texts[i] for i in idx]
        second = None if ex.second_texts is None else [ex.second_texts[i] for i in idx]
        enc = self.tokenizer.encode_batch(texts, second=second, max_len=self.max_len)
        inputs = _model_inputs(
            enc.token_ids, enc.segment_ids, enc.padding_mask, enc.token_ids.shape[1],
            self.pad_to_multiple_of, self.tokenizer.pad_id,
        )
        self._used = True
        if self.labels is None:
            return inputs
        return inputs, self.labels[idx]

    def on_epoch_end(self) -> None:
        """Move to the next epoch's batches (``shuffle=True``, after batches were used)."""
        if self.shuffle and self._used:
            self.epoch += 1
            self._plan()
        self._used = False

    def restore_order(self, outputs: Any) -> Any:
        """Put outputs given in batch order (``model.predict(batches)``, or a list with one array
        per batch) back into the order of the examples.

        A dict of outputs is restored key by key. Valid until the next :meth:`on_epoch_end`
        (with ``shuffle=False`` the order never changes).
        """
        if isinstance(outputs, dict):
            return {key: self.restore_order(value) for key, value in outputs.items()}
        n = len(self.examples)
        n_batches = len(self)
        if (
            isinstance(outputs, (list, tuple))
            and len(outputs) == n_batches
            and all(hasattr(o, "__len__") for o in outputs)
            and [len(o) for o in outputs] == [len(self.batch_indices(i)) for i in range(n_batches)]
        ):
            arr = np.concatenate([np.asarray(o) for o in outputs], axis=0)
        else:
            arr = np.asarray(outputs)
        if arr.ndim == 0 or arr.shape[0] != n:
            raise DataError(
                f"restore_order: expected outputs for all {n} examples (in batch order), got "
                f"{'a scalar' if arr.ndim == 0 else arr.shape[0]} rows"
            )
        out = np.empty_like(arr)
        out[self.order] = arr
        return out


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
        self.batch_size = _positive_int(batch_size, "batch_size")
        self.bucket_window = _positive_int(bucket_window, "bucket_window")
        self.shuffle_buffer = _positive_int(shuffle_buffer, "shuffle_buffer")
        self.pad_to_multiple_of = (
            None if pad_to_multiple_of is None else _positive_int(pad_to_multiple_of, "pad_to_multiple_of")
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
            inputs = _model_inputs(
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
