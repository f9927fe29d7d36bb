"""`RegressionReport` and `regression_report`: MSE, MAE, Pearson and Spearman correlation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from bertkit.prediction.report import Report


@dataclass
class RegressionReport(Report):
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
