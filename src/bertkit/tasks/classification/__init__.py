"""Text classification: single-label, binary and multi-label, of texts or text pairs.

- `model`: `TextClassifier` (a pooled encoder and a dense head; `TASK_TYPES`)
- `learner`: `Learner` (``Learner.for_classification(model_path, train, valid)``)
- `predictor`: `Predictor` (``predict``, ``predict_proba``, ``predict_details``, ``evaluate``)
- `metrics`: `ClassificationReport`, `classification_report`, `plot_confusion_matrix`
- `cli`: ``bertkit train``; ``predict`` / ``evaluate`` on a classifier

>>> train, valid = bertkit.load_examples("reviews.csv").split(0.1)             # doctest: +SKIP
>>> learner = Learner.for_classification("all-MiniLM-L6-v2", train, valid)      # doctest: +SKIP
>>> learner.fit(5e-5, epochs=2); learner.get_predictor().save("my_predictor")   # doctest: +SKIP
"""

from bertkit.tasks.classification.learner import Learner
from bertkit.tasks.classification.metrics import (ClassificationReport, classification_report,
                                                  plot_confusion_matrix)
from bertkit.tasks.classification.model import TASK_TYPES, TextClassifier
from bertkit.tasks.classification.predictor import Predictor

#: the predictor class of this task (the task registry's entry point)
PREDICTOR = Predictor

__all__ = ["ClassificationReport", "Learner", "PREDICTOR", "Predictor", "TASK_TYPES",
           "TextClassifier", "classification_report", "plot_confusion_matrix"]
