"""Task models: heads on a shared `BertBackbone`."""

from bertkit.tasks.classifier import TASK_TYPES, TextClassifier

__all__ = ["TASK_TYPES", "TextClassifier"]
