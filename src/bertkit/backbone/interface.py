"""What a task may use of an encoder: the backbone interface.

Task models (`bertkit.tasks`) reach the encoder only through the members of `Encoder` below,
never through a family's layers or config class, so that a new encoder family (RoBERTa, ALBERT,
...) plugs into every task without a change there. An import-linter contract in the test suite
forbids tasks to import ``bertkit.backbone.backbone``, ``.layers`` or ``.config``.

An encoder is a Keras model called on ``{"token_ids", "segment_ids", "padding_mask"}`` (int,
``(batch, length)``) that returns ``{"sequence_output": (batch, length, hidden_size)}`` plus
``"pooled_output": (batch, hidden_size)`` when the family has a pooler (``has_pooler``).

A saved predictor records ``encoder_family`` and ``encoder_config()``; `build_encoder` makes the
same architecture again from them.

>>> from bertkit.backbone import BertBackbone
>>> encoder = BertBackbone(vocab_size=50, hidden_size=16, num_layers=1, num_heads=2,
...                        intermediate_size=32)
>>> isinstance(encoder, Encoder), encoder.family, encoder.hidden_size, encoder.has_pooler
(True, 'bert', 16, True)
>>> again = build_encoder(encoder.family, encoder.encoder_config())
>>> again.hidden_size
16
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import keras

from bertkit.errors import ConfigError

#: the inputs every encoder takes
ENCODER_INPUTS = ("token_ids", "segment_ids", "padding_mask")


@runtime_checkable
class Encoder(Protocol):
    """The members of an encoder that task models may use (see the module docstring)."""

    #: the family's name (``"bert"``), saved with predictors to rebuild the encoder
    family: str
    #: width of ``sequence_output`` (and ``pooled_output``)
    hidden_size: int
    #: standard deviation the family initialises its weights with (new heads use it too)
    initializer_range: float
    #: whether the outputs include ``pooled_output``
    has_pooler: bool
    #: the Keras dtype policy its layers compute in
    layer_dtype_policy: Any

    def __call__(self, inputs: dict[str, Any], training: Any = None) -> dict[str, Any]: ...

    def encoder_config(self) -> dict[str, Any]:
        """The architecture, as `build_encoder` takes it back."""
        ...

    def with_dtype(self, dtype: Any) -> "Encoder":
        """The same encoder (same weights) under another dtype policy (itself if unchanged)."""
        ...

    def freeze_pooler(self) -> None:
        """Make the pooler non-trainable (tasks that read token vectors only); no-op without
        one."""
        ...


def encoder_inputs(*extra: str) -> dict[str, Any]:
    """Symbolic ``keras.Input`` tensors for `ENCODER_INPUTS` plus ``extra`` names, all
    ``int32 (batch, length)``: the inputs of a functional task model."""
    return {name: keras.Input(shape=(None,), dtype="int32", name=name)
            for name in (*ENCODER_INPUTS, *extra)}


def select_encoder_inputs(inputs: dict[str, Any]) -> dict[str, Any]:
    """The entries of ``inputs`` the encoder takes (task models may carry more)."""
    return {name: inputs[name] for name in ENCODER_INPUTS}


def head_initializer(encoder: Encoder) -> keras.initializers.Initializer | str:
    """The initializer for a new head's kernel: the family's own (truncated normal)."""
    from bertkit.backbone.layers import weight_initializer

    return weight_initializer(encoder.initializer_range)


def _families() -> dict[str, Any]:
    from bertkit.backbone.backbone import BertBackbone

    return {"bert": BertBackbone}


def encoder_families() -> list[str]:
    """The names `build_encoder` accepts."""
    return sorted(_families())


def build_encoder(family: str, config: dict[str, Any], *, dtype: Any = None,
                  for_loading: bool = False, source: str = "config", **kwargs: Any) -> Encoder:
    """An encoder of ``family`` with the architecture ``config`` (from ``encoder_config()``).

    ``for_loading=True`` skips the random initialisation (every weight is about to be set from
    a file). ``source`` names the file the config came from, in error messages.
    """
    families = _families()
    if family not in families:
        raise ConfigError(f"{source}: unknown encoder family {family!r}; this bertkit builds "
                          f"{sorted(families)}.")
    return families[family].from_encoder_config(config, dtype=dtype, for_loading=for_loading,
                                                source=source, **kwargs)
