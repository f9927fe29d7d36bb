"""The saved predictor format: one plain directory, no pickle.

``predictor.json`` (a versioned config: format header, ``task`` — which `load_predictor`
dispatches on —, ``max_len``, ``batch_size``, the tokenizer's settings, ``encoder_family`` and
``encoder`` — the encoder's architecture —, ``head`` — the task model's settings and dtype
policy — and the task's own fields such as labels or a tag scheme), ``model.safetensors``
(weights by Keras path) and the tokenizer's files. It loads in a fresh process, on another Keras
backend, and after a bertkit upgrade that keeps the format version. Directories written before
``encoder_family`` existed hold BERT encoders and load as such.

A save replaces the directory as a whole (`bertkit._io.replace_directory`): a reader sees the
previous predictor or the new one, never a mix. ``predictor.json``'s ``files`` records the size
and SHA-256 of every weight and tokenizer file, checked on load
(`bertkit._io.file_records_checked`), so a config never runs with another save's weights;
directories saved before ``files`` existed load without that check. The tokenizer's size is
checked against the config in any case (`check_tokenizer`).
"""

from __future__ import annotations

import json
import os
from typing import Any

from bertkit._io import (file_records, finish_interrupted_save, is_save_leftover,
                        replace_directory, write_json_atomic)
from bertkit._logging import get_logger
from bertkit._version import __version__
from bertkit.backbone.interface import Encoder, build_encoder
from bertkit.errors import CheckpointError, CheckpointNotFoundError
from bertkit.tokenization.checkpoint import CONFIG_FILE as TOKENIZER_CONFIG_FILE
from bertkit.tokenization.checkpoint import TOKENIZER_FILE, VOCAB_FILE
from bertkit.weights.model_weights import save_model_weights

log = get_logger(__name__)

CONFIG_FILE = "predictor.json"
WEIGHTS_FILE = "model.safetensors"
FORMAT = "bertkit.predictor"
FORMAT_VERSION = 1
#: the family of encoders saved before predictor.json named one
DEFAULT_FAMILY = "bert"


def predictor_config(task: str, model: Any, tokenizer: Any, *, max_len: int, batch_size: int,
                     head: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """The JSON config a predictor saves as ``predictor.json`` (see the module docstring)."""
    encoder = model.backbone
    return {"format": FORMAT, "format_version": FORMAT_VERSION, "bertkit_version": __version__,
            "task": task, **fields, "max_len": max_len, "batch_size": batch_size,
            "tokenizer": tokenizer.get_config(), "encoder_family": encoder.family,
            "encoder": encoder.encoder_config(),
            "head": {**head, "dtype": encoder.layer_dtype_policy.name}}


def _owned(name: str) -> bool:
    """Whether a file of an older save in the directory belongs to the predictor format (so is
    not carried over into the new save, as plots or ``validation.json`` are)."""
    return name in (CONFIG_FILE, TOKENIZER_CONFIG_FILE, TOKENIZER_FILE, VOCAB_FILE) or \
        name.endswith(".safetensors")


def save_predictor_files(directory: str | os.PathLike, model: Any, tokenizer: Any,
                         config: dict[str, Any],
                         extra_weights: dict[str, Any] | None = None) -> str:
    """Write a predictor directory: weights, tokenizer files, then ``predictor.json`` with their
    hashes; the whole directory replaces any earlier one at once (see the module docstring)."""
    def write(path: str) -> None:
        names = [WEIGHTS_FILE, *(extra_weights or {})]
        save_model_weights(model, os.path.join(path, WEIGHTS_FILE))
        for name, extra_model in (extra_weights or {}).items():
            save_model_weights(extra_model, os.path.join(path, name))
        names += list(tokenizer.save(path))
        write_json_atomic(os.path.join(path, CONFIG_FILE),
                          {**config, "files": file_records(path, names)})

    return replace_directory(directory, write, marker=CONFIG_FILE, owned=_owned, log=log)


def read_predictor_config(directory: str | os.PathLike) -> dict[str, Any]:
    """The checked ``predictor.json`` of ``directory``; errors name the file and the problem."""
    directory = os.fspath(directory)
    path = os.path.join(directory, CONFIG_FILE)
    saving = is_save_leftover(directory)
    if saving is not None:
        raise CheckpointError(f"{directory}: a temporary directory of an interrupted save of "
                              f"{saving}, not a predictor; load {saving} (the next save there "
                              "deletes this one).")
    if not os.path.isdir(directory) and not finish_interrupted_save(directory):
        raise CheckpointNotFoundError(f"{directory}: no such predictor directory.")
    if not os.path.isfile(path):
        raise CheckpointNotFoundError(
            f"{path}: missing; {directory} is not a saved predictor (or its save did not finish).")
    try:
        with open(path, encoding="utf-8") as f:
            config = json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise CheckpointError(f"{path}: corrupted, not valid JSON ({err}).") from None
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise CheckpointError(f"{path}: not a bertkit predictor config (format "
                              f"{config.get('format') if isinstance(config, dict) else None!r}).")
    version = config.get("format_version")
    if version != FORMAT_VERSION:
        raise CheckpointError(
            f"{path}: predictor format_version {version!r} is not supported; this bertkit reads "
            f"version {FORMAT_VERSION}. Upgrade bertkit (pip install -U bertkit) to load it.")
    for key in ("encoder", "head", "tokenizer", "max_len"):
        if key not in config:
            raise CheckpointError(f"{path}: the config lacks {key!r}; the file is damaged.")
    return config


def check_tokenizer(directory: str, config: dict[str, Any], tokenizer: Any) -> None:
    """The tokenizer loaded from ``directory`` has as many tokens as ``predictor.json`` says it
    had when saved, and no more than the encoder's embedding rows."""
    size = tokenizer.vocab_size
    recorded = (config.get("tokenizer") or {}).get("vocab_size")
    rows = config["encoder"].get("vocab_size")
    if recorded is None:
        recorded = rows
    if (recorded is None or size == recorded) and (rows is None or size <= rows):
        return
    name = TOKENIZER_FILE if tokenizer.mode == "tokenizer_json" else VOCAB_FILE
    raise CheckpointError(
        f"{os.path.join(directory, name)}: {size} tokens, but "
        f"{os.path.join(directory, CONFIG_FILE)} records a tokenizer of {recorded} tokens for an "
        f"encoder of {rows} embedding rows: the vocabulary is cut short or belongs to another "
        "model. Restore the vocabulary saved with this predictor, or save the predictor again.")


def encoder_from_config(directory: str, config: dict[str, Any]) -> Encoder:
    """The encoder a saved predictor was built on (weights not yet loaded)."""
    return build_encoder(config.get("encoder_family", DEFAULT_FAMILY), config["encoder"],
                         dtype=config["head"].get("dtype"), for_loading=True, name="backbone",
                         source=os.path.join(directory, CONFIG_FILE))
