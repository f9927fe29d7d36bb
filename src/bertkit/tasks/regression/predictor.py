"""`RegressionPredictor`: a score per text or text pair, saved as a predictor directory
(``"task": "text_regression"``).

Inputs (``predict(inputs)``): texts, or ``(text, second_text)`` pairs (the older form
``predict(texts, second_texts)`` works too). Outputs: one float per input.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from bertkit.prediction.base import BasePredictor, text_pairs
from bertkit.tasks.regression.data import ScoredTexts
from bertkit.tasks.regression.metrics import RegressionReport, regression_report
from bertkit.tasks.regression.model import TextRegressor


class RegressionPredictor(BasePredictor):
    """Predicts a score per text, or per pair.

    >>> predictor.predict([("他很高兴", "他心情不错")])               # doctest: +SKIP
    [4.1]
    """

    task = "text_regression"
    model_class = TextRegressor

    def __init__(self, model: TextRegressor, tokenizer: Any, max_len: int = 128,
                 batch_size: int = 64) -> None:
        super().__init__(model, tokenizer, max_len=max_len, batch_size=batch_size)

    def predict(self, inputs: Any, second_texts: Sequence[str] | None = None) -> list[float]:
        """One score per input, in input order."""
        texts, seconds = text_pairs(inputs, second_texts)
        lengths = [len(t) + (len(seconds[i]) if seconds is not None else 0)
                   for i, t in enumerate(texts)]
        return [float(x) for x in self.run_by_length(lengths, lambda idx: np.asarray(
            self.model.predict_on_batch(self.encode_texts(texts, seconds, idx)))[:, 0])]

    def evaluate(self, examples: Any, targets: Sequence[float] | None = None,
                 second_texts: Sequence[str] | None = None) -> RegressionReport:
        """MSE, MAE, Pearson and Spearman correlation.

        ``examples``: `ScoredTexts`, ``(texts, targets[, second_texts])``, `TextExamples` or
        anything `bertkit.load_examples` reads (labels parsed as numbers); or texts, with
        ``targets`` (and ``second_texts``).
        """
        data = ScoredTexts.from_data(examples if targets is None
                                     else (examples, targets, second_texts))
        return regression_report(data.targets, self.predict(data.texts, data.second_texts))

    @classmethod
    def from_saved(cls, directory: str, config: dict[str, Any], model: Any, tokenizer: Any,
                   batch_size: int) -> "RegressionPredictor":
        return cls(model, tokenizer, max_len=config["max_len"], batch_size=batch_size)
