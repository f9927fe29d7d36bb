"""Where a TensorFlow V2 checkpoint's files are: ``<prefix>.index`` and its data shards.

`resolve_prefix` accepts what users pass (a prefix, the ``.index`` or a ``.data-*`` file, or a
directory holding one checkpoint); `data_filename` names shard ``i`` of ``n``;
`missing_index_error` explains a missing index (a V1 checkpoint, other indexes nearby).

>>> data_filename("ckpt/bert_model.ckpt", 0, 1)
'ckpt/bert_model.ckpt.data-00000-of-00001'
>>> resolve_prefix("ckpt/bert_model.ckpt.data-00000-of-00001")
'ckpt/bert_model.ckpt'
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from bertkit.errors import CheckpointError, CheckpointNotFoundError

__all__ = ["data_filename", "missing_index_error", "resolve_prefix"]


_DATA_SUFFIX = re.compile(r"\.data-\d{5}-of-\d{5}$")


def data_filename(prefix: str, shard: int, num_shards: int) -> str:
    """The data file holding shard ``shard`` of ``num_shards``."""
    return f"{prefix}.data-{shard:05d}-of-{num_shards:05d}"


def resolve_prefix(path: str | os.PathLike) -> str:
    """The checkpoint prefix for a prefix, an ``.index``/``.data-*`` file, or a directory."""
    text = os.fspath(path)
    if os.path.isdir(text):
        indexes = sorted(Path(text).glob("*.index"))
        if len(indexes) == 1:
            return str(indexes[0])[: -len(".index")]
        if not indexes:
            raise CheckpointNotFoundError(
                f"{text}: no TensorFlow checkpoint in this directory (no *.index file; expected "
                "e.g. bert_model.ckpt.index next to bert_model.ckpt.data-00000-of-00001).")
        names = ", ".join(p.name for p in indexes)
        example = str(indexes[-1])[: -len(".index")]
        raise CheckpointError(
            f"{text}: this directory holds {len(indexes)} checkpoints ({names}); pass the prefix "
            f"of the one to read, e.g. {example!r}.")
    if text.endswith(".index"):
        return text[: -len(".index")]
    return _DATA_SUFFIX.sub("", text)


def missing_index_error(prefix: str) -> CheckpointNotFoundError:
    """The error for a missing ``<prefix>.index``, with a hint at what is there instead."""
    index_path = prefix + ".index"
    hint = ""
    if os.path.isfile(prefix):
        hint = (f" {prefix} exists as a single file: it may be a TensorFlow 1 checkpoint in the "
                "old V1 format, which bertkit does not read (re-save it with TensorFlow).")
    else:
        parent = os.path.dirname(prefix) or "."
        if os.path.isdir(parent):
            others = sorted(p.name for p in Path(parent).glob("*.index"))
            if others:
                hint = f" Checkpoint indexes in {parent}: {', '.join(others[:10])}."
        else:
            hint = f" (the directory {parent} does not exist either)"
    return CheckpointNotFoundError(
        f"{index_path} not found: no TensorFlow checkpoint with prefix {prefix!r}.{hint}")
