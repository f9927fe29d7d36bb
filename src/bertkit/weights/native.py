"""bertkit's own saved form of a backbone: a self-describing directory, no pickle.

``bertkit.json`` (format name and version, the encoder config, the tokenizer settings, and the
size and SHA-256 of every other file, checked on load), ``backbone.safetensors`` (weights under
their Keras paths) and the tokenizer's own files. A save replaces the directory as a whole
(`bertkit._io.replace_directory`); saves from before the hashes existed load unchecked.
"""

from __future__ import annotations

import json
import os
from typing import Any

import keras
import numpy as np

from bertkit.backbone.backbone import BertBackbone
from bertkit.backbone.config import BertConfig
from bertkit._io import (file_records, file_records_checked, is_save_leftover,
                        load_consistently, replace_directory, write_json_atomic)
from bertkit._logging import get_logger
from bertkit.errors import CheckpointError, CheckpointNotFoundError
from bertkit.tokenization.checkpoint import CONFIG_FILE as TOKENIZER_CONFIG_FILE
from bertkit.tokenization.checkpoint import TOKENIZER_FILE, VOCAB_FILE
from bertkit.weights.assign import LoadReport, assign_weights, backbone_variables
from bertkit.weights.safetensors_io import read_safetensors, write_safetensors

MANIFEST = "bertkit.json"
WEIGHTS = "backbone.safetensors"
FORMAT = "bertkit.backbone"
FORMAT_VERSION = 1
#: the files of a save (an older one's are not carried over into a new save)
_OWNED = (MANIFEST, WEIGHTS, TOKENIZER_CONFIG_FILE, TOKENIZER_FILE, VOCAB_FILE)

log = get_logger(__name__)


def is_bertkit_directory(directory: str) -> bool:
    return os.path.isfile(os.path.join(directory, MANIFEST))


def save_backbone(backbone: BertBackbone, directory: str, tokenizer: Any = None) -> str:
    """Save ``backbone`` (and ``tokenizer``) to ``directory`` in bertkit's format, replacing
    any earlier save there as a whole (a reader never sees a mix of two saves)."""
    from bertkit._version import __version__

    state = {path: np.asarray(keras.ops.convert_to_numpy(variable), dtype=np.float32)
             for path, variable in backbone_variables(backbone).items()}
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "bertkit_version": __version__,
        "config": backbone.bert_config.to_dict(),
        "tokenizer": tokenizer.get_config() if tokenizer is not None else None,
    }

    def write(path: str) -> None:
        write_safetensors(os.path.join(path, WEIGHTS), state)
        names = [WEIGHTS, *(tokenizer.save(path) if tokenizer is not None else ())]
        # The manifest goes last: a directory with a manifest is a complete save.
        write_json_atomic(os.path.join(path, MANIFEST),
                          {**manifest, "files": file_records(path, names)})

    return replace_directory(directory, write, marker=MANIFEST, owned=_OWNED.__contains__,
                             log=log)


def read_manifest(directory: str) -> dict[str, Any]:
    path = os.path.join(directory, MANIFEST)
    saving = is_save_leftover(directory)
    if saving is not None:
        raise CheckpointError(f"{directory}: a temporary directory of an interrupted save of "
                              f"{saving}; load {saving} (the next save there deletes this one).")
    if not os.path.isfile(path):
        raise CheckpointNotFoundError(f"{path}: not found; {directory} is not a bertkit save.")
    try:
        with open(path, encoding="utf-8") as f:
            manifest = json.load(f)
    except json.JSONDecodeError as err:
        raise CheckpointError(f"{path}: not valid JSON ({err}); the save is corrupted.") from None
    if manifest.get("format") != FORMAT:
        raise CheckpointError(f"{path}: format {manifest.get('format')!r} is not {FORMAT!r}.")
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        raise CheckpointError(
            f"{path}: format_version {version!r} is not supported by this bertkit "
            f"(it reads version {FORMAT_VERSION}); upgrade bertkit to load it.")
    return manifest


def load_bertkit_directory(directory: str, dtype: Any = None) -> tuple[BertBackbone, LoadReport]:
    """The backbone saved in ``directory`` (loaded again if a save replaces it meanwhile)."""
    return load_consistently(directory, lambda: _load_bertkit_directory(directory, dtype))


def _load_bertkit_directory(directory: str, dtype: Any) -> tuple[BertBackbone, LoadReport]:
    manifest = read_manifest(directory)
    path = os.path.join(directory, MANIFEST)
    # the files' hashes (none in saves from before they existed) are checked while it builds
    with file_records_checked(directory, manifest.get("files"), path):
        config = BertConfig.from_dict(manifest["config"], source=path)
        backbone = BertBackbone.from_bert_config(config, dtype=dtype, for_loading=True)
    weights_path = os.path.join(directory, WEIGHTS)
    tensors = read_safetensors(weights_path)
    report = assign_weights(backbone, source=weights_path, fmt="bertkit",
                            checkpoint_names=list(tensors), name_of=lambda row: row.path,
                            read=tensors.__getitem__, optional=())
    return backbone, report
