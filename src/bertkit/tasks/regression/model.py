"""`TextRegressor`: one real-valued score per text or text pair (e.g. sentence similarity)."""

from __future__ import annotations

from typing import Any

import keras

from bertkit.backbone.interface import Encoder, encoder_inputs, head_initializer
from bertkit.backbone.pooling import POOLINGS, pool
from bertkit.backbone.task_model import TaskModel
from bertkit.errors import ConfigError


@keras.saving.register_keras_serializable(package="bertkit")
class TextRegressor(TaskModel):
    """A linear regression head over a pooled encoder output; outputs ``(B, 1)`` float32.

    Pairs are one input, ``[CLS] A [SEP] B [SEP]`` with segment ids 0/1, so attention compares
    the two texts token by token (better than encoding each text separately).

    Example:
    >>> import numpy as np
    >>> from bertkit.backbone import BertBackbone
    >>> backbone = BertBackbone(vocab_size=50, hidden_size=16, num_layers=1, num_heads=2,
    ...                         intermediate_size=32)
    >>> model = TextRegressor(backbone)
    >>> tuple(model({"token_ids": np.array([[1, 7, 2, 9, 2]]),
    ...              "segment_ids": np.array([[0, 0, 0, 1, 1]]),
    ...              "padding_mask": np.ones((1, 5))}).shape)
    (1, 1)
    """

    config_fields = ("pooling", "dropout")

    def __init__(self, backbone: Encoder, pooling: str = "pooled", dropout: float = 0.1,
                 dtype: Any = None, **kwargs: Any) -> None:
        if pooling not in POOLINGS:
            raise ConfigError(f"pooling must be one of {POOLINGS}, got {pooling!r}.")
        backbone = self.prepare_encoder(backbone, dtype)

        # === Layers ===
        head_dropout = keras.layers.Dropout(dropout, name="head_dropout")
        head = keras.layers.Dense(1, kernel_initializer=head_initializer(backbone),
                                  dtype="float32", name="regression_head")

        # === Functional model ===
        inputs = encoder_inputs()
        scores = head(head_dropout(pool(backbone(inputs), inputs["padding_mask"], pooling)))
        super().__init__(backbone, inputs=inputs, outputs=scores, **kwargs)

        # === Config ===
        self.head = head
        self.pooling = pooling
        self.dropout = dropout

    def loss_function(self) -> keras.losses.Loss:
        return keras.losses.MeanSquaredError()

    def metrics_for_task(self) -> list[keras.metrics.Metric]:
        return [keras.metrics.MeanAbsoluteError(name="mae")]
