"""`SpanExtractor`: start and end pointers over the text of a (query, text) pair.

The query is segment 0, the text segment 1. Two logits per token (start, end) are masked to the
positions an answer may take (``answer_mask``: the text's tokens, plus ``[CLS]`` when "no answer"
is allowed), and trained with softmax cross-entropy over positions, as in the kexue.fm
"Bert meets Keras" reading-comprehension and event-subject examples.
"""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from bertkit.backbone.interface import (Encoder, encoder_inputs, head_initializer,
                                        select_encoder_inputs)
from bertkit.backbone.task_model import TaskModel

#: added to the logits of positions an answer cannot take
_MASKED = -1e9



@keras.saving.register_keras_serializable(package="bertkit")
class MaskPositions(keras.layers.Layer):
    """Logits ``(B, T, K)`` with positions where ``allowed`` (``(B, T)``) is 0 set to -1e9."""

    def call(self, logits: Any, allowed: Any) -> Any:
        keep = ops.expand_dims(ops.cast(allowed, "bool"), -1)
        return ops.where(keep, logits, ops.full_like(logits, _MASKED))


@keras.saving.register_keras_serializable(package="bertkit")
class SpanLoss(keras.losses.Loss):
    """Softmax cross-entropy over positions for the start and the end token, averaged.

    ``y_true``: ``(B, 2)`` token indices; ``y_pred``: ``(B, T, 2)`` masked logits.
    """

    def __init__(self, name: str = "span_loss", **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)

    def call(self, y_true: Any, y_pred: Any) -> Any:
        y_pred = ops.cast(y_pred, "float32")
        logp = ops.log_softmax(y_pred, axis=1)
        index = ops.expand_dims(ops.cast(y_true, "int32"), 1)  # (B, 1, 2)
        picked = ops.take_along_axis(logp, index, axis=1)  # (B, 1, 2)
        return -ops.mean(ops.squeeze(picked, 1), axis=-1)


def span_exact_match(y_true: Any, y_pred: Any) -> Any:
    """1 where both the start and the end token are predicted right (argmax), else 0."""
    predicted = ops.cast(ops.argmax(y_pred, axis=1), "int32")  # (B, 2)
    right = ops.equal(predicted, ops.cast(y_true, "int32"))
    return ops.cast(ops.all(right, axis=-1), "float32")


@keras.saving.register_keras_serializable(package="bertkit")
class SpanExtractor(TaskModel):
    """Start/end pointer heads on an encoder. Outputs masked logits ``(B, T, 2)`` (float32).

    Inputs: ``token_ids``, ``segment_ids``, ``padding_mask`` and ``answer_mask`` (1 where an
    answer may start or end).

    Example:
    >>> import numpy as np
    >>> from bertkit.backbone import BertBackbone
    >>> backbone = BertBackbone(vocab_size=50, hidden_size=16, num_layers=1, num_heads=2,
    ...                         intermediate_size=32)
    >>> model = SpanExtractor(backbone)
    >>> logits = model({"token_ids": np.array([[1, 7, 2, 9, 9, 2]]),
    ...                 "segment_ids": np.array([[0, 0, 0, 1, 1, 1]]),
    ...                 "padding_mask": np.ones((1, 6)), "answer_mask": np.array([[1, 0, 0, 1, 1, 0]])})
    >>> tuple(logits.shape), bool(logits[0, 1, 0] < -1e8)
    ((1, 6, 2), True)
    """

    config_fields = ("dropout",)

    def __init__(self, backbone: Encoder, dropout: float = 0.1, dtype: Any = None,
                 **kwargs: Any) -> None:
        backbone = self.prepare_encoder(backbone, dtype)
        backbone.freeze_pooler()  # pointers read the token vectors only

        # === Layers ===
        head_dropout = keras.layers.Dropout(dropout, name="span_dropout")
        head = keras.layers.Dense(2, kernel_initializer=head_initializer(backbone),
                                  dtype="float32", name="span_pointers")
        masking = MaskPositions(dtype="float32", name="answer_positions")

        # === Functional model ===
        inputs = encoder_inputs("answer_mask")
        sequence = backbone(select_encoder_inputs(inputs))["sequence_output"]
        logits = masking(head(head_dropout(sequence)), inputs["answer_mask"])
        super().__init__(backbone, inputs=inputs, outputs=logits, **kwargs)

        # === Config ===
        self.dropout = dropout

    def loss_function(self) -> keras.losses.Loss:
        return SpanLoss()

    def metrics_for_task(self) -> list[keras.metrics.Metric]:
        return [keras.metrics.MeanMetricWrapper(span_exact_match, name="span_match")]
