"""`ChunkAggregator`: one document label from the vectors of its chunks, padding masked out.

Input ``{"chunk_vectors": (docs, chunks, H), "chunk_mask": (docs, chunks)}`` (mask 1 on real
chunks; documents with fewer chunks are padded), output logits ``(docs, num_classes)``. Padding
chunks have no influence: mean and max skip them, attention gives them exactly zero weight, the
LSTM carries its state over them unchanged.

>>> import numpy as np
>>> agg = ChunkAggregator(hidden_size=4, num_classes=2, method="attention")
>>> vectors, mask = pack_chunks(np.ones((3, 4), "float32"), np.array([0, 0, 1]), 2)
>>> mask.tolist()
[[True, True], [True, False]]
>>> tuple(agg({"chunk_vectors": vectors, "chunk_mask": mask}).shape)
(2, 2)
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
from keras import ops

from bertkit.errors import ConfigError

AGGREGATORS = ("mean", "max", "attention", "lstm")
_NEG = -1e9


@keras.saving.register_keras_serializable(package="bertkit")
class MaskedChunkMean(keras.layers.Layer):
    """Mean over real chunks: ``(B, C, H), (B, C) -> (B, H)``."""

    def call(self, vectors, mask):
        m = ops.expand_dims(ops.cast(mask, vectors.dtype), -1)
        total = ops.sum(ops.where(m > 0, vectors, ops.zeros_like(vectors)), axis=1)
        return total / ops.maximum(ops.sum(m, axis=1), 1.0)

    def compute_output_shape(self, vectors_shape, mask_shape=None):
        return (vectors_shape[0], vectors_shape[2])


@keras.saving.register_keras_serializable(package="bertkit")
class MaskedChunkMax(keras.layers.Layer):
    """Element-wise max over real chunks: ``(B, C, H), (B, C) -> (B, H)``."""

    def call(self, vectors, mask):
        m = ops.expand_dims(ops.cast(mask, "bool"), -1)
        return ops.max(ops.where(m, vectors, ops.full_like(vectors, _NEG)), axis=1)

    def compute_output_shape(self, vectors_shape, mask_shape=None):
        return (vectors_shape[0], vectors_shape[2])


@keras.saving.register_keras_serializable(package="bertkit")
class MaskedAttentionPooling(keras.layers.Layer):
    """Additive attention over real chunks: ``softmax(v . tanh(W x))`` weights, zero on padding."""

    def __init__(self, units: int = 128, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.units = units
        self.project = keras.layers.Dense(units, activation="tanh", name="project")
        self.score = keras.layers.Dense(1, use_bias=False, name="score")

    def build(self, vectors_shape, mask_shape=None):
        self.project.build(vectors_shape)
        self.score.build((*vectors_shape[:-1], self.units))

    def call(self, vectors, mask):
        scores = ops.squeeze(self.score(self.project(vectors)), -1)
        real = ops.cast(mask, "bool")
        scores = ops.where(real, scores, ops.full_like(scores, _NEG))
        exp = ops.exp(scores - ops.max(scores, axis=1, keepdims=True))
        exp = ops.where(real, exp, ops.zeros_like(exp))
        weights = exp / ops.maximum(ops.sum(exp, axis=1, keepdims=True), 1e-30)
        safe = ops.where(ops.expand_dims(real, -1), vectors, ops.zeros_like(vectors))
        return ops.sum(ops.expand_dims(weights, -1) * safe, axis=1)

    def compute_output_shape(self, vectors_shape, mask_shape=None):
        return (vectors_shape[0], vectors_shape[2])

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "units": self.units}


@keras.saving.register_keras_serializable(package="bertkit")
class ChunkAggregator(keras.Model):
    """Classifies a document from its chunk vectors (a functional Keras model, logits out).

    Args:
        hidden_size: size of a chunk vector (the encoder's hidden size).
        num_classes: number of labels.
        method: one of ``AGGREGATORS``.
        units: attention or LSTM size.
        dropout: on the pooled document vector.
    """

    def __init__(self, hidden_size: int, num_classes: int, method: str = "attention",
                 units: int = 128, dropout: float = 0.1, **kwargs: Any) -> None:
        if method not in AGGREGATORS:
            raise ConfigError(f"aggregator must be one of {AGGREGATORS}, got {method!r}.")
        if num_classes < 2:
            raise ConfigError(f"a classifier needs at least 2 classes, got {num_classes}.")

        # === Layers ===
        if method == "mean":
            pooler: Any = MaskedChunkMean(name="chunk_pool")
        elif method == "max":
            pooler = MaskedChunkMax(name="chunk_pool")
        elif method == "attention":
            pooler = MaskedAttentionPooling(units, name="chunk_pool")
        else:
            pooler = keras.layers.LSTM(units, name="chunk_pool")
        drop = keras.layers.Dropout(dropout, name="document_dropout")
        head = keras.layers.Dense(num_classes, dtype="float32", name="document_head")

        # === Functional model ===
        inputs = {"chunk_vectors": keras.Input(shape=(None, hidden_size), name="chunk_vectors"),
                  "chunk_mask": keras.Input(shape=(None,), dtype="bool", name="chunk_mask")}
        if method == "lstm":
            pooled = pooler(inputs["chunk_vectors"], mask=inputs["chunk_mask"])
        else:
            pooled = pooler(inputs["chunk_vectors"], inputs["chunk_mask"])
        logits = head(drop(pooled))
        super().__init__(inputs=inputs, outputs=logits, **kwargs)

        # === Config ===
        self.hidden_size = hidden_size
        self.num_classes = num_classes
        self.method = method
        self.units = units
        self.dropout = dropout

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "hidden_size": self.hidden_size,
                "num_classes": self.num_classes, "method": self.method, "units": self.units,
                "dropout": self.dropout}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "ChunkAggregator":
        return cls(**config)

    def init_head_from(self, kernel: Any, bias: Any) -> None:
        """Start the output layer as the chunk classifier's head (mean/max/attention).

        A one-chunk document then gets exactly the chunk classifier's logits, and mean pooling
        starts as the average of the chunks' logits.
        """
        head = self.get_layer("document_head")
        head.kernel.assign(kernel)
        head.bias.assign(bias)

    def loss_function(self) -> keras.losses.Loss:
        return keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    def metrics_for_task(self) -> list[keras.metrics.Metric]:
        return [keras.metrics.SparseCategoricalAccuracy(name="accuracy")]


def pack_chunks(vectors: np.ndarray, doc_index: np.ndarray, n_docs: int | None = None,
                min_chunks: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Group chunk vectors by document: ``(docs, max_chunks, H)`` zero-padded, and the mask.

    ``doc_index[i]`` is the document of ``vectors[i]``; each document's chunks keep their order.
    Every document must have at least one chunk.
    """
    vectors = np.asarray(vectors)
    doc_index = np.asarray(doc_index, dtype=np.int64)
    if len(vectors) != len(doc_index):
        raise ValueError(f"{len(vectors)} chunk vectors but {len(doc_index)} document indices.")
    n_docs = int(doc_index.max()) + 1 if n_docs is None else n_docs
    counts = np.bincount(doc_index, minlength=n_docs)
    if (counts == 0).any():
        missing = np.flatnonzero(counts == 0)[:5].tolist()
        raise ValueError(f"documents {missing} have no chunks; every document needs one.")
    width = max(int(counts.max()), min_chunks)
    order = np.argsort(doc_index, kind="stable")
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    sorted_docs = doc_index[order]
    position = np.arange(len(order)) - first[sorted_docs]
    packed = np.zeros((n_docs, width, vectors.shape[-1]), dtype=np.float32)
    mask = np.zeros((n_docs, width), dtype=bool)
    packed[sorted_docs, position] = vectors[order]
    mask[sorted_docs, position] = True
    return packed, mask
