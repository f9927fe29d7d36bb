"""Ways to turn an encoder's outputs into one vector per text: ``pooled`` (the family's pooler,
e.g. BERT's tanh dense layer over ``[CLS]``), ``cls`` (the raw ``[CLS]`` vector) and ``mean``
(masked mean over the real tokens). Families without a pooler take ``cls`` or ``mean``."""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from bertkit.errors import ConfigError

POOLINGS = ("pooled", "cls", "mean")


@keras.saving.register_keras_serializable(package="bertkit")
class MaskedMeanPooling(keras.layers.Layer):
    """Mean of the token vectors over real (non-padding) tokens: ``(B, T, H), (B, T) -> (B, H)``."""

    def call(self, sequence, padding_mask):
        mask = ops.expand_dims(ops.cast(padding_mask, sequence.dtype), -1)
        total = ops.sum(sequence * mask, axis=1)
        count = ops.maximum(ops.sum(mask, axis=1), ops.cast(1.0, sequence.dtype))
        return total / count

    def compute_output_shape(self, sequence_shape, padding_mask_shape=None):
        return (sequence_shape[0], sequence_shape[2])


def pool(outputs: dict[str, Any], padding_mask: Any, pooling: str, name: str = "pooling") -> Any:
    """Apply a pooling strategy to the backbone's outputs (``pooled``, ``cls`` or ``mean``)."""
    if pooling == "pooled":
        if "pooled_output" not in outputs:
            raise ConfigError("pooling='pooled' needs an encoder with a pooler, and this one has "
                              "none: use pooling='cls' (its [CLS] vector) or 'mean'.")
        return outputs["pooled_output"]
    if pooling == "cls":
        return outputs["sequence_output"][:, 0, :]
    if pooling == "mean":
        return MaskedMeanPooling(name=name)(outputs["sequence_output"], padding_mask)
    raise ConfigError(f"pooling must be one of {POOLINGS}, got {pooling!r}.")
