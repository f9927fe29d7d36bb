"""Scores for span extraction: exact match and character F1, and `SpanReport`.

Character F1 is the CMRC 2018 / SQuAD-for-Chinese measure: the overlap of the predicted and the
gold answer counted in characters (whitespace ignored), best over the gold answers. An empty
prediction ("no answer") scores 1 against an example without answers and 0 otherwise.

>>> char_f1("北京大学", ["北京"])
0.666...
>>> span_scores(["北京", ""], [["北京"], []])
{'exact_match': 1.0, 'char_f1': 1.0, 'examples': 2}
>>> print(SpanReport.from_predictions(["北京", ""], [["北京"], []]))
exact match 1.0000  char F1 1.0000  (2 examples)
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from typing import Any, Sequence

from bertkit.prediction.report import Report


def _chars(text: str) -> list[str]:
    return [c for c in text if not c.isspace()]


def exact_match(prediction: str, answers: Sequence[str]) -> float:
    """1.0 when the prediction equals one of the gold answers (whitespace-trimmed)."""
    if not answers:
        return float(prediction.strip() == "")
    return float(any(prediction.strip() == a.strip() for a in answers))


def char_f1(prediction: str, answers: Sequence[str]) -> float:
    """Best character-overlap F1 of ``prediction`` against the gold ``answers``."""
    if not answers:
        return float(prediction.strip() == "")
    best = 0.0
    predicted = _chars(prediction)
    for answer in answers:
        gold = _chars(answer)
        common = sum((Counter(predicted) & Counter(gold)).values())
        if common == 0:
            continue
        precision, recall = common / len(predicted), common / len(gold)
        best = max(best, 2 * precision * recall / (precision + recall))
    return best


def span_scores(predictions: Sequence[str], answers: Sequence[Sequence[str]]) -> dict:
    """Mean exact match and character F1 over examples (``answers[i]`` may be empty)."""
    if len(predictions) != len(answers):
        raise ValueError(f"{len(predictions)} predictions for {len(answers)} examples.")
    n = len(predictions)
    em = sum(exact_match(p, a) for p, a in zip(predictions, answers))
    f1 = sum(char_f1(p, a) for p, a in zip(predictions, answers))
    return {"exact_match": em / n if n else 0.0, "char_f1": f1 / n if n else 0.0,
            "examples": n}


@dataclasses.dataclass
class SpanReport(Report):
    """Mean exact match and character F1 of predicted answers (see `span_scores`)."""

    exact_match: float
    char_f1: float
    examples: int

    @classmethod
    def from_predictions(cls, predictions: Sequence[str],
                         answers: Sequence[Sequence[str]]) -> "SpanReport":
        return cls(**span_scores(predictions, answers))

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def __str__(self) -> str:
        return (f"exact match {self.exact_match:.4f}  char F1 {self.char_f1:.4f}  "
                f"({self.examples} examples)")
