"""`BertBackbone`: a BERT encoder as a functional Keras model.

Built in three visible sections (layers, graph, config) so that ``get_config``/``from_config``
and ``keras.saving`` work without custom code.
"""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from bertkit.backbone.config import BertConfig
from bertkit.backbone.layers import (BertEmbeddings, Linear, TransformerEncoderLayer, weight_initializer,
                                     weights_to_be_loaded)

INPUT_NAMES = ("token_ids", "segment_ids", "padding_mask")


@keras.saving.register_keras_serializable(package="bertkit")
class BertBackbone(keras.Model):
    """BERT encoder: embeddings, ``num_layers`` post-LN transformer layers, and a pooler.

    Inputs (a dict): ``token_ids``, ``segment_ids`` (int, shape ``(batch, length)``) and
    ``padding_mask`` (1 for real tokens, 0 for padding). Outputs (a dict): ``sequence_output``
    ``(batch, length, hidden_size)`` and ``pooled_output`` ``(batch, hidden_size)``, the tanh
    dense layer over ``[CLS]``.

    Example:
    >>> import numpy as np
    >>> backbone = BertBackbone(vocab_size=100, hidden_size=32, num_layers=2, num_heads=4,
    ...                         intermediate_size=64)
    >>> out = backbone({"token_ids": np.array([[2, 5, 3]]), "segment_ids": np.zeros((1, 3)),
    ...                 "padding_mask": np.ones((1, 3))})
    >>> tuple(out["sequence_output"].shape), tuple(out["pooled_output"].shape)
    ((1, 3, 32), (1, 32))
    """

    def __init__(
        self,
        vocab_size: int,
        hidden_size: int = 768,
        num_layers: int = 12,
        num_heads: int = 12,
        intermediate_size: int = 3072,
        hidden_act: str = "gelu",
        hidden_dropout: float = 0.1,
        attention_dropout: float = 0.1,
        max_position_embeddings: int = 512,
        type_vocab_size: int = 2,
        layer_norm_eps: float = 1e-12,
        initializer_range: float = 0.02,
        pad_token_id: int = 0,
        dtype: Any = None,
        **kwargs: Any,
    ) -> None:
        bert_config = BertConfig(
            vocab_size=vocab_size, hidden_size=hidden_size, num_layers=num_layers,
            num_heads=num_heads, intermediate_size=intermediate_size, hidden_act=hidden_act,
            hidden_dropout=hidden_dropout, attention_dropout=attention_dropout,
            max_position_embeddings=max_position_embeddings, type_vocab_size=type_vocab_size,
            layer_norm_eps=layer_norm_eps, initializer_range=initializer_range,
            pad_token_id=pad_token_id,
        )
        init = weight_initializer(initializer_range)

        # === Layers === (locals: on torch, attributes can only be set after Model.__init__)
        embeddings = BertEmbeddings(
            vocab_size, hidden_size, max_position_embeddings, type_vocab_size, hidden_dropout,
            layer_norm_eps, initializer_range, dtype=dtype, name="embeddings")
        transformer_layers = [
            TransformerEncoderLayer(
                hidden_size, num_heads, intermediate_size, hidden_act=hidden_act,
                hidden_dropout=hidden_dropout, attention_dropout=attention_dropout,
                layer_norm_eps=layer_norm_eps, initializer_range=initializer_range,
                dtype=dtype, name=f"transformer_layer_{i}")
            for i in range(num_layers)
        ]
        pooler_dense = Linear(
            hidden_size, activation="tanh", kernel_initializer=init, dtype=dtype,
            name="pooler_dense")

        # === Functional model ===
        token_ids = keras.Input(shape=(None,), dtype="int32", name="token_ids")
        segment_ids = keras.Input(shape=(None,), dtype="int32", name="segment_ids")
        padding_mask = keras.Input(shape=(None,), dtype="int32", name="padding_mask")
        x = embeddings(token_ids, segment_ids)
        for layer in transformer_layers:
            x = layer(x, padding_mask=padding_mask)
        pooled = pooler_dense(x[:, 0, :])
        super().__init__(
            inputs={"token_ids": token_ids, "segment_ids": segment_ids,
                    "padding_mask": padding_mask},
            outputs={"sequence_output": x, "pooled_output": pooled},
            dtype=dtype,
            **kwargs,
        )

        # === Config ===
        self.bert_config = bert_config
        # The policy the layers were built with (a functional Model does not keep its own).
        self.layer_dtype_policy = keras.dtype_policies.get(dtype) if dtype is not None \
            else keras.dtype_policies.get(keras.config.dtype_policy())
        self.embeddings = embeddings
        self.transformer_layers = transformer_layers
        self.pooler_dense = pooler_dense

    # ---- the backbone interface (bertkit.backbone.interface.Encoder) ------------------------
    #: the family's name, saved with predictors (`bertkit.backbone.interface.build_encoder`)
    family = "bert"
    has_pooler = True

    @property
    def hidden_size(self) -> int:
        return self.bert_config.hidden_size

    @property
    def initializer_range(self) -> float:
        return self.bert_config.initializer_range

    def encoder_config(self) -> dict[str, Any]:
        """The architecture as a JSON-able dict (`from_encoder_config` reads it back)."""
        return self.bert_config.to_dict()

    @classmethod
    def from_encoder_config(cls, config: dict[str, Any], *, dtype: Any = None,
                            for_loading: bool = False, source: str = "config",
                            **kwargs: Any) -> "BertBackbone":
        """Build from `encoder_config` output (or a BERT ``config.json`` dict), checked by
        `BertConfig.from_dict`; ``source`` names the file in error messages."""
        return cls.from_bert_config(BertConfig.from_dict(config, source=source), dtype=dtype,
                                    for_loading=for_loading, **kwargs)

    def with_dtype(self, dtype: Any) -> "BertBackbone":
        """This encoder (same weights) under dtype policy ``dtype``, e.g. ``"mixed_bfloat16"``;
        itself when ``dtype`` is None or already its policy."""
        if dtype is None or keras.dtype_policies.get(dtype).name == self.layer_dtype_policy.name:
            return self
        clone = type(self).from_config({**self.get_config(), "dtype": dtype})
        clone.set_weights(self.get_weights())
        return clone

    def freeze_pooler(self) -> None:
        """Make the pooler non-trainable: tasks that read only the token vectors give it no
        gradient (no optimizer state for it, no "gradients do not exist" warning)."""
        self.pooler_dense.trainable = False

    @property
    def vocab_size(self) -> int:
        return self.bert_config.vocab_size

    @classmethod
    def from_bert_config(cls, config: BertConfig, *, for_loading: bool = False,
                         **kwargs: Any) -> "BertBackbone":
        """Build a backbone of the given architecture, randomly initialised.

        ``for_loading=True`` skips the random draw (weights start at zero), for callers that
        overwrite every weight at once from a checkpoint.
        """
        if for_loading:
            with weights_to_be_loaded():
                return cls(**config.to_dict(), **kwargs)
        return cls(**config.to_dict(), **kwargs)

    def get_config(self) -> dict[str, Any]:
        config = {"name": self.name, "trainable": self.trainable,
                  "dtype": keras.dtype_policies.serialize(self.layer_dtype_policy)}
        config.update(self.bert_config.to_dict())
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "BertBackbone":
        config = dict(config)
        if isinstance(config.get("dtype"), dict):
            config["dtype"] = keras.dtype_policies.deserialize(config["dtype"])
        return cls(**config)

    def dummy_inputs(self, batch: int = 1, length: int = 4) -> dict[str, Any]:
        """Inputs of the right dtypes, for building or tracing the model."""
        return {"token_ids": ops.zeros((batch, length), "int32"),
                "segment_ids": ops.zeros((batch, length), "int32"),
                "padding_mask": ops.ones((batch, length), "int32")}
