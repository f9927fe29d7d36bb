"""Task models: heads on a shared `BertBackbone`."""

from bertkit.tasks.classifier import TASK_TYPES, TextClassifier
from bertkit.tasks.hierarchy import Hierarchy
from bertkit.tasks.multi_head import MultiHeadClassifier

__all__ = ["TASK_TYPES", "Hierarchy", "MultiHeadClassifier", "TextClassifier"]

# Task predictors register their loaders with `bertkit.load_predictor` on import.
from bertkit.prediction import multi_head as _multi_head_predictor  # noqa: E402,F401
