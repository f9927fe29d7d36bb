"""`TextClassifier`: single-label, binary or multi-label classification of texts (or text pairs)."""

from __future__ import annotations

from typing import Any

import keras

from bertkit.backbone.interface import Encoder, encoder_inputs, head_initializer
from bertkit.backbone.pooling import POOLINGS, pool
from bertkit.backbone.task_model import TaskModel
from bertkit.errors import ConfigError

#: ``single_label``: softmax over classes; ``binary``: one sigmoid logit (class 1 vs class 0);
#: ``multi_label``: one sigmoid per class, any number of labels per text.
TASK_TYPES = ("single_label", "binary", "multi_label")


@keras.saving.register_keras_serializable(package="bertkit")
class TextClassifier(TaskModel):
    """A classification head over an encoder. Outputs logits (float32).

    Args:
        backbone: the encoder (e.g. ``bertkit.load_backbone("all-MiniLM-L6-v2")``).
        num_classes: number of classes (for ``binary``, 2: the head has one logit).
        task: one of ``TASK_TYPES``.
        pooling: ``"pooled"`` (the encoder's pooler, BERT's tanh layer over [CLS]), ``"cls"``
            (the raw [CLS] vector) or ``"mean"`` (masked mean over tokens).
        dropout: dropout before the output layer.
        dtype: a dtype policy for the encoder, e.g. ``"mixed_bfloat16"``; logits stay float32.

    Example:
    >>> import numpy as np
    >>> from bertkit.backbone import BertBackbone
    >>> backbone = BertBackbone(vocab_size=50, hidden_size=16, num_layers=1, num_heads=2,
    ...                         intermediate_size=32)
    >>> model = TextClassifier(backbone, num_classes=3)
    >>> logits = model({"token_ids": np.array([[1, 7, 2]]), "segment_ids": np.zeros((1, 3)),
    ...                 "padding_mask": np.ones((1, 3))})
    >>> tuple(logits.shape)
    (1, 3)
    """

    config_fields = ("num_classes", "task", "pooling", "dropout")

    def __init__(self, backbone: Encoder, num_classes: int, task: str = "single_label",
                 pooling: str = "pooled", dropout: float = 0.1, dtype: Any = None,
                 **kwargs: Any) -> None:
        if task not in TASK_TYPES:
            raise ConfigError(f"task must be one of {TASK_TYPES}, got {task!r}.")
        if pooling not in POOLINGS:
            raise ConfigError(f"pooling must be one of {POOLINGS}, got {pooling!r}.")
        if num_classes < 2:
            raise ConfigError(f"a classifier needs at least 2 classes, got num_classes={num_classes}.")
        if task == "binary" and num_classes != 2:
            raise ConfigError(f"task='binary' needs exactly 2 classes, got {num_classes}.")
        backbone = self.prepare_encoder(backbone, dtype)

        # === Layers ===
        head_dropout = keras.layers.Dropout(dropout, name="head_dropout")
        head = keras.layers.Dense(1 if task == "binary" else num_classes,
                                  kernel_initializer=head_initializer(backbone),
                                  dtype="float32", name="classifier_head")

        # === Functional model ===
        inputs = encoder_inputs()
        features = pool(backbone(inputs), inputs["padding_mask"], pooling)
        logits = head(head_dropout(features))
        super().__init__(backbone, inputs=inputs, outputs=logits, **kwargs)

        # === Config ===
        self.num_classes = num_classes
        self.task = task
        self.pooling = pooling
        self.dropout = dropout

    def loss_function(self) -> keras.losses.Loss:
        """The matching loss (on logits)."""
        if self.task == "single_label":
            return keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        return keras.losses.BinaryCrossentropy(from_logits=True)

    def metrics_for_task(self) -> list[keras.metrics.Metric]:
        if self.task == "single_label":
            return [keras.metrics.SparseCategoricalAccuracy(name="accuracy")]
        return [keras.metrics.BinaryAccuracy(name="accuracy", threshold=0.0)]
