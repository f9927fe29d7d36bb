"""`BertConfig`: the hyper-parameters of a BERT encoder, read from Google or Hugging Face files.

Google's ``bert_config.json`` and Hugging Face's ``config.json`` use the same key names for the
fields that matter (``hidden_size``, ``num_hidden_layers``, ...); this class reads both, checks
them, and writes the Hugging Face form back for export.
"""

from __future__ import annotations

import dataclasses
import json
import os
from typing import Any

from bertkit.errors import CheckpointNotFoundError, ConfigError

#: Activation names accepted in ``hidden_act`` and what they mean.
#: ``gelu`` is the exact (erf) form used by Google's BERT and transformers; ``gelu_new`` and
#: ``gelu_pytorch_tanh`` are the tanh approximation.
ACTIVATIONS = ("gelu", "gelu_new", "gelu_pytorch_tanh", "gelu_fast", "relu", "silu", "swish", "tanh")


@dataclasses.dataclass(frozen=True)
class BertConfig:
    """Architecture of a BERT encoder.

    Example:
    >>> cfg = BertConfig(vocab_size=100, hidden_size=32, num_layers=2, num_heads=4,
    ...                  intermediate_size=64)
    >>> cfg.head_size
    8
    """

    vocab_size: int
    hidden_size: int = 768
    num_layers: int = 12
    num_heads: int = 12
    intermediate_size: int = 3072
    hidden_act: str = "gelu"
    hidden_dropout: float = 0.1
    attention_dropout: float = 0.1
    max_position_embeddings: int = 512
    type_vocab_size: int = 2
    layer_norm_eps: float = 1e-12
    initializer_range: float = 0.02
    pad_token_id: int = 0

    def __post_init__(self) -> None:
        for name in ("vocab_size", "hidden_size", "num_layers", "num_heads", "intermediate_size",
                     "max_position_embeddings", "type_vocab_size"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ConfigError(f"BertConfig.{name} must be a positive integer, got {value!r}.")
        if self.hidden_size % self.num_heads:
            raise ConfigError(
                f"hidden_size ({self.hidden_size}) must be divisible by num_heads ({self.num_heads})."
            )
        if self.hidden_act not in ACTIVATIONS:
            raise ConfigError(
                f"hidden_act {self.hidden_act!r} is not supported; use one of {', '.join(ACTIVATIONS)}."
            )
        for name in ("hidden_dropout", "attention_dropout"):
            value = getattr(self, name)
            if not 0.0 <= value < 1.0:
                raise ConfigError(f"BertConfig.{name} must be in [0, 1), got {value!r}.")

    @property
    def head_size(self) -> int:
        return self.hidden_size // self.num_heads

    # ---- reading -------------------------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "config") -> "BertConfig":
        """Build from a Google ``bert_config.json`` or Hugging Face ``config.json`` dict.

        Unknown keys are ignored; ``source`` names the file in error messages.
        """
        if not isinstance(data, dict):
            raise ConfigError(f"{source}: expected a JSON object, got {type(data).__name__}.")
        aliases = {
            "num_layers": ("num_layers", "num_hidden_layers"),
            "num_heads": ("num_heads", "num_attention_heads"),
            "hidden_dropout": ("hidden_dropout", "hidden_dropout_prob"),
            "attention_dropout": ("attention_dropout", "attention_probs_dropout_prob"),
        }
        kwargs: dict[str, Any] = {}
        for field in dataclasses.fields(cls):
            for key in aliases.get(field.name, (field.name,)):
                if key in data and data[key] is not None:
                    kwargs[field.name] = data[key]
                    break
        if "vocab_size" not in kwargs:
            raise ConfigError(f"{source}: 'vocab_size' is missing; a BERT config must give it.")
        position_type = data.get("position_embedding_type", "absolute")
        if position_type != "absolute":
            raise ConfigError(
                f"{source}: position_embedding_type {position_type!r} is not supported "
                "(bertkit implements BERT's learned absolute positions)."
            )
        if data.get("model_type") not in (None, "bert", "xlm-roberta", "roberta") and \
                data.get("model_type"):
            raise ConfigError(f"{source}: model_type {data['model_type']!r} is not a BERT encoder.")
        try:
            return cls(**kwargs)
        except TypeError as err:  # pragma: no cover - defensive
            raise ConfigError(f"{source}: {err}") from err
        except ConfigError as err:
            raise ConfigError(f"{source}: {err}") from None

    @classmethod
    def from_json_file(cls, path: str | os.PathLike) -> "BertConfig":
        path = os.fspath(path)
        if not os.path.isfile(path):
            raise CheckpointNotFoundError(f"{path}: config file not found.")
        try:
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
        except json.JSONDecodeError as err:
            raise ConfigError(f"{path}: not valid JSON ({err}).") from None
        return cls.from_dict(data, source=path)

    # ---- writing -------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def to_hf_dict(self) -> dict[str, Any]:
        """The Hugging Face ``config.json`` form (``transformers.BertConfig`` reads it)."""
        return {
            "architectures": ["BertModel"],
            "model_type": "bert",
            "vocab_size": self.vocab_size,
            "hidden_size": self.hidden_size,
            "num_hidden_layers": self.num_layers,
            "num_attention_heads": self.num_heads,
            "intermediate_size": self.intermediate_size,
            "hidden_act": self.hidden_act,
            "hidden_dropout_prob": self.hidden_dropout,
            "attention_probs_dropout_prob": self.attention_dropout,
            "max_position_embeddings": self.max_position_embeddings,
            "type_vocab_size": self.type_vocab_size,
            "layer_norm_eps": self.layer_norm_eps,
            "initializer_range": self.initializer_range,
            "pad_token_id": self.pad_token_id,
            "position_embedding_type": "absolute",
        }
