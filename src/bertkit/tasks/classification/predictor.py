"""`Predictor`: labels for raw texts or text pairs, from a fine-tuned `TextClassifier`.

Inputs (``predict(inputs)``): a list of texts, or of ``(text, second_text)`` pairs for a pair
classifier (the older form ``predict(texts, second_texts)`` works too). Outputs: one label per
input (a list of labels for multi-label classifiers).
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from bertkit.data import LabelMap, TextExamples, load_examples
from bertkit.errors import PredictorError
from bertkit.prediction.base import BasePredictor, text_pairs
from bertkit.prediction.scores import sigmoid, softmax
from bertkit.tasks.classification.metrics import ClassificationReport, classification_report
from bertkit.tasks.classification.model import TextClassifier


def probabilities(logits: np.ndarray, task: str) -> np.ndarray:
    """Class probabilities from a head's logits: softmax (``single_label``), one sigmoid per
    class (``multi_label``), or ``[1 - p, p]`` from a ``binary`` head's single logit.

    >>> probabilities(np.array([[0.0]]), "binary").tolist()
    [[0.5, 0.5]]
    """
    if task == "single_label":
        return softmax(logits)
    probs = sigmoid(logits)
    return np.concatenate([1.0 - probs, probs], axis=1) if task == "binary" else probs


def decide(probs: np.ndarray, names: Sequence[str], task: str, threshold: float) -> list[Any]:
    """Per row, the most probable label, or for ``multi_label`` every label at or above
    ``threshold``.

    >>> decide(np.array([[0.2, 0.8]]), ["neg", "pos"], "single_label", 0.5)
    ['pos']
    """
    if task == "multi_label":
        return [[names[j] for j in np.flatnonzero(row >= threshold)] for row in probs]
    return [names[j] for j in probs.argmax(1)]


def details(decided: Sequence[Any], probs: np.ndarray, names: Sequence[str],
            digits: int) -> list[dict[str, Any]]:
    """``{"label": ..., "probabilities": {name: p}}`` per row."""
    return [{"label": label,
             "probabilities": {n: round(float(p), digits) for n, p in zip(names, row)}}
            for label, row in zip(decided, probs)]


class Predictor(BasePredictor):
    """Predicts labels for raw texts (or text pairs).

    Example:
    >>> predictor = learner.get_predictor()                      # doctest: +SKIP
    >>> predictor.predict(["a gripping, beautifully shot film"]) # doctest: +SKIP
    ['positive']
    >>> predictor.predict_details(["dull"])                      # doctest: +SKIP
    [{'label': 'negative', 'probabilities': {'negative': 0.93, 'positive': 0.07}}]
    >>> predictor.save("my_predictor")                           # doctest: +SKIP
    >>> bertkit.load_predictor("my_predictor").predict_proba(["dull"])  # doctest: +SKIP
    """

    task = "text_classification"
    model_class = TextClassifier
    required_fields = ("labels",)

    def __init__(self, model: TextClassifier, tokenizer: Any, label_map: LabelMap,
                 max_len: int = 128, batch_size: int = 64, threshold: float = 0.5) -> None:
        if len(label_map.names) != model.num_classes:
            raise PredictorError(f"the label map has {len(label_map.names)} labels but the "
                                 f"model {model.num_classes} classes.")
        super().__init__(model, tokenizer, max_len=max_len, batch_size=batch_size)
        self.label_map = label_map
        self.threshold = threshold

    @property
    def labels(self) -> list[str]:
        return list(self.label_map.names)

    # ---- prediction ------------------------------------------------------------------------
    def _logits(self, texts: list[str], second_texts: list[str] | None) -> np.ndarray:
        width = 1 if self.model.task == "binary" else self.model.num_classes
        if not texts:
            return np.zeros((0, width), np.float32)
        lengths = [len(t) + (len(second_texts[i]) if second_texts else 0)
                   for i, t in enumerate(texts)]
        rows = self.run_by_length(lengths, lambda idx: np.asarray(
            self.model.predict_on_batch(self.encode_texts(texts, second_texts, idx)),
            np.float32))
        return np.stack(rows)

    def predict_proba(self, inputs: Any, second_texts: Sequence[str] | None = None
                      ) -> np.ndarray:
        """Class probabilities, shape ``(len(inputs), num_labels)``, columns in `labels` order."""
        return probabilities(self._logits(*text_pairs(inputs, second_texts)), self.model.task)

    def _decide(self, probs: np.ndarray) -> list[Any]:
        return decide(probs, self.labels, self.model.task, self.threshold)

    def predict(self, inputs: Any, second_texts: Sequence[str] | None = None) -> list[Any]:
        """Predicted label per input (a list of labels per input for multi-label tasks)."""
        return self._decide(self.predict_proba(inputs, second_texts))

    def predict_details(self, inputs: Any, second_texts: Sequence[str] | None = None,
                        digits: int = 6) -> list[dict[str, Any]]:
        """Per input, ``{"label": ..., "probabilities": {label: p}}``."""
        probs = self.predict_proba(inputs, second_texts)
        return details(self._decide(probs), probs, self.labels, digits)

    def evaluate(self, examples: Any, labels: Sequence[Any] | None = None,
                 second_texts: Sequence[str] | None = None) -> ClassificationReport:
        """Accuracy, per-class precision/recall/F1 and the confusion matrix on labelled texts.

        ``examples``: `TextExamples` or anything `bertkit.load_examples` reads (a file, a
        DataFrame, ``(texts, labels)``); or texts, with ``labels`` (and ``second_texts``).
        """
        if labels is None:
            data = examples if isinstance(examples, TextExamples) else load_examples(examples)
            if data.labels is None:
                raise PredictorError("the evaluation data has no labels.")
            examples, labels, second_texts = data.texts, data.labels, data.second_texts
        probs = self.predict_proba(examples, second_texts)
        truth = self.label_map.encode(labels)
        if self.label_map.multi_label:
            predicted = (probs >= self.threshold).astype(np.int64)
        else:
            predicted = probs.argmax(1)
        return classification_report(truth, predicted, self.labels)

    # ---- saving ----------------------------------------------------------------------------
    def task_fields(self) -> dict[str, Any]:
        return {"labels": self.label_map.to_dict(), "threshold": self.threshold}

    @classmethod
    def from_saved(cls, directory: str, config: dict[str, Any], model: Any, tokenizer: Any,
                   batch_size: int) -> "Predictor":
        return cls(model, tokenizer, LabelMap.from_dict(config["labels"]),
                   max_len=config["max_len"], batch_size=batch_size,
                   threshold=config.get("threshold", 0.5))
