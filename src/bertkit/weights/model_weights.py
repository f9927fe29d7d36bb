"""Weights of any bertkit model as a safetensors file keyed by Keras variable paths."""

from __future__ import annotations

import os
from typing import Any

import keras
import numpy as np

from bertkit.errors import CheckpointError
from bertkit.weights.safetensors_io import read_safetensors, write_safetensors


def model_state(model: keras.Model) -> dict[str, np.ndarray]:
    state: dict[str, np.ndarray] = {}
    for variable in model.weights:
        if variable.path in state:
            raise CheckpointError(f"two weights share the path {variable.path!r}; "
                                  "give the layers distinct names.")
        state[variable.path] = np.asarray(keras.ops.convert_to_numpy(variable), dtype=np.float32)
    return state


def save_model_weights(model: keras.Model, path: str | os.PathLike) -> None:
    write_safetensors(path, model_state(model))


def load_model_weights(model: keras.Model, path: str | os.PathLike) -> None:
    """Set every weight of ``model`` from ``path``; any missing or misshapen weight is an error."""
    path = os.fspath(path)
    tensors = read_safetensors(path)
    expected = {v.path: v for v in model.weights}
    missing = sorted(set(expected) - set(tensors))
    unexpected = sorted(set(tensors) - set(expected))
    if missing or unexpected:
        raise CheckpointError(
            f"{path}: the weights do not fit the model described by its config "
            f"(missing: {missing[:5]}, unexpected: {unexpected[:5]}).")
    for name, variable in expected.items():
        value: Any = tensors[name]
        if tuple(value.shape) != tuple(variable.shape):
            raise CheckpointError(f"{path}: weight {name!r} has shape {tuple(value.shape)}, "
                                  f"the model expects {tuple(variable.shape)}.")
        variable.assign(value)
