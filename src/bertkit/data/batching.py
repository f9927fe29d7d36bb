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
from typing import Any, Sequence

import keras
import numpy as np

from bertkit.data.batch_inputs import model_inputs, positive_int
from bertkit.data.examples import TextExamples
from bertkit.data.label_map import LabelMap
from bertkit.data.streaming_batches import StreamingBatches
from bertkit.data.text_sources import load_text_examples
from bertkit.errors import DataError

# StreamingBatches (bertkit.data.streaming_batches) is re-exported.
__all__ = ["TextBatches", "StreamingBatches", "token_lengths"]

_LENGTH_CHUNK = 4096  # texts tokenized at a time when counting tokens


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
        self.batch_size = positive_int(batch_size, "batch_size")
        self.bucket_window = positive_int(bucket_window, "bucket_window")
        self.pad_to_multiple_of = (
            None if pad_to_multiple_of is None else positive_int(pad_to_multiple_of, "pad_to_multiple_of")
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
        inputs = model_inputs(
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
