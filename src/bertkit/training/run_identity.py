"""What defines a training run, so that a checkpoint is only ever resumed by the same run.

A run is its settings (learning rate, epochs, schedule, batch size, steps per epoch, seed,
max_len), its model (the task model's class and head config, the encoder's family, config and
dtype policy, and a digest of the encoder's weights as the learner got them: another
``--model`` differs; a new head's random start does not count), the
task's own identity (labels, tag scheme, ...) and a fingerprint of the training data (every
text and label; for a file streamed row by row, its path, size and modification time).
`differences` names what changed, for the error that refuses to resume another run.

>>> a = {"data": fingerprint(["a", "b"]), "labels": ["neg", "pos"]}
>>> b = {"data": fingerprint(["a", "c"]), "labels": ["neg", "pos"]}
>>> differences(a, b)
['data']
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from typing import Any

import keras
import numpy as np

from bertkit.data import StreamingExamples


def _feed(digest: Any, value: Any) -> None:
    if isinstance(value, StreamingExamples):
        path = os.fspath(value.path)
        stat = os.stat(path)
        _feed(digest, ("streamed file", os.path.abspath(path), stat.st_size, stat.st_mtime_ns))
    elif isinstance(value, str):
        digest.update(b"s" + value.encode("utf-8", "surrogatepass") + b"\0")
    elif value is None or isinstance(value, (bool, int, float)):
        digest.update(f"{type(value).__name__}:{value!r}\0".encode())
    elif isinstance(value, np.ndarray):
        digest.update(f"a{value.dtype}{value.shape}".encode())
        digest.update(np.ascontiguousarray(value).tobytes())
    elif isinstance(value, dict):
        digest.update(b"{")
        for key in sorted(value, key=repr):
            _feed(digest, key)
            _feed(digest, value[key])
        digest.update(b"}")
    elif isinstance(value, list) and value and all(type(v) is str for v in value):
        digest.update(b"S[" + "\0".join(value).encode("utf-8", "surrogatepass") + b"]")
    elif isinstance(value, (list, tuple)):
        digest.update(b"[")
        for item in value:
            _feed(digest, item)
        digest.update(b"]")
    elif dataclasses.is_dataclass(value):
        _feed(digest, (type(value).__name__, dataclasses.asdict(value)))
    elif hasattr(value, "__dict__"):
        public = {k: v for k, v in vars(value).items() if not k.startswith("_")}
        _feed(digest, (type(value).__name__, public))
    else:
        _feed(digest, repr(value))


def fingerprint(value: Any) -> str:
    """A SHA-256 hex digest of ``value``'s content (texts, labels, arrays, nested examples)."""
    digest = hashlib.sha256()
    _feed(digest, value)
    return digest.hexdigest()


def weights_digest(model: keras.Model) -> str:
    """A digest of every weight of ``model`` (its starting point, before training)."""
    digest = hashlib.sha256()
    for variable in model.weights:
        digest.update(variable.path.encode())
        digest.update(np.asarray(keras.ops.convert_to_numpy(variable)).tobytes())
    return digest.hexdigest()


def differences(saved: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """The top-level keys whose values differ (or that only one side has)."""
    return sorted(k for k in set(saved) | set(current) if saved.get(k) != current.get(k))
