"""Regression on texts and text pairs (pairs joined in one input, segment ids 0/1).

- `model`: `TextRegressor`; `data`: `ScoredTexts`, `RegressionBatches`
- `learner`: `RegressionLearner`; `predictor`: `RegressionPredictor`
- `metrics`: `RegressionReport`, `regression_report` (MSE, MAE, Pearson, Spearman)
- `cli`: ``bertkit train-regression``; ``predict`` / ``evaluate`` on a regressor
"""

from bertkit.tasks.regression.data import RegressionBatches, ScoredTexts
from bertkit.tasks.regression.learner import RegressionLearner
from bertkit.tasks.regression.metrics import RegressionReport, regression_report
from bertkit.tasks.regression.model import TextRegressor
from bertkit.tasks.regression.predictor import RegressionPredictor

PREDICTOR = RegressionPredictor

__all__ = ["PREDICTOR", "RegressionBatches", "RegressionLearner", "RegressionPredictor",
           "RegressionReport", "ScoredTexts", "TextRegressor", "regression_report"]
