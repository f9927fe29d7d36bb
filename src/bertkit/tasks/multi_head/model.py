"""`MultiHeadClassifier`: several named classification heads over one shared encoder.

Each head is single-label, binary or multi-label. A row may lack the label of some head (data
sets labelled for different heads mixed together): its target is then ``-1`` (single-label and
binary) or a row of ``-1`` (multi-label), and the masked losses and metrics below skip it.
"""

from __future__ import annotations

from typing import Any, Mapping

import keras
from keras import ops

from bertkit.backbone.interface import Encoder, encoder_inputs, head_initializer
from bertkit.backbone.pooling import POOLINGS, pool
from bertkit.backbone.task_model import TaskModel
from bertkit.errors import ConfigError
from bertkit.tasks.classification.model import TASK_TYPES

#: the target value of a missing label (a whole row of it for a multi-label head).
MISSING = -1


def _head_spec(name: Any, spec: Any) -> dict[str, Any]:
    """``{"num_classes": int, "task": str}`` from ``14`` or ``{"num_classes": 14, "task": ...}``."""
    if not isinstance(name, str) or not name.isidentifier():
        raise ConfigError(f"head names must be identifiers such as 'category' (they name layers "
                          f"and metrics), got {name!r}.")
    if isinstance(spec, bool) or not isinstance(spec, (int, Mapping)):
        raise ConfigError(f"head {name!r}: give its number of classes (e.g. 14) or "
                          f"{{'num_classes': 14, 'task': 'single_label'}}, got {spec!r}.")
    spec = {"num_classes": spec} if isinstance(spec, int) else dict(spec)
    unknown = set(spec) - {"num_classes", "task"}
    if unknown or "num_classes" not in spec:
        raise ConfigError(f"head {name!r}: a head takes 'num_classes' and 'task', got {spec!r}.")
    task = spec.setdefault("task", "single_label")
    num = spec["num_classes"]
    if task not in TASK_TYPES:
        raise ConfigError(f"head {name!r}: task must be one of {TASK_TYPES}, got {task!r}.")
    if isinstance(num, bool) or not isinstance(num, int) or num < (1 if task == "multi_label"
                                                                   else 2):
        raise ConfigError(f"head {name!r}: needs at least 2 classes (1 for multi_label), got "
                          f"num_classes={num!r}.")
    if task == "binary" and num != 2:
        raise ConfigError(f"head {name!r}: task='binary' needs exactly 2 classes, got {num}.")
    return {"num_classes": num, "task": task}


# --------------------------------------------------------------------------------------------
# Masked losses and metrics (keras.ops only: every backend)
# --------------------------------------------------------------------------------------------


def _labelled_rows(y_true: Any, multi: bool) -> Any:
    """float32 (B,): 1 for rows that carry a label for this head, 0 for missing (-1) rows."""
    y_true = ops.cast(y_true, "float32")
    if multi:
        return ops.cast(ops.any(ops.greater_equal(y_true, 0.0), axis=-1), "float32")
    return ops.cast(ops.greater_equal(ops.reshape(y_true, (ops.shape(y_true)[0],)), 0.0),
                    "float32")


@keras.saving.register_keras_serializable(package="bertkit")
class MaskedHeadLoss(keras.losses.Loss):
    """Cross-entropy on logits that ignores rows whose label is missing (``-1``).

    The mean runs over the labelled rows only; a batch with none gives 0 (and no gradient).
    Keras' per-head loss in the progress bar (``category_loss``) averages these batch values
    weighted by batch size, so batches without any label for the head pull it towards 0; the
    per-head accuracy (`MaskedAccuracy`) counts labelled rows only and is exact.

    >>> import numpy as np
    >>> loss = MaskedHeadLoss("single_label")
    >>> logits = np.array([[2.0, 0.0], [0.0, 2.0]], "float32")
    >>> full = float(loss(np.array([0, 1]), logits))
    >>> round(float(loss(np.array([0, -1]), logits[:1].repeat(2, 0))), 5) == round(full, 5)
    True
    """

    def __init__(self, task: str = "single_label", name: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(name=name or f"masked_{task}_loss", **kwargs)
        self.task = task

    def call(self, y_true: Any, y_pred: Any) -> Any:
        y_pred = ops.cast(y_pred, "float32")
        multi = self.task == "multi_label"
        mask = _labelled_rows(y_true, multi)
        if self.task == "single_label":
            ids = ops.maximum(ops.cast(ops.reshape(y_true, (-1,)), "int32"), 0)
            per_row = keras.losses.sparse_categorical_crossentropy(ids, y_pred, from_logits=True)
        else:
            target = ops.maximum(ops.cast(ops.reshape(y_true, ops.shape(y_pred)), "float32"), 0.0)
            per_row = keras.losses.binary_crossentropy(target, y_pred, from_logits=True)
        count = ops.sum(mask)
        batch = ops.cast(ops.shape(mask)[0], "float32")
        # The Loss reduction divides by the batch size: rescale so it is a mean over labelled rows.
        return per_row * mask * (batch / ops.maximum(count, 1.0))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "task": self.task}


@keras.saving.register_keras_serializable(package="bertkit")
class MaskedAccuracy(keras.metrics.Metric):
    """Accuracy over the rows labelled for this head (per class decision for multi-label)."""

    def __init__(self, task: str = "single_label", name: str = "accuracy",
                 **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        self.task = task
        self.correct = self.add_variable(shape=(), initializer="zeros", name="correct")
        self.total = self.add_variable(shape=(), initializer="zeros", name="total")

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        y_pred = ops.cast(y_pred, "float32")
        if self.task == "single_label":
            mask = _labelled_rows(y_true, False)
            ids = ops.cast(ops.reshape(y_true, (-1,)), "int32")
            hit = ops.cast(ops.equal(ops.cast(ops.argmax(y_pred, axis=-1), "int32"), ids),
                           "float32")
            correct, total = ops.sum(hit * mask), ops.sum(mask)
        else:
            y = ops.cast(ops.reshape(y_true, ops.shape(y_pred)), "float32")
            mask = ops.cast(ops.greater_equal(y, 0.0), "float32")
            if self.task == "multi_label":  # a missing row is all -1: drop it whole
                mask = mask * ops.expand_dims(_labelled_rows(y_true, True), -1)
            hit = ops.cast(ops.equal(ops.cast(ops.greater_equal(y_pred, 0.0), "float32"), y),
                           "float32")
            correct, total = ops.sum(hit * mask), ops.sum(mask)
        self.correct.assign_add(correct)
        self.total.assign_add(total)

    def result(self) -> Any:
        return self.correct / ops.maximum(self.total, 1.0)

    def reset_state(self) -> None:
        self.correct.assign(0.0)
        self.total.assign(0.0)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "task": self.task}


# --------------------------------------------------------------------------------------------
# The model
# --------------------------------------------------------------------------------------------


@keras.saving.register_keras_serializable(package="bertkit")
class MultiHeadClassifier(TaskModel):
    """Several named classification heads over one encoder; outputs a dict of logits.

    Args:
        backbone: the shared encoder.
        heads: ``{name: num_classes}`` or ``{name: {"num_classes": n, "task": t}}`` with ``t``
            one of ``TASK_TYPES`` (default ``single_label``); e.g.
            ``{"category": 14, "subcategory": 60, "sentiment": {"num_classes": 2,
            "task": "binary"}}``.
        loss_weights: ``{name: weight}`` for the summed loss (default 1 per head).
        pooling, dropout, dtype: as for `TextClassifier`; the pooled features are shared.

    Example:
    >>> import numpy as np
    >>> from bertkit.backbone import BertBackbone
    >>> backbone = BertBackbone(vocab_size=50, hidden_size=16, num_layers=1, num_heads=2,
    ...                         intermediate_size=32)
    >>> model = MultiHeadClassifier(backbone, {"topic": 4, "tags": {"num_classes": 3,
    ...                                                             "task": "multi_label"}})
    >>> out = model({"token_ids": np.array([[1, 7, 2]]), "segment_ids": np.zeros((1, 3)),
    ...              "padding_mask": np.ones((1, 3))})
    >>> sorted((name, tuple(v.shape)) for name, v in out.items())
    [('tags', (1, 3)), ('topic', (1, 4))]
    """

    config_fields = ("heads", "loss_weights", "pooling", "dropout")

    def __init__(self, backbone: Encoder, heads: Mapping[str, Any],
                 loss_weights: Mapping[str, float] | None = None, pooling: str = "pooled",
                 dropout: float = 0.1, dtype: Any = None, **kwargs: Any) -> None:
        if not isinstance(heads, Mapping) or not heads:
            raise ConfigError(f"heads must be a non-empty dict {{name: num_classes}}, got "
                              f"{heads!r}.")
        specs = {name: _head_spec(name, spec) for name, spec in heads.items()}
        if pooling not in POOLINGS:
            raise ConfigError(f"pooling must be one of {POOLINGS}, got {pooling!r}.")
        weights = {name: 1.0 for name in specs}
        for name, weight in (loss_weights or {}).items():
            if name not in specs:
                raise ConfigError(f"loss_weights names the head {name!r}, but the heads are "
                                  f"{list(specs)}.")
            if isinstance(weight, bool) or not isinstance(weight, (int, float)) or weight < 0:
                raise ConfigError(f"loss weight of {name!r} must be a number >= 0, got "
                                  f"{weight!r}.")
            weights[name] = float(weight)
        backbone = self.prepare_encoder(backbone, dtype)
        initializer = head_initializer(backbone)

        # === Layers ===
        head_dropout = keras.layers.Dropout(dropout, name="head_dropout")
        head_layers = {
            name: keras.layers.Dense(1 if spec["task"] == "binary" else spec["num_classes"],
                                     kernel_initializer=initializer, dtype="float32",
                                     name=f"{name}_head")
            for name, spec in specs.items()}

        # === Functional model ===
        inputs = encoder_inputs()
        features = head_dropout(pool(backbone(inputs), inputs["padding_mask"], pooling))
        outputs = {name: layer(features) for name, layer in head_layers.items()}
        super().__init__(backbone, inputs=inputs, outputs=outputs, **kwargs)

        # === Config ===
        self.heads = specs
        self.head_loss_weights = weights
        self.pooling = pooling
        self.dropout = dropout

    @property
    def head_names(self) -> list[str]:
        return list(self.heads)

    def head_config(self) -> dict[str, Any]:
        return {"heads": self.heads, "loss_weights": self.head_loss_weights,
                "pooling": self.pooling, "dropout": self.dropout}

    def loss_function(self) -> dict[str, keras.losses.Loss]:
        """One masked cross-entropy per head (rows without that head's label are ignored)."""
        return {name: MaskedHeadLoss(spec["task"], name=f"{name}_loss")
                for name, spec in self.heads.items()}

    def loss_weights_for_task(self) -> dict[str, float]:
        return dict(self.head_loss_weights)

    def metrics_for_task(self) -> dict[str, list[keras.metrics.Metric]]:
        """Masked accuracy per head; Keras shows it as ``<head>_accuracy``."""
        return {name: [MaskedAccuracy(spec["task"], name="accuracy")]
                for name, spec in self.heads.items()}
