"""Hugging Face model directories: ``config.json`` + ``model.safetensors`` / ``pytorch_model.bin``.

Reads BERT weights with or without the ``bert.`` prefix (sentence-transformers writes none),
sharded checkpoints (``*.index.json``), and exports a backbone back to a directory that
``transformers.BertModel.from_pretrained`` loads.
"""

from __future__ import annotations

import json
import os
from typing import Any

import keras
import numpy as np

from bertkit.backbone.backbone import BertBackbone
from bertkit.backbone.config import BertConfig
from bertkit.errors import CheckpointError, CheckpointNotFoundError
from bertkit.weights.assign import LoadReport, assign_weights, backbone_variables
from bertkit.weights.names import HF_LEGACY_SUFFIXES, HF_PREFIXES, weight_table
from bertkit.weights.safetensors_io import read_safetensors, write_safetensors
from bertkit.weights.vocab import check_vocab_size

HF_CONFIG = "config.json"
WEIGHT_FILES = ("model.safetensors", "model.safetensors.index.json", "pytorch_model.bin",
                "pytorch_model.bin.index.json")


def is_huggingface_directory(directory: str) -> bool:
    return os.path.isfile(os.path.join(directory, HF_CONFIG)) and any(
        os.path.isfile(os.path.join(directory, name)) for name in WEIGHT_FILES)


def _read_torch_bin(path: str) -> dict[str, np.ndarray]:
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a dependency
        raise CheckpointError(f"{path}: reading pytorch_model.bin needs torch; "
                              "pip install torch, or convert the model to safetensors.") from None
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:
        raise CheckpointError(f"{path}: cannot read this PyTorch file ({err}).") from None
    return {k: v.float().numpy() if v.is_floating_point() else v.numpy() for k, v in state.items()}


def read_huggingface_weights(directory: str) -> tuple[str, dict[str, np.ndarray]]:
    """(file read, tensors) of the weights in a Hugging Face directory; safetensors preferred."""
    for name in WEIGHT_FILES:
        path = os.path.join(directory, name)
        if not os.path.isfile(path):
            continue
        if name.endswith(".index.json"):
            with open(path, encoding="utf-8") as f:
                shards = sorted(set(json.load(f)["weight_map"].values()))
            tensors: dict[str, np.ndarray] = {}
            for shard in shards:
                shard_path = os.path.join(directory, shard)
                if not os.path.isfile(shard_path):
                    raise CheckpointNotFoundError(f"{shard_path}: shard listed in {path} is missing.")
                tensors.update(read_safetensors(shard_path) if shard.endswith(".safetensors")
                               else _read_torch_bin(shard_path))
            return path, tensors
        return path, (read_safetensors(path) if name.endswith(".safetensors")
                      else _read_torch_bin(path))
    raise CheckpointNotFoundError(
        f"{directory}: no weights found; expected one of {', '.join(WEIGHT_FILES)}.")


def _canonical_names(tensors: dict[str, np.ndarray]) -> dict[str, str]:
    """Map prefix-free, modern names (``encoder.layer.0...weight``) to the names in the file."""
    mapping: dict[str, str] = {}
    for original in tensors:
        name = original
        for prefix in HF_PREFIXES:
            if name.startswith(prefix):
                name = name[len(prefix):]
                break
        for old, new in HF_LEGACY_SUFFIXES.items():
            if name.endswith(old):
                name = name[: -len(old)] + new
        mapping.setdefault(name, original)
    return mapping


def load_huggingface(directory: str, dtype: Any = None) -> tuple[BertBackbone, LoadReport]:
    """Build a `BertBackbone` from a Hugging Face BERT directory."""
    config = BertConfig.from_json_file(os.path.join(directory, HF_CONFIG))
    check_vocab_size(directory, config)
    path, tensors = read_huggingface_weights(directory)
    names = _canonical_names(tensors)
    backbone = BertBackbone.from_bert_config(config, dtype=dtype, for_loading=True)
    report = assign_weights(
        backbone, source=path, fmt="huggingface", checkpoint_names=list(names),
        name_of=lambda row: row.huggingface, read=lambda name: tensors[names[name]],
        transpose_of=lambda row: row.transpose_huggingface,
        is_ignored=lambda name: name.endswith("position_ids"))
    return backbone, report


def huggingface_state(backbone: BertBackbone, prefix: str = "") -> dict[str, np.ndarray]:
    """The backbone's weights under Hugging Face names (Linear weights as ``(out, in)``)."""
    variables = backbone_variables(backbone)
    state = {}
    for row in weight_table(backbone.bert_config.num_layers):
        value = np.asarray(keras.ops.convert_to_numpy(variables[row.path]), dtype=np.float32)
        state[prefix + row.huggingface] = value.T if row.transpose_huggingface else value
    return state


def export_huggingface(backbone: BertBackbone, directory: str, tokenizer: Any = None,
                       prefix: str = "") -> str:
    """Write ``config.json`` and ``model.safetensors`` (and the tokenizer's files) to ``directory``.

    ``transformers.BertModel.from_pretrained(directory)`` then gives the same outputs.
    ``prefix="bert."`` writes names as ``BertForPreTraining`` checkpoints do.
    """
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, HF_CONFIG), "w", encoding="utf-8") as f:
        json.dump(backbone.bert_config.to_hf_dict(), f, indent=2)
    write_safetensors(os.path.join(directory, "model.safetensors"),
                      huggingface_state(backbone, prefix), metadata={"format": "pt"})
    if tokenizer is not None:
        tokenizer.save(directory)
    return directory
