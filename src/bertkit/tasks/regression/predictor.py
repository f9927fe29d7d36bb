"""`RegressionPredictor`: scores for texts or text pairs, saved as a predictor directory
(``"task": "text_regression"``), and `regression_report` (MSE, MAE, Pearson, Spearman)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from bertkit.prediction.predictor import (WEIGHTS_FILE, predictor_config,
                                          backbone_from_predictor_config,
                                          register_predictor_loader, save_predictor_files)
from bertkit.prediction.saving import load_model_weights
from bertkit.tasks.regression.model import TextRegressor

TASK = "text_regression"


@dataclass
class RegressionReport:
    mse: float
    mae: float
    pearson: float
    spearman: float
    n: int

    def as_dict(self) -> dict[str, float]:
        return {"mse": self.mse, "mae": self.mae, "pearson": self.pearson,
                "spearman": self.spearman, "n": self.n}

    def __str__(self) -> str:
        return (f"n={self.n}  MSE {self.mse:.4f}  MAE {self.mae:.4f}  Pearson {self.pearson:.4f}"
                f"  Spearman {self.spearman:.4f}")


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    if len(a) < 2 or a.std() == 0 or b.std() == 0:
        return 0.0
    return float(np.corrcoef(a, b)[0, 1])


def _ranks(x: np.ndarray) -> np.ndarray:
    order = np.argsort(x, kind="stable")
    ranks = np.empty(len(x))
    ranks[order] = np.arange(len(x))
    for value in np.unique(x):  # ties share their mean rank
        tied = x == value
        ranks[tied] = ranks[tied].mean()
    return ranks


def regression_report(truth: Sequence[float], predicted: Sequence[float]) -> RegressionReport:
    """MSE, MAE, Pearson and Spearman correlation.

    >>> str(regression_report([1.0, 2.0, 3.0], [1.0, 2.5, 2.9]))
    'n=3  MSE 0.0867  MAE 0.2000  Pearson 0.9484  Spearman 1.0000'
    """
    t, p = np.asarray(truth, np.float64), np.asarray(predicted, np.float64)
    if t.shape != p.shape:
        raise ValueError(f"{len(t)} true values but {len(p)} predictions.")
    return RegressionReport(float(np.mean((t - p) ** 2)), float(np.mean(np.abs(t - p))),
                            _pearson(t, p), _pearson(_ranks(t), _ranks(p)), len(t))


class RegressionPredictor:
    """Predicts a score per text, or per pair: ``predict(texts, second_texts)``.

    >>> predictor.predict(["他很高兴"], ["他心情不错"])               # doctest: +SKIP
    array([4.1], dtype=float32)
    """

    task = TASK

    def __init__(self, model: TextRegressor, tokenizer: Any, max_len: int = 128,
                 batch_size: int = 64) -> None:
        self.model, self.tokenizer = model, tokenizer
        self.max_len, self.batch_size = max_len, batch_size

    def predict(self, texts: Sequence[str],
                second_texts: Sequence[str] | None = None) -> np.ndarray:
        """``float32 (len(texts),)`` scores, in input order."""
        if isinstance(texts, str):
            raise TypeError("predict takes a list of texts; wrap a single text in a list.")
        texts = list(texts)
        if second_texts is not None and len(second_texts) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(second_texts)} second texts.")
        lengths = [len(t) + (len(second_texts[i]) if second_texts is not None else 0)
                   for i, t in enumerate(texts)]
        order = np.argsort(lengths, kind="stable")[::-1]
        out = np.zeros(len(texts), np.float32)
        for start in range(0, len(texts), self.batch_size):
            idx = order[start:start + self.batch_size]
            batch = self.tokenizer.encode_batch(
                [texts[i] for i in idx],
                second=None if second_texts is None else [second_texts[i] for i in idx],
                max_len=self.max_len)
            out[idx] = np.asarray(self.model.predict_on_batch(batch.model_inputs()))[:, 0]
        return out

    def evaluate(self, texts: Sequence[str], targets: Sequence[float],
                 second_texts: Sequence[str] | None = None) -> RegressionReport:
        return regression_report(targets, self.predict(texts, second_texts))

    def get_config(self) -> dict[str, Any]:
        return predictor_config(
            TASK, self.model, self.tokenizer, max_len=self.max_len, batch_size=self.batch_size,
            head={"pooling": self.model.pooling, "dropout": self.model.dropout})

    def save(self, directory: str | os.PathLike) -> str:
        return save_predictor_files(directory, self.model, self.tokenizer, self.get_config())


def _load_regression(directory: str, config: dict[str, Any],
                     batch_size: int | None) -> RegressionPredictor:
    from bertkit.tokenization import Tokenizer

    head = config["head"]
    model = TextRegressor(backbone_from_predictor_config(directory, config),
                          pooling=head["pooling"], dropout=head["dropout"])
    load_model_weights(model, os.path.join(directory, WEIGHTS_FILE))
    return RegressionPredictor(model, Tokenizer.from_directory(directory),
                               max_len=config["max_len"],
                               batch_size=batch_size or config.get("batch_size", 64))


register_predictor_loader(TASK, _load_regression)
