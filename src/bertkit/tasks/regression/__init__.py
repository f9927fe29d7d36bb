"""Regression on texts and text pairs (pairs joined in one input, segment ids 0/1)."""

from bertkit.tasks.regression.model import TextRegressor
from bertkit.tasks.regression.predictor import (RegressionPredictor, RegressionReport,
                                                regression_report)

__all__ = ["RegressionLearner", "RegressionPredictor", "RegressionReport", "ScoredTexts",
           "TextRegressor", "regression_report"]


def __getattr__(name: str):  # the learner pulls in the training loop: load it on first use
    if name in ("RegressionLearner", "ScoredTexts"):
        from bertkit.tasks.regression import learner

        return getattr(learner, name)
    raise AttributeError(name)
