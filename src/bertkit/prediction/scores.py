"""Turning logits into probabilities and log-probabilities, in NumPy (prediction runs on host).

>>> softmax(np.array([[0.0, 0.0]])).tolist()
[[0.5, 0.5]]
>>> float(sigmoid(np.array(0.0)))
0.5
>>> np.round(log_softmax(np.log(np.array([0.25, 0.75]))), 4).tolist()
[-1.3863, -0.2877]
"""

from __future__ import annotations

import numpy as np


def softmax(logits: np.ndarray, axis: int = -1) -> np.ndarray:
    shifted = logits - logits.max(axis=axis, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=axis, keepdims=True)


def log_softmax(logits: np.ndarray, axis: int = -1) -> np.ndarray:
    shifted = logits - logits.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def sigmoid(logits: np.ndarray) -> np.ndarray:
    """``1 / (1 + exp(-x))`` without overflow warnings for large negative logits."""
    return np.exp(-np.logaddexp(0.0, -logits))
