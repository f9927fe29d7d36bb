"""`TaskModel`: the base of every task model — a head over an encoder.

A task model is a functional Keras model built in three visible steps (layers, graph, config)
on an `Encoder` (see `bertkit.backbone.interface`). The base owns what every task shares:

- the encoder's dtype policy (``dtype="mixed_bfloat16"`` re-creates the encoder under that
  policy, same weights; heads compute their logits in float32);
- saving and rebuilding: ``head_config()`` holds the constructor arguments named in
  ``config_fields`` (what a saved predictor writes as ``"head"``), ``from_head_config`` builds the
  model again on a new encoder, and ``get_config`` / ``from_config`` serialise the encoder with
  it for ``keras.saving``;
- the training contract the learners read: ``loss_function()``, ``metrics_for_task()`` and
  ``loss_weights_for_task()``.

A subclass builds its layers and graph, calls ``super().__init__(encoder, inputs=...,
outputs=..., **kwargs)``, then sets the attributes ``config_fields`` names (on the torch backend
attributes can only be set after ``keras.Model.__init__``).

>>> import numpy as np
>>> from bertkit.backbone import BertBackbone
>>> from bertkit.backbone.interface import encoder_inputs, head_initializer
>>> class TokenScorer(TaskModel):
...     config_fields = ("dropout",)
...     def __init__(self, encoder, dropout=0.1, dtype=None, **kwargs):
...         encoder = self.prepare_encoder(encoder, dtype)
...         head = keras.layers.Dense(1, kernel_initializer=head_initializer(encoder),
...                                   dtype="float32", name="scores")
...         inputs = encoder_inputs()
...         outputs = head(keras.layers.Dropout(dropout)(encoder(inputs)["sequence_output"]))
...         super().__init__(encoder, inputs=inputs, outputs=outputs, **kwargs)
...         self.dropout = dropout
...     def loss_function(self):
...         return keras.losses.MeanSquaredError()
>>> encoder = BertBackbone(vocab_size=50, hidden_size=16, num_layers=1, num_heads=2,
...                        intermediate_size=32)
>>> model = TokenScorer(encoder, dropout=0.2)
>>> model.head_config()
{'dropout': 0.2}
>>> rebuilt = TokenScorer.from_head_config(encoder, {"dropout": 0.2, "dtype": "float32"})
>>> tuple(rebuilt({"token_ids": np.array([[2, 5, 3]]), "segment_ids": np.zeros((1, 3)),
...                "padding_mask": np.ones((1, 3))}).shape)
(1, 3, 1)
"""

from __future__ import annotations

from typing import Any, ClassVar

import keras

from bertkit.backbone.interface import Encoder


class TaskModel(keras.Model):
    """Base class of the task models; see the module docstring."""

    #: constructor arguments (besides the encoder) saved by ``head_config`` and ``get_config``
    config_fields: ClassVar[tuple[str, ...]] = ()

    def __init__(self, backbone: Encoder, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.backbone = backbone

    @staticmethod
    def prepare_encoder(encoder: Encoder, dtype: Any) -> Encoder:
        """The encoder to build on: itself, or a copy under dtype policy ``dtype``."""
        return encoder.with_dtype(dtype)

    # ---- saving and rebuilding -------------------------------------------------------------
    def head_config(self) -> dict[str, Any]:
        """The task's constructor arguments (``config_fields``), JSON-able."""
        return {name: getattr(self, name) for name in self.config_fields}

    @classmethod
    def from_head_config(cls, encoder: Encoder, head: dict[str, Any]) -> "TaskModel":
        """The model again on ``encoder`` from ``head_config()`` output; keys that are not
        constructor arguments (a saved predictor's ``dtype``, decoding settings) are ignored,
        and missing ones take the constructor's defaults."""
        return cls(encoder, **{key: value for key, value in head.items()
                               if key in cls.config_fields})

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "trainable": self.trainable,
                "backbone": keras.saving.serialize_keras_object(self.backbone),
                **self.head_config()}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "TaskModel":
        config = dict(config)
        config["backbone"] = keras.saving.deserialize_keras_object(config["backbone"])
        return cls(**config)

    # ---- training contract -----------------------------------------------------------------
    def loss_function(self) -> Any:
        """The loss (or ``{output: loss}``) the learner compiles with."""
        raise NotImplementedError(f"{type(self).__name__} must say which loss trains it.")

    def metrics_for_task(self) -> Any:
        """Metrics shown while training (a list, or ``{output: [metrics]}``)."""
        return []

    def loss_weights_for_task(self) -> dict[str, float] | None:
        """Weights of several outputs' losses; None for one output."""
        return None
