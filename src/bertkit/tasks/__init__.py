"""Task models: heads on a shared `BertBackbone`."""

from bertkit.tasks.classifier import TASK_TYPES, TextClassifier
from bertkit.tasks.regression import TextRegressor  # noqa: E402  (registers its predictor)
from bertkit.tasks.tagging import TokenTagger  # noqa: E402  (registers the tagging predictor)

__all__ = ["TASK_TYPES", "TextClassifier", "TextRegressor", "TokenTagger"]
