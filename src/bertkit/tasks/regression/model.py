"""`TextRegressor`: one real-valued score per text or text pair (e.g. sentence similarity)."""

from __future__ import annotations

from typing import Any

import keras

from bertkit.backbone.backbone import BertBackbone
from bertkit.backbone.layers import weight_initializer
from bertkit.errors import ConfigError
from bertkit.tasks.classifier import with_dtype
from bertkit.tasks.pooling import POOLINGS, pool


@keras.saving.register_keras_serializable(package="bertkit")
class TextRegressor(keras.Model):
    """A linear regression head over a pooled `BertBackbone` output; outputs ``(B, 1)`` float32.

    Pairs are one input, ``[CLS] A [SEP] B [SEP]`` with segment ids 0/1, so attention compares
    the two texts token by token (better than encoding each text separately).

    Example:
    >>> import numpy as np
    >>> backbone = BertBackbone(vocab_size=50, hidden_size=16, num_layers=1, num_heads=2,
    ...                         intermediate_size=32)
    >>> model = TextRegressor(backbone)
    >>> tuple(model({"token_ids": np.array([[1, 7, 2, 9, 2]]),
    ...              "segment_ids": np.array([[0, 0, 0, 1, 1]]),
    ...              "padding_mask": np.ones((1, 5))}).shape)
    (1, 1)
    """

    def __init__(self, backbone: BertBackbone, pooling: str = "pooled", dropout: float = 0.1,
                 dtype: Any = None, **kwargs: Any) -> None:
        if pooling not in POOLINGS:
            raise ConfigError(f"pooling must be one of {POOLINGS}, got {pooling!r}.")
        backbone = with_dtype(backbone, dtype)

        # === Layers ===
        head_dropout = keras.layers.Dropout(dropout, name="head_dropout")
        head = keras.layers.Dense(
            1, kernel_initializer=weight_initializer(backbone.bert_config.initializer_range),
            dtype="float32", name="regression_head")

        # === Functional model ===
        inputs = {name: keras.Input(shape=(None,), dtype="int32", name=name)
                  for name in ("token_ids", "segment_ids", "padding_mask")}
        scores = head(head_dropout(pool(backbone(inputs), inputs["padding_mask"], pooling)))
        super().__init__(inputs=inputs, outputs=scores, **kwargs)

        # === Config ===
        self.backbone = backbone
        self.head = head
        self.pooling = pooling
        self.dropout = dropout

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "trainable": self.trainable,
                "backbone": keras.saving.serialize_keras_object(self.backbone),
                "pooling": self.pooling, "dropout": self.dropout}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "TextRegressor":
        config = dict(config)
        config["backbone"] = keras.saving.deserialize_keras_object(config["backbone"])
        return cls(**config)

    def loss_function(self) -> keras.losses.Loss:
        return keras.losses.MeanSquaredError()

    def metrics_for_task(self) -> list[keras.metrics.Metric]:
        return [keras.metrics.MeanAbsoluteError(name="mae")]
