"""`RelationExtractor`: (subject, predicate, object) triples with the kexue.fm pointer scheme.

1. Two sigmoid pointers per token tag subject starts and ends.
2. For one chosen subject, the encoder's vectors at its start and end token are averaged and
   added to every position of the sequence.
3. Per predicate, two sigmoid pointers per token tag the starts and ends of that subject's
   objects.

Training samples one subject per text (each epoch anew); decoding enumerates all subjects
(each start with the nearest end at or after it) and, for each, its objects.

The model has one output, ``(B, T, 2 + 2P)``: the subject logits (start, end) then, per
predicate, the object start and end logits. The targets carry one more channel, the
``padding_mask``, so the loss ignores padding (see `RelationLoss`).
"""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from bertkit.backbone.interface import (Encoder, encoder_inputs, head_initializer,
                                        select_encoder_inputs)
from bertkit.backbone.task_model import TaskModel
from bertkit.errors import ConfigError


@keras.saving.register_keras_serializable(package="bertkit")
class SubjectConditioning(keras.layers.Layer):
    """``sequence + mean(sequence[start], sequence[end])`` for each row's subject span ``(B, 2)``."""

    def call(self, sequence: Any, subject_span: Any) -> Any:
        positions = ops.arange(ops.shape(sequence)[1], dtype="int32")
        span = ops.cast(subject_span, "int32")
        pick = ops.cast(ops.equal(ops.expand_dims(span, -1), positions[None, None, :]),
                        sequence.dtype)  # (B, 2, T)
        vectors = ops.einsum("bkt,bth->bkh", pick, sequence)  # (B, 2, H)
        return sequence + ops.mean(vectors, axis=1, keepdims=True)

    def compute_output_shape(self, sequence_shape: Any, subject_span_shape: Any) -> Any:
        return sequence_shape


def _powered_bce(logits: Any, targets: Any, power: float) -> Any:
    """Binary cross-entropy of ``p = sigmoid(logits) ** power`` against 0/1 targets, stably.

    ``log p = -power * softplus(-x)``; ``log(1 - p) = log(-expm1(log p))``.
    """
    log_p = -power * ops.softplus(-logits)
    log_not_p = ops.log(-ops.expm1(ops.minimum(log_p, -1e-7)))
    return -(targets * log_p + (1.0 - targets) * log_not_p)


@keras.saving.register_keras_serializable(package="bertkit")
class RelationLoss(keras.losses.Loss):
    """Binary cross-entropy of the subject pointers plus that of the object pointers.

    ``y_true``: ``(B, T, 2 + 2P + 1)`` (0/1 targets, then the padding mask); ``y_pred``:
    ``(B, T, 2 + 2P)`` logits. As in the post, the probabilities are ``sigmoid(x) ** 2`` for
    subjects and ``sigmoid(x) ** 4`` for objects (few tokens are positive: the powers make the
    negatives' loss vanish early, so training does not stall at "nothing anywhere"); the subject
    loss is the mean over real tokens of the mean over its 2 pointers, the object loss the mean
    over real tokens of the sum over predicates of the mean over its 2 pointers.
    """

    def __init__(self, subject_power: float = 2.0, object_power: float = 4.0,
                 name: str = "relation_loss", **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        self.subject_power = subject_power
        self.object_power = object_power

    def call(self, y_true: Any, y_pred: Any) -> Any:
        y_pred = ops.cast(y_pred, "float32")
        y_true = ops.cast(y_true, "float32")
        mask = y_true[..., -1]
        subject = ops.mean(_powered_bce(y_pred[..., :2], y_true[..., :2], self.subject_power),
                           axis=-1)
        objects = ops.sum(_powered_bce(y_pred[..., 2:], y_true[..., 2:-1], self.object_power),
                          axis=-1) / 2.0
        per_token = (subject + objects) * mask
        return ops.sum(per_token, axis=1) / ops.maximum(ops.sum(mask, axis=1), 1.0)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "subject_power": self.subject_power,
                "object_power": self.object_power}


@keras.saving.register_keras_serializable(package="bertkit")
class RelationExtractor(TaskModel):
    """Subject pointers and subject-conditioned per-predicate object pointers on a backbone.

    Args:
        backbone: the encoder.
        predicates: the relation names (the object pointers' order).
        dropout: dropout before the pointer layers.
        subject_power, object_power: the pointers' probabilities are ``sigmoid(logit) ** power``
            (2 and 4, as in the post; see `RelationLoss`).

    Example:
    >>> import numpy as np
    >>> from bertkit.backbone import BertBackbone
    >>> backbone = BertBackbone(vocab_size=50, hidden_size=16, num_layers=1, num_heads=2,
    ...                         intermediate_size=32)
    >>> model = RelationExtractor(backbone, predicates=["born_in", "works_for"])
    >>> out = model({"token_ids": np.array([[1, 7, 8, 9, 2]]), "segment_ids": np.zeros((1, 5)),
    ...              "padding_mask": np.ones((1, 5)), "subject_span": np.array([[1, 2]])})
    >>> tuple(out.shape)
    (1, 5, 6)
    """

    config_fields = ("predicates", "dropout", "subject_power", "object_power")

    def __init__(self, backbone: Encoder, predicates: list[str], dropout: float = 0.1,
                 subject_power: float = 2.0, object_power: float = 4.0, dtype: Any = None,
                 **kwargs: Any) -> None:
        backbone = self.prepare_encoder(backbone, dtype)
        backbone.freeze_pooler()  # pointers read the token vectors only
        predicates = list(predicates)
        if not predicates:
            raise ConfigError("a relation extractor needs at least one predicate.")
        init = head_initializer(backbone)

        # === Layers ===
        head_dropout = keras.layers.Dropout(dropout, name="relation_dropout")
        subject_head = keras.layers.Dense(2, kernel_initializer=init, dtype="float32",
                                          name="subject_pointers")
        conditioning = SubjectConditioning(name="subject_conditioning")
        object_head = keras.layers.Dense(2 * len(predicates), kernel_initializer=init,
                                         dtype="float32", name="object_pointers")

        # === Functional model ===
        inputs = {**encoder_inputs(),
                  "subject_span": keras.Input(shape=(2,), dtype="int32", name="subject_span")}
        sequence = head_dropout(backbone(select_encoder_inputs(inputs))["sequence_output"])
        subject_logits = subject_head(sequence)
        object_logits = object_head(conditioning(sequence, inputs["subject_span"]))
        logits = keras.layers.Concatenate(axis=-1, dtype="float32", name="pointers")(
            [subject_logits, object_logits])
        super().__init__(backbone, inputs=inputs, outputs=logits, **kwargs)

        # === Config ===
        self.predicates = predicates
        self.dropout = dropout
        self.subject_power = subject_power
        self.object_power = object_power
        self.subject_head = subject_head
        self.conditioning = conditioning
        self.object_head = object_head

    # ---- decoding in two steps: encode once, then objects for any number of subjects --------
    def encode_subjects(self, inputs: dict[str, Any]) -> tuple[Any, Any]:
        """``(sequence_output, subject_logits)`` for a batch (inference, no dropout)."""
        sequence = self.backbone(select_encoder_inputs(inputs),
                                 training=False)["sequence_output"]
        return sequence, self.subject_head(sequence)

    def object_logits(self, sequence: Any, subject_span: Any) -> Any:
        """``(N, T, P, 2)`` object logits for ``sequence`` rows ``(N, T, H)`` and spans ``(N, 2)``."""
        logits = self.object_head(self.conditioning(sequence, subject_span))
        shape = ops.shape(logits)
        return ops.reshape(logits, (shape[0], shape[1], len(self.predicates), 2))

    def loss_function(self) -> keras.losses.Loss:
        return RelationLoss(self.subject_power, self.object_power)

    def metrics_for_task(self) -> list[keras.metrics.Metric]:
        return []
