"""The one table from checkpoint variable names to `BertBackbone` weights.

Every format bertkit reads or writes goes through :func:`weight_table`: each row names one Keras
weight of the backbone (its ``variable.path``), the Google TF checkpoint variable and the Hugging
Face tensor that hold it, and whether the Hugging Face tensor is stored transposed (a
``torch.nn.Linear`` weight is ``(out, in)``, a Keras ``Dense`` kernel ``(in, out)``).
"""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class WeightName:
    """Where one backbone weight lives in each format."""

    path: str
    google: str
    huggingface: str
    transpose_huggingface: bool = False


def _dense(path: str, google: str, hf: str) -> list[WeightName]:
    return [WeightName(f"{path}/kernel", f"{google}/kernel", f"{hf}.weight", True),
            WeightName(f"{path}/bias", f"{google}/bias", f"{hf}.bias")]


def _layer_norm(path: str, google: str, hf: str) -> list[WeightName]:
    return [WeightName(f"{path}/gamma", f"{google}/gamma", f"{hf}.weight"),
            WeightName(f"{path}/beta", f"{google}/beta", f"{hf}.bias")]


def weight_table(num_layers: int) -> list[WeightName]:
    """All weights of a `BertBackbone` with ``num_layers`` layers, in model order."""
    rows = [
        WeightName("embeddings/word_embeddings/embeddings", "bert/embeddings/word_embeddings",
                   "embeddings.word_embeddings.weight"),
        WeightName("embeddings/segment_embeddings/embeddings",
                   "bert/embeddings/token_type_embeddings",
                   "embeddings.token_type_embeddings.weight"),
        WeightName("embeddings/position_embeddings/embeddings",
                   "bert/embeddings/position_embeddings", "embeddings.position_embeddings.weight"),
        *_layer_norm("embeddings/layer_norm", "bert/embeddings/LayerNorm", "embeddings.LayerNorm"),
    ]
    for i in range(num_layers):
        keras_prefix = f"transformer_layer_{i}"
        google = f"bert/encoder/layer_{i}"
        hf = f"encoder.layer.{i}"
        rows += _dense(f"{keras_prefix}/query", f"{google}/attention/self/query",
                       f"{hf}.attention.self.query")
        rows += _dense(f"{keras_prefix}/key", f"{google}/attention/self/key",
                       f"{hf}.attention.self.key")
        rows += _dense(f"{keras_prefix}/value", f"{google}/attention/self/value",
                       f"{hf}.attention.self.value")
        rows += _dense(f"{keras_prefix}/attention_output", f"{google}/attention/output/dense",
                       f"{hf}.attention.output.dense")
        rows += _layer_norm(f"{keras_prefix}/attention_layer_norm",
                            f"{google}/attention/output/LayerNorm", f"{hf}.attention.output.LayerNorm")
        rows += _dense(f"{keras_prefix}/intermediate", f"{google}/intermediate/dense",
                       f"{hf}.intermediate.dense")
        rows += _dense(f"{keras_prefix}/output", f"{google}/output/dense", f"{hf}.output.dense")
        rows += _layer_norm(f"{keras_prefix}/output_layer_norm", f"{google}/output/LayerNorm",
                            f"{hf}.output.LayerNorm")
    rows += _dense("pooler_dense", "bert/pooler/dense", "pooler.dense")
    return rows


#: Google checkpoint variables that are optimizer state, never model weights.
GOOGLE_OPTIMIZER_SUFFIXES = ("/adam_m", "/adam_v", "/Adam", "/Adam_1", "/Momentum")
GOOGLE_OPTIMIZER_NAMES = ("global_step", "beta1_power", "beta2_power")


def is_google_optimizer_state(name: str) -> bool:
    return name in GOOGLE_OPTIMIZER_NAMES or name.endswith(GOOGLE_OPTIMIZER_SUFFIXES)


#: Prefixes that Hugging Face and sentence-transformers put before the backbone's names.
HF_PREFIXES = ("bert.", "model.", "0.auto_model.", "auto_model.", "roberta.", "encoder_model.")

#: Older Hugging Face checkpoints name LayerNorm weights like TensorFlow did.
HF_LEGACY_SUFFIXES = {".gamma": ".weight", ".beta": ".bias"}
