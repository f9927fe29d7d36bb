"""`RegressionLearner`: fine-tune a `TextRegressor` on scored texts or text pairs.

>>> learner = RegressionLearner.for_regression("all-MiniLM-L6-v2", (firsts, scores, seconds))
...                                                                     # doctest: +SKIP
>>> learner.fit(5e-5, epochs=2); learner.validate()                   # doctest: +SKIP
"""

from __future__ import annotations

import math
from typing import Any

import keras
import numpy as np

from bertkit.data import DataError, TextExamples, load_examples
from bertkit.errors import BertkitError
from bertkit.tasks.regression.model import TextRegressor
from bertkit.tasks.regression.predictor import RegressionPredictor, RegressionReport
from bertkit.training.base import BaseLearner, _FitBatches


class ScoredTexts:
    """Texts (optionally pairs) with float targets; targets are checked to be finite numbers."""

    def __init__(self, texts: list[str], targets: Any, second_texts: list[str] | None = None,
                 sources: list[str] | None = None) -> None:
        self.texts, self.second_texts = list(texts), (
            None if second_texts is None else list(second_texts))
        values = []
        for i, value in enumerate(targets):
            try:
                number = float(value)
            except (TypeError, ValueError):
                number = math.nan
            if not math.isfinite(number):
                where = sources[i] if sources else f"example {i}"
                raise DataError(f"{where}: the target {value!r} is not a finite number; "
                                "regression needs a numeric score per text.")
            values.append(number)
        self.targets = np.array(values, np.float32)
        if len(self.targets) != len(self.texts) or (
                self.second_texts is not None and len(self.second_texts) != len(self.texts)):
            raise DataError(f"{len(self.texts)} texts, {len(self.targets)} targets and "
                            f"{len(self.second_texts or [])} second texts: give one of each.")

    def __len__(self) -> int:
        return len(self.texts)

    @classmethod
    def from_data(cls, data: Any) -> "ScoredTexts":
        """From ``(texts, targets)``, ``(texts, targets, second_texts)``, `TextExamples` (labels
        parsed as numbers) or anything `bertkit.load_examples` reads."""
        if isinstance(data, ScoredTexts):
            return data
        if isinstance(data, tuple) and len(data) in (2, 3):
            return cls(*data)
        examples = data if isinstance(data, TextExamples) else load_examples(data)
        if examples.labels is None:
            raise DataError("the regression data has no targets (label column).")
        return cls(examples.texts, examples.labels, examples.second_texts)


class _RegressionBatches(keras.utils.PyDataset):
    def __init__(self, data: ScoredTexts, tokenizer: Any, batch_size: int, max_len: int,
                 shuffle: bool, seed: int) -> None:
        super().__init__()
        self.data, self.tokenizer = data, tokenizer
        self.batch_size, self.max_len, self.shuffle, self.seed = (batch_size, max_len, shuffle,
                                                                  seed)
        second = data.second_texts
        self.lengths = np.array([len(t) + (len(second[i]) if second else 0)
                                 for i, t in enumerate(data.texts)])
        self.set_epoch(0)

    def set_epoch(self, epoch: int) -> None:
        n = len(self.data)
        order = (np.random.default_rng([self.seed, epoch]).permutation(n) if self.shuffle
                 else np.arange(n))
        self._batches = [order[i:i + self.batch_size] for i in range(0, n, self.batch_size)]

    def __len__(self) -> int:
        return len(self._batches)

    def __getitem__(self, index: int) -> Any:
        idx = self._batches[index]
        second = self.data.second_texts
        enc = self.tokenizer.encode_batch(
            [self.data.texts[i] for i in idx],
            second=None if second is None else [second[i] for i in idx], max_len=self.max_len)
        return enc.model_inputs(), self.data.targets[idx].reshape(-1, 1)

    def on_epoch_end(self) -> None:
        pass


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
            raise BertkitError("the regression training data is empty.")
        model.head.bias.assign(np.array([self.train_data.targets.mean()], np.float32))

    @classmethod
    def for_regression(cls, model_path: str, train_data: Any, valid_data: Any = None, *,
                       pooling: str = "pooled", dropout: float = 0.1, dtype: Any = None,
                       **kwargs: Any) -> "RegressionLearner":
        """Load a pretrained encoder and its tokenizer and put a regression head on it."""
        from bertkit.pretrained import load_backbone, load_tokenizer

        model = TextRegressor(load_backbone(model_path, dtype=dtype), pooling=pooling,
                              dropout=dropout, name="text_regressor")
        return cls(model, load_tokenizer(model_path), train_data, valid_data, **kwargs)

    def _batches(self, data: Any, training: bool) -> _FitBatches:
        return _FitBatches(_RegressionBatches(
            data, self.tokenizer, self.batch_size if training else self.eval_batch_size,
            self.max_len, shuffle=training, seed=self.seed))

    def validate(self, data: Any = None, *, print_report: bool = True) -> RegressionReport:
        data = self.valid_data if data is None else ScoredTexts.from_data(data)
        if data is None:
            raise BertkitError("no validation data: pass data to validate, or valid_data to "
                               "the learner.")
        report = self.get_predictor().evaluate(data.texts, data.targets, data.second_texts)
        if print_report:
            print(report)
        return report

    def get_predictor(self, batch_size: int | None = None) -> RegressionPredictor:
        return RegressionPredictor(self.model, self.tokenizer, max_len=self.max_len,
                                   batch_size=batch_size or self.eval_batch_size)
