"""Scored texts (or text pairs) for regression, and their batches.

`ScoredTexts` checks that every target is a finite number; `RegressionBatches` gives seeded,
shuffled batches of encoded inputs with ``float32 (B, 1)`` targets.
"""

from __future__ import annotations

import math
from typing import Any

import keras
import numpy as np

from bertkit.data import TextExamples, load_examples
from bertkit.errors import DataError


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


class RegressionBatches(keras.utils.PyDataset):
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
