"""`RegressionLearner`: fine-tune a `TextRegressor` on scored texts or text pairs.

>>> learner = RegressionLearner.for_regression("all-MiniLM-L6-v2", (firsts, scores, seconds))
...                                                                     # doctest: +SKIP
>>> learner.fit(5e-5, epochs=2); learner.validate()                   # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

import numpy as np

from bertkit.errors import TrainingError
from bertkit.pretrained import load_backbone, load_tokenizer
from bertkit.tasks.regression.data import RegressionBatches, ScoredTexts
from bertkit.tasks.regression.model import TextRegressor
from bertkit.tasks.regression.predictor import RegressionPredictor
from bertkit.training.base import BaseLearner, _FitBatches
from bertkit.training.seeding import seed_everything


class RegressionLearner(BaseLearner):
    """Trains a `TextRegressor` (MSE) on scored texts or pairs; `validate` reports MSE, MAE,
    Pearson and Spearman. The head's bias starts at the mean training target."""

    def __init__(self, model: TextRegressor, tokenizer: Any, train_data: Any,
                 valid_data: Any = None, **kwargs: Any) -> None:
        super().__init__(model, tokenizer, **kwargs)
        self.train_data = ScoredTexts.from_data(train_data)
        self.valid_data = (ScoredTexts.from_data(valid_data) if valid_data is not None
                           else None)
        if len(self.train_data) == 0:
            raise TrainingError("the regression training data is empty.")
        model.head.bias.assign(np.array([self.train_data.targets.mean()], np.float32))

    @classmethod
    def for_regression(cls, model_path: str, train_data: Any, valid_data: Any = None, *,
                       pooling: str = "pooled", dropout: float = 0.1, dtype: Any = None,
                       **kwargs: Any) -> "RegressionLearner":
        """Load a pretrained encoder and its tokenizer and put a regression head on it."""
        seed_everything(kwargs.get("seed", 0))  # the new head and dropout: reproducible
        model = TextRegressor(load_backbone(model_path, dtype=dtype), pooling=pooling,
                              dropout=dropout, name="text_regressor")
        return cls(model, load_tokenizer(model_path), train_data, valid_data, **kwargs)

    def _batches(self, data: Any, training: bool) -> _FitBatches:
        return _FitBatches(RegressionBatches(
            data, self.tokenizer, self.batch_size if training else self.eval_batch_size,
            self.max_len, shuffle=training, seed=self.seed))

    def _examples(self, data: Any) -> ScoredTexts:
        return ScoredTexts.from_data(data)

    def get_predictor(self, batch_size: int | None = None) -> RegressionPredictor:
        return RegressionPredictor(self.model, self.tokenizer, max_len=self.max_len,
                                   batch_size=batch_size or self.eval_batch_size)
