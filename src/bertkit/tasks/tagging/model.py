"""`TokenTagger`: one tag per token over an encoder, with a softmax or a CRF output.

Targets are ``int (B, T)`` tag ids with ``-1`` on positions that carry no tag ([CLS], [SEP],
padding); the losses and the accuracy metric ignore them.
"""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from bertkit.backbone.interface import Encoder, encoder_inputs, head_initializer
from bertkit.backbone.task_model import TaskModel
from bertkit.errors import ConfigError
from bertkit.tasks.tagging.crf import CRF

HEADS = ("softmax", "crf")


class MaskedTagLoss(keras.losses.Loss):
    """Token cross-entropy on logits, averaged over the tagged positions of the batch."""

    def __init__(self, name: str = "masked_tag_loss") -> None:
        super().__init__(name=name, reduction="sum_over_batch_size")

    def call(self, y_true: Any, y_pred: Any) -> Any:
        tags = ops.cast(y_true, "int32")
        mask = ops.cast(tags >= 0, "float32")
        losses = ops.sparse_categorical_crossentropy(ops.maximum(tags, 0), y_pred,
                                                     from_logits=True)
        return ops.sum(losses * mask) / ops.maximum(ops.sum(mask), 1.0)


class CRFLoss(keras.losses.Loss):
    """Negative log-likelihood of the gold tag paths under ``crf``, averaged over sequences."""

    def __init__(self, crf: CRF, name: str = "crf_loss") -> None:
        super().__init__(name=name, reduction="sum_over_batch_size")
        self.crf = crf

    def call(self, y_true: Any, y_pred: Any) -> Any:
        tags = ops.cast(y_true, "int32")
        return self.crf.negative_log_likelihood(y_pred, tags, tags >= 0)


class MaskedTagAccuracy(keras.metrics.Metric):
    """Accuracy of the per-token argmax over tagged positions (for a CRF: of its emissions)."""

    def __init__(self, name: str = "tag_accuracy", **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        self.correct = self.add_variable(shape=(), initializer="zeros", name="correct")
        self.total = self.add_variable(shape=(), initializer="zeros", name="total")

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        tags = ops.cast(y_true, "int32")
        mask = ops.cast(tags >= 0, "float32")
        hits = ops.cast(ops.equal(ops.cast(ops.argmax(y_pred, axis=-1), "int32"), tags),
                        "float32")
        self.correct.assign_add(ops.sum(hits * mask))
        self.total.assign_add(ops.sum(mask))

    def result(self) -> Any:
        return self.correct / ops.maximum(self.total, 1.0)

    def reset_state(self) -> None:
        self.correct.assign(0.0)
        self.total.assign(0.0)


@keras.saving.register_keras_serializable(package="bertkit")
class TokenTagger(TaskModel):
    """Tags every token: outputs per-token tag scores ``(B, T, num_tags)`` (float32).

    Args:
        backbone: the encoder.
        num_tags: number of tags (``TagScheme.num_tags``).
        head: ``"softmax"`` (independent per-token decisions) or ``"crf"`` (a linear-chain CRF
            over the scores: trained by log-likelihood, decoded by Viterbi).
        dropout: dropout before the output layer.
        crf_lr_multiplier: how much faster the CRF transitions learn than the encoder.
        dtype: a dtype policy for the backbone, e.g. ``"mixed_bfloat16"``.

    The backbone's pooler (unused here) is set non-trainable.

    Example:
    >>> import numpy as np
    >>> from bertkit.backbone import BertBackbone
    >>> backbone = BertBackbone(vocab_size=50, hidden_size=16, num_layers=1, num_heads=2,
    ...                         intermediate_size=32)
    >>> tagger = TokenTagger(backbone, num_tags=5, head="crf")
    >>> inputs = {"token_ids": np.array([[1, 7, 8, 2]]), "segment_ids": np.zeros((1, 4)),
    ...           "padding_mask": np.ones((1, 4))}
    >>> tuple(tagger(inputs).shape)
    (1, 4, 5)
    >>> tagger.decode(tagger(inputs), np.array([[0, 1, 1, 0]], bool)).shape
    (1, 4)
    """

    config_fields = ("num_tags", "head", "dropout", "crf_lr_multiplier")

    def __init__(self, backbone: Encoder, num_tags: int, head: str = "crf",
                 dropout: float = 0.1, crf_lr_multiplier: float = 1000.0, dtype: Any = None,
                 **kwargs: Any) -> None:
        if head not in HEADS:
            raise ConfigError(f"head must be one of {HEADS}, got {head!r}.")
        if num_tags < 2:
            raise ConfigError(f"a tagger needs at least 2 tags (O and one entity tag), got "
                              f"{num_tags}.")
        backbone = self.prepare_encoder(backbone, dtype)
        # Tagging reads the token vectors only: the pooler gets no gradient, so it is frozen
        # (no optimizer state for it, no "gradients do not exist" warning).
        backbone.freeze_pooler()

        # === Layers ===
        head_dropout = keras.layers.Dropout(dropout, name="tagger_dropout")
        scores = keras.layers.Dense(num_tags, kernel_initializer=head_initializer(backbone),
                                    dtype="float32", name="tagger_head")
        crf = CRF(num_tags, lr_multiplier=crf_lr_multiplier, name="crf") if head == "crf" else None

        # === Functional model ===
        inputs = encoder_inputs()
        emissions = scores(head_dropout(backbone(inputs)["sequence_output"]))
        if crf is not None:
            emissions = crf(emissions)  # identity; puts the transitions among the weights
        super().__init__(backbone, inputs=inputs, outputs=emissions, **kwargs)

        # === Config ===
        self.crf = crf
        self.num_tags = num_tags
        self.head = head
        self.dropout = dropout
        self.crf_lr_multiplier = crf_lr_multiplier

    def loss_function(self) -> keras.losses.Loss:
        return CRFLoss(self.crf) if self.crf is not None else MaskedTagLoss()

    def metrics_for_task(self) -> list[keras.metrics.Metric]:
        return [MaskedTagAccuracy()]

    def decode(self, scores: Any, mask: Any) -> Any:
        """Best tag ids ``int32 (B, T)`` as numpy, ``-1`` where ``mask`` is False: Viterbi for a
        CRF head, per-token argmax for softmax."""
        import numpy as np

        mask = np.asarray(mask, bool)
        if self.crf is not None:
            return np.asarray(ops.convert_to_numpy(self.crf.decode(scores, mask)), np.int32)
        best = np.asarray(ops.convert_to_numpy(scores)).argmax(-1).astype(np.int32)
        return np.where(mask, best, -1)
