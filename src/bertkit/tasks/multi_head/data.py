"""Multi-head training targets and batches.

Targets per head: class ids with ``MISSING`` (``-1``) where a row carries no label for that
head, a row of ``-1`` for a multi-label head, ``float32 (N, 1)`` for a binary head; the masked
losses and metrics of `bertkit.tasks.multi_head.model` skip them.

>>> from bertkit.data import MultiHeadExamples
>>> ex = MultiHeadExamples(["球赛好看", "这手机不错", "股市大跌"],
...                        {"topic": ["体育", None, "财经"], "sentiment": [None, "正面", "负面"]})
>>> encode_targets(ex.labels, ex.label_maps())["sentiment"].tolist()
[-1, 0, 1]
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import keras
import numpy as np

from bertkit.data import LabelMap, MultiHeadExamples, TextBatches, TextExamples
from bertkit.errors import DataError
from bertkit.tasks.multi_head.model import MISSING


def encode_targets(labels: Mapping[str, Sequence[Any]], label_maps: Mapping[str, LabelMap],
                   binary_heads: Sequence[str] = ()) -> dict[str, np.ndarray]:
    """Targets per head: class ids ``int32 (N,)`` (``-1`` missing), multi-hot ``float32 (N, C)``
    (a row of ``-1`` missing), or for ``binary_heads`` ``float32 (N, 1)`` (``-1`` missing)."""
    out = {}
    for head, label_map in label_maps.items():
        if head not in labels:
            raise DataError(f"the data has no labels for head {head!r} (its heads are "
                            f"{list(labels)})")
        values = list(labels[head])
        present = [i for i, v in enumerate(values) if v is not None]
        try:
            encoded = label_map.encode([values[i] for i in present])
        except DataError as exc:
            raise DataError(f"head {head!r}: {exc}") from None
        if label_map.multi_label:
            target = np.full((len(values), len(label_map.names)), MISSING, np.float32)
        else:
            target = np.full(len(values), MISSING, np.int32)
        if present:
            target[np.asarray(present)] = encoded
        if head in binary_heads:
            target = target.astype(np.float32).reshape(-1, 1)
        out[head] = target
    return out


class MultiHeadBatches(keras.utils.PyDataset):
    """Length-bucketed batches of `MultiHeadExamples`: ``(inputs, {head: targets})``.

    Bucketing, per-epoch seeded order (``set_epoch``) and padding are those of
    :class:`~bertkit.data.TextBatches`; targets follow `encode_targets`.
    """

    def __init__(self, examples: MultiHeadExamples, tokenizer: Any,
                 label_maps: Mapping[str, LabelMap], *, binary_heads: Sequence[str] = (),
                 batch_size: int = 32, max_len: int | None = 128, shuffle: bool = True,
                 seed: int = 0, **kwargs: Any) -> None:
        super().__init__()
        self.examples = examples
        self.targets = encode_targets(examples.labels, label_maps, binary_heads)
        self.inputs = TextBatches(
            TextExamples._trusted(examples.texts, None, examples.second_texts), tokenizer, None,
            batch_size=batch_size, max_len=max_len, shuffle=shuffle, seed=seed, **kwargs)

    def __len__(self) -> int:
        return len(self.inputs)

    def __getitem__(self, index: int) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        inputs = self.inputs[index]
        idx = self.inputs.batch_indices(index)
        return inputs, {head: target[idx] for head, target in self.targets.items()}

    def set_epoch(self, epoch: int) -> None:
        self.inputs.set_epoch(epoch)

    def on_epoch_end(self) -> None:
        self.inputs.on_epoch_end()
