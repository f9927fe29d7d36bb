"""`load_backbone` / `load_tokenizer`: open any supported checkpoint by looking at its files.

Formats, detected from what the path holds:

- ``google``: Google's TF release (``bert_config.json``, ``*.ckpt.index``/``.data-*``, ``vocab.txt``)
- ``huggingface``: ``config.json`` + ``model.safetensors`` or ``pytorch_model.bin``
- ``bertkit``: a directory written by `save_backbone` (``bertkit.json``)
- ``keras``: a ``.keras`` file written by ``backbone.save(...)``
"""

from __future__ import annotations

import os
from typing import Any

from bertkit._io import finish_interrupted_save
from bertkit.backbone.backbone import BertBackbone
from bertkit.errors import CheckpointError, CheckpointNotFoundError
from bertkit.presets import resolve_model_path
from bertkit.weights.assign import LoadReport
from bertkit.weights.google import GOOGLE_CONFIG, is_google_checkpoint, load_google_checkpoint
from bertkit.weights.huggingface import is_huggingface_directory, load_huggingface
from bertkit.weights.native import (MANIFEST, is_bertkit_directory, load_bertkit_directory,
                                    read_manifest)
from bertkit.weights.native import save_backbone  # noqa: F401  (public re-export)


def detect_format(path: str | os.PathLike) -> str:
    """``"google"``, ``"huggingface"``, ``"bertkit"`` or ``"keras"`` for a model path."""
    if not os.path.exists(path):
        finish_interrupted_save(path)  # a bertkit save killed between its two renames
    path = resolve_model_path(path)
    if os.path.isfile(path):
        if path.endswith(".keras"):
            return "keras"
        if path.endswith(".index") or os.path.isfile(path + ".index"):
            return "google"
        raise CheckpointError(f"{path}: a file bertkit cannot load; pass a model directory, "
                              "a checkpoint prefix or a .keras file.")
    if not os.path.isdir(path):
        if os.path.isfile(path + ".index"):  # a checkpoint prefix such as dir/bert_model.ckpt
            return "google"
        raise CheckpointNotFoundError(f"{path}: no such file or directory.")
    if is_bertkit_directory(path):
        return "bertkit"
    if is_google_checkpoint(path):
        return "google"
    if is_huggingface_directory(path):
        return "huggingface"
    present = ", ".join(sorted(os.listdir(path))[:12]) or "nothing"
    raise CheckpointError(
        f"{path}: unknown model layout (found: {present}). bertkit reads a Google checkpoint "
        f"({GOOGLE_CONFIG} + bert_model.ckpt.index/.data-*), a Hugging Face directory "
        f"(config.json + model.safetensors or pytorch_model.bin), or a bertkit save ({MANIFEST}).")


def load_backbone(path: str | os.PathLike, dtype: Any = None,
                  return_report: bool = False) -> BertBackbone | tuple[BertBackbone, LoadReport]:
    """Load a pretrained BERT encoder from ``path`` (a directory, prefix, ``.keras`` file or preset).

    ``dtype`` is a Keras dtype policy such as ``"mixed_bfloat16"``. With ``return_report=True``
    also returns a `LoadReport` listing unused checkpoint variables and weights left at their
    initialisation. The matching tokenizer: ``load_tokenizer(path)``.

    Example:
    >>> backbone = load_backbone("all-MiniLM-L6-v2")          # doctest: +SKIP
    >>> tokenizer = load_tokenizer("all-MiniLM-L6-v2")        # doctest: +SKIP
    """
    fmt = detect_format(path)
    path = resolve_model_path(path)
    if fmt == "keras":
        import keras

        model = keras.saving.load_model(path)
        if not isinstance(model, BertBackbone):
            raise CheckpointError(f"{path}: holds a {type(model).__name__}, not a BertBackbone.")
        if dtype is not None:
            raise CheckpointError(f"{path}: dtype cannot be changed when loading a .keras file.")
        report = LoadReport(source=path, format="keras", loaded=len(model.weights))
        backbone = model
    elif fmt == "google":
        backbone, report = load_google_checkpoint(path, dtype=dtype)
    elif fmt == "huggingface":
        backbone, report = load_huggingface(path, dtype=dtype)
    else:
        backbone, report = load_bertkit_directory(path, dtype=dtype)
    return (backbone, report) if return_report else backbone


def load_tokenizer(path: str | os.PathLike, **kwargs: Any):
    """The tokenizer that belongs to the model at ``path`` (vocab.txt or tokenizer.json there).

    Keyword arguments (``lowercase``, ``mode="char"``...) override what the files say.
    """
    from bertkit.tokenization import Tokenizer

    path = resolve_model_path(path)
    directory = path if os.path.isdir(path) else os.path.dirname(path) or "."
    if is_bertkit_directory(directory):
        settings = read_manifest(directory).get("tokenizer")
        if settings is None:
            raise CheckpointNotFoundError(
                f"{directory}: this bertkit save has no tokenizer; it was saved without one.")
    return Tokenizer.from_directory(directory, **kwargs)
