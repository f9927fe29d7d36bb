"""The layers of a BERT encoder, written in ``keras.ops`` so every Keras backend runs them.

Attribute names avoid ``type``/``train``/``eval``/``to``/``input``/``output``: on the torch
backend a Keras layer is a ``torch.nn.Module`` and such names would shadow its methods.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any, Iterator

import keras
from keras import ops

_PACKAGE = "bertkit"


def activation_fn(name: str):
    """The function for a BERT ``hidden_act`` name (``gelu`` is the exact erf form)."""
    if name == "gelu":
        return lambda x: keras.activations.gelu(x, approximate=False)
    if name in ("gelu_new", "gelu_pytorch_tanh", "gelu_fast"):
        return lambda x: keras.activations.gelu(x, approximate=True)
    if name in ("silu", "swish"):
        return keras.activations.silu
    if name in ("relu", "tanh"):
        return keras.activations.get(name)
    raise ValueError(f"Unsupported hidden_act {name!r}.")


_LOADING = threading.local()


@contextlib.contextmanager
def weights_to_be_loaded() -> Iterator[None]:
    """Build models whose weights are about to be overwritten from a checkpoint.

    Inside this block new weights start at zero instead of being drawn at random: drawing a
    250k x 384 embedding costs seconds, and a loader overwrites it at once. A loader must
    re-draw (`initialize_randomly`) any weight the checkpoint does not provide.
    """
    previous = getattr(_LOADING, "active", False)
    _LOADING.active = True
    try:
        yield
    finally:
        _LOADING.active = previous


def weight_initializer(stddev: float) -> keras.initializers.Initializer | str:
    """BERT's truncated-normal initializer (zeros inside `weights_to_be_loaded`)."""
    if getattr(_LOADING, "active", False):
        return "zeros"
    return keras.initializers.TruncatedNormal(stddev=stddev)


def initialize_randomly(variable: Any, stddev: float) -> None:
    """Draw a kernel or embedding anew (biases and LayerNorm weights keep their constants)."""
    name = variable.path.rsplit("/", 1)[-1]
    if name in ("kernel", "embeddings"):
        variable.assign(keras.initializers.TruncatedNormal(stddev=stddev)(variable.shape))


_TORCH = keras.backend.backend() == "torch"


@keras.saving.register_keras_serializable(package=_PACKAGE)
class Linear(keras.layers.Dense):
    """A `keras.layers.Dense` whose bias add is fused into the matrix product on torch.

    ``torch.addmm`` does in one kernel what Dense does as a matmul and then an
    add over the whole output: on CPU that separate add (and the extra pass over memory before
    the activation) costs about a tenth of BERT's forward time. Weights, names, config and
    results are Dense's; other backends, quantized layers and LoRA take Dense's own path (XLA
    fuses the add itself).
    """

    def call(self, inputs, training=None):
        if not (_TORCH and self.use_bias and self.quantization_mode is None
                and not self.lora_enabled):
            return super().call(inputs, training=training)
        import torch

        kernel = ops.convert_to_tensor(self.kernel)
        bias = ops.convert_to_tensor(self.bias)
        x = ops.convert_to_tensor(inputs)
        flat = x.reshape(-1, x.shape[-1])
        out = torch.addmm(bias, flat, kernel).reshape(*x.shape[:-1], kernel.shape[-1])
        return self.activation(out) if self.activation is not None else out


@keras.saving.register_keras_serializable(package=_PACKAGE)
class PositionEmbedding(keras.layers.Layer):
    """Learned absolute position embeddings, sliced to the input's length.

    Input: any tensor whose second axis is the sequence (B, T, ...). Output: (1, T, hidden_size).
    """

    def __init__(self, max_length: int, hidden_size: int, initializer_range: float = 0.02,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.max_length = max_length
        self.hidden_size = hidden_size
        self.initializer_range = initializer_range

    def build(self, input_shape) -> None:
        self.embeddings = self.add_weight(
            name="embeddings",
            shape=(self.max_length, self.hidden_size),
            initializer=weight_initializer(self.initializer_range),
        )

    def call(self, inputs):
        length = ops.shape(inputs)[1]
        table = ops.convert_to_tensor(self.embeddings)
        positions = ops.slice(table, (0, 0), (length, self.hidden_size))
        return ops.expand_dims(ops.cast(positions, self.compute_dtype), 0)

    def compute_output_shape(self, input_shape):
        return (1, input_shape[1], self.hidden_size)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "max_length": self.max_length,
                "hidden_size": self.hidden_size, "initializer_range": self.initializer_range}


@keras.saving.register_keras_serializable(package=_PACKAGE)
class BertEmbeddings(keras.layers.Layer):
    """Word + segment + position embeddings, then LayerNorm and dropout: ``(B, T) -> (B, T, H)``.

    One layer rather than five graph nodes: the sub-layers run through their ``call`` directly,
    which saves Keras' per-call bookkeeping on every forward pass.
    """

    def __init__(self, vocab_size: int, hidden_size: int, max_position_embeddings: int = 512,
                 type_vocab_size: int = 2, hidden_dropout: float = 0.1,
                 layer_norm_eps: float = 1e-12, initializer_range: float = 0.02,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size
        self.max_position_embeddings = max_position_embeddings
        self.type_vocab_size = type_vocab_size
        self.hidden_dropout = hidden_dropout
        self.layer_norm_eps = layer_norm_eps
        self.initializer_range = initializer_range
        init = weight_initializer(initializer_range)
        self.word_embeddings = keras.layers.Embedding(
            vocab_size, hidden_size, embeddings_initializer=init, dtype=self.dtype_policy,
            name="word_embeddings")
        self.segment_embeddings = keras.layers.Embedding(
            type_vocab_size, hidden_size, embeddings_initializer=init, dtype=self.dtype_policy,
            name="segment_embeddings")
        self.position_embeddings = PositionEmbedding(
            max_position_embeddings, hidden_size, initializer_range, dtype=self.dtype_policy,
            name="position_embeddings")
        self.layer_norm = keras.layers.LayerNormalization(
            epsilon=layer_norm_eps, dtype=self.dtype_policy, name="layer_norm")
        self.dropout_layer = keras.layers.Dropout(hidden_dropout, dtype=self.dtype_policy)

    def build(self, token_ids_shape, segment_ids_shape=None) -> None:
        self.word_embeddings.build(token_ids_shape)
        self.segment_embeddings.build(token_ids_shape)
        self.position_embeddings.build(token_ids_shape)
        self.layer_norm.build(tuple(token_ids_shape) + (self.hidden_size,))

    def call(self, token_ids, segment_ids, training=None):
        x = self.word_embeddings.call(token_ids)
        x = x + self.segment_embeddings.call(segment_ids)
        x = x + self.position_embeddings.call(token_ids)
        x = self.layer_norm.call(x)
        if training and self.hidden_dropout > 0:
            x = self.dropout_layer.call(x, training=True)
        return x

    def compute_output_shape(self, token_ids_shape, segment_ids_shape=None):
        return tuple(token_ids_shape) + (self.hidden_size,)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "vocab_size": self.vocab_size,
                "hidden_size": self.hidden_size,
                "max_position_embeddings": self.max_position_embeddings,
                "type_vocab_size": self.type_vocab_size, "hidden_dropout": self.hidden_dropout,
                "layer_norm_eps": self.layer_norm_eps,
                "initializer_range": self.initializer_range}


@keras.saving.register_keras_serializable(package=_PACKAGE)
class TransformerEncoderLayer(keras.layers.Layer):
    """One post-LayerNorm transformer layer, as in BERT.

    ``x = LN(x + Dropout(Dense(Attention(x))))``; ``x = LN(x + Dropout(Dense(act(Dense(x)))))``.
    Attention runs through ``keras.ops.dot_product_attention`` (fused kernels where the backend
    has them). When training with ``attention_dropout > 0`` the attention probabilities are
    computed explicitly so that dropout can be applied to them, as BERT was trained.
    """

    def __init__(self, hidden_size: int, num_heads: int, intermediate_size: int,
                 hidden_act: str = "gelu", hidden_dropout: float = 0.1,
                 attention_dropout: float = 0.1, layer_norm_eps: float = 1e-12,
                 initializer_range: float = 0.02, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.hidden_size = hidden_size
        self.num_heads = num_heads
        self.head_size = hidden_size // num_heads
        self.intermediate_size = intermediate_size
        self.hidden_act = hidden_act
        self.hidden_dropout = hidden_dropout
        self.attention_dropout = attention_dropout
        self.layer_norm_eps = layer_norm_eps
        self.initializer_range = initializer_range
        self._activation = activation_fn(hidden_act)

        def dense(units: int, name: str) -> keras.layers.Dense:
            return Linear(units, kernel_initializer=weight_initializer(initializer_range),
                                      dtype=self.dtype_policy, name=name)

        def layer_norm(name: str) -> keras.layers.LayerNormalization:
            return keras.layers.LayerNormalization(epsilon=layer_norm_eps,
                                                   dtype=self.dtype_policy, name=name)

        self.query_dense = dense(hidden_size, "query")
        self.key_dense = dense(hidden_size, "key")
        self.value_dense = dense(hidden_size, "value")
        self.attention_output_dense = dense(hidden_size, "attention_output")
        self.attention_layer_norm = layer_norm("attention_layer_norm")
        self.intermediate_dense = dense(intermediate_size, "intermediate")
        self.output_dense = dense(hidden_size, "output")
        self.output_layer_norm = layer_norm("output_layer_norm")
        self.attention_probs_dropout = keras.layers.Dropout(attention_dropout,
                                                            dtype=self.dtype_policy)
        self.hidden_dropout_layer = keras.layers.Dropout(hidden_dropout, dtype=self.dtype_policy)

    def build(self, input_shape) -> None:
        hidden_shape = tuple(input_shape)
        for layer in (self.query_dense, self.key_dense, self.value_dense,
                      self.attention_output_dense, self.intermediate_dense):
            layer.build(hidden_shape)
        self.output_dense.build(hidden_shape[:-1] + (self.intermediate_size,))
        self.attention_layer_norm.build(hidden_shape)
        self.output_layer_norm.build(hidden_shape)

    def _split_heads(self, x, batch, length):
        return ops.reshape(x, (batch, length, self.num_heads, self.head_size))

    def _attention(self, query, key, value, mask, training):
        """query/key/value: (B, T, N, D); mask: (B, 1, 1, T) bool. Returns (B, T, N, D)."""
        if training and self.attention_dropout > 0:
            scores = ops.einsum("btnd,bsnd->bnts", query, key) / ops.sqrt(
                ops.cast(self.head_size, query.dtype))
            big_negative = ops.cast(-1e9 if scores.dtype == "float32" else -3e4, scores.dtype)
            scores = ops.where(mask, scores, big_negative)
            probs = ops.softmax(ops.cast(scores, "float32"), axis=-1)
            probs = self.attention_probs_dropout.call(ops.cast(probs, value.dtype), training=True)
            return ops.einsum("bnts,bsnd->btnd", probs, value)
        return ops.dot_product_attention(query, key, value, mask=mask)

    def call(self, hidden, padding_mask, training=None):
        # Sub-layers are run through their ``call`` directly: they were built in ``build`` and
        # share this layer's dtype policy (its autocast scope is active here), and Keras'
        # per-call bookkeeping on ~10 sub-layers per transformer layer costs more than the
        # work itself on short inputs.
        batch, length = ops.shape(hidden)[0], ops.shape(hidden)[1]
        mask = ops.cast(padding_mask, "bool")[:, None, None, :]
        if self._torch_fast_path(training):
            context = self._torch_self_attention(hidden, mask)
        else:
            query = self._split_heads(self.query_dense.call(hidden), batch, length)
            key = self._split_heads(self.key_dense.call(hidden), batch, length)
            value = self._split_heads(self.value_dense.call(hidden), batch, length)
            context = self._attention(query, key, value, mask, training)
            context = ops.reshape(context, (batch, length, self.hidden_size))
        attended = self._dropout(self.attention_output_dense.call(context), training)
        hidden = self.attention_layer_norm.call(hidden + attended)
        inner = self._activation(self.intermediate_dense.call(hidden))
        out = self._dropout(self.output_dense.call(inner), training)
        return self.output_layer_norm.call(hidden + out)

    def _torch_fast_path(self, training) -> bool:
        """Whether self-attention can take the fused torch path (same maths as the generic one)."""
        if not _TORCH or (training and self.attention_dropout > 0):
            return False
        return all(layer.use_bias and layer.quantization_mode is None and not layer.lora_enabled
                   for layer in (self.query_dense, self.key_dense, self.value_dense))

    def _torch_self_attention(self, hidden, mask):
        """Self-attention on torch: one matrix product for query, key and value, and torch's
        fused attention on strided views (no copies, boolean mask). Returns (B, T, H)."""
        import torch

        x = ops.convert_to_tensor(hidden)
        batch, length = x.shape[0], x.shape[1]
        kernels = [ops.convert_to_tensor(layer.kernel)
                   for layer in (self.query_dense, self.key_dense, self.value_dense)]
        biases = [ops.convert_to_tensor(layer.bias)
                  for layer in (self.query_dense, self.key_dense, self.value_dense)]
        kernel = torch.cat(kernels, dim=1).to(x.dtype)
        bias = torch.cat(biases).to(x.dtype)
        qkv = torch.addmm(bias, x.reshape(-1, x.shape[-1]), kernel)
        qkv = qkv.view(batch, length, 3, self.num_heads, self.head_size).permute(2, 0, 3, 1, 4)
        context = torch.nn.functional.scaled_dot_product_attention(
            qkv[0], qkv[1], qkv[2], attn_mask=ops.convert_to_tensor(mask))
        return context.transpose(1, 2).reshape(batch, length, self.hidden_size)

    def _dropout(self, x, training):
        if training and self.hidden_dropout > 0:
            return self.hidden_dropout_layer.call(x, training=True)
        return x

    def compute_output_shape(self, input_shape, *args, **kwargs):
        return input_shape

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "hidden_size": self.hidden_size,
            "num_heads": self.num_heads,
            "intermediate_size": self.intermediate_size,
            "hidden_act": self.hidden_act,
            "hidden_dropout": self.hidden_dropout,
            "attention_dropout": self.attention_dropout,
            "layer_norm_eps": self.layer_norm_eps,
            "initializer_range": self.initializer_range,
        }
