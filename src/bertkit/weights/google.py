"""Google's original BERT checkpoints (``bert_config.json`` + ``bert_model.ckpt.*`` + ``vocab.txt``).

Read without TensorFlow through `TFCheckpointReader`, and mapped to the backbone through the
name table in :mod:`bertkit.weights.names`.
"""

from __future__ import annotations

import glob
import os
from typing import Any

from bertkit.backbone.backbone import BertBackbone
from bertkit.backbone.config import BertConfig
from bertkit.errors import CheckpointError, CheckpointNotFoundError
from bertkit.weights.assign import LoadReport, assign_weights
from bertkit.weights.names import is_google_optimizer_state
from bertkit.weights.tf_checkpoint import TFCheckpointReader
from bertkit.weights.vocab import check_vocab_size

GOOGLE_CONFIG = "bert_config.json"


def is_google_checkpoint(directory: str) -> bool:
    return os.path.isfile(os.path.join(directory, GOOGLE_CONFIG)) and bool(
        glob.glob(os.path.join(directory, "*.index")))


def checkpoint_prefix(directory: str) -> str:
    """The checkpoint prefix in ``directory`` (``bert_model.ckpt`` preferred when several)."""
    indexes = sorted(glob.glob(os.path.join(directory, "*.index")))
    if not indexes:
        raise CheckpointNotFoundError(
            f"{directory}: no TensorFlow checkpoint (*.index file) found next to {GOOGLE_CONFIG}.")
    preferred = os.path.join(directory, "bert_model.ckpt.index")
    if preferred in indexes:
        return preferred[: -len(".index")]
    if len(indexes) > 1:
        names = ", ".join(os.path.basename(p) for p in indexes)
        raise CheckpointError(
            f"{directory}: several checkpoints found ({names}); pass the prefix of the one to "
            "load, e.g. load_backbone('dir/model.ckpt-1000').")
    return indexes[0][: -len(".index")]


def load_google_checkpoint(path: str, dtype: Any = None) -> tuple[BertBackbone, LoadReport]:
    """Build a `BertBackbone` from a Google checkpoint directory (or a checkpoint prefix)."""
    if os.path.isdir(path):
        directory, prefix = path, checkpoint_prefix(path)
    else:
        directory, prefix = os.path.dirname(path) or ".", path
    config = BertConfig.from_json_file(os.path.join(directory, GOOGLE_CONFIG))
    check_vocab_size(directory, config)
    reader = TFCheckpointReader(prefix)
    backbone = BertBackbone.from_bert_config(config, dtype=dtype, for_loading=True)
    report = assign_weights(
        backbone, source=prefix, fmt="google-tf-checkpoint",
        checkpoint_names=list(reader.variables), name_of=lambda row: row.google,
        read=reader.read, is_ignored=is_google_optimizer_state)
    return backbone, report
