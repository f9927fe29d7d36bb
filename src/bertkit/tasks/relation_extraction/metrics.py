"""Scores for relation extraction: micro precision/recall/F1 of exact triples, `RelationReport`.

>>> triple_scores([{("李雷", "出生地", "北京")}], [{("李雷", "出生地", "北京"), ("韩梅梅", "出生地", "上海")}])
{'precision': 1.0, 'recall': 0.5, 'f1': 0.666..., 'predicted': 1, 'gold': 2, 'correct': 1}
"""

from __future__ import annotations

import dataclasses
from typing import Any, Iterable

from bertkit.prediction.report import Report


def triple_scores(predicted: Iterable[set], gold: Iterable[set]) -> dict:
    """Micro precision/recall/F1 of ``(subject, predicate, object)`` triples, text by text."""
    n_pred = n_gold = n_right = 0
    for p, g in zip(predicted, gold):
        p, g = set(p), set(g)
        n_pred += len(p)
        n_gold += len(g)
        n_right += len(p & g)
    precision = n_right / n_pred if n_pred else 0.0
    recall = n_right / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if n_right else 0.0
    return {"precision": precision, "recall": recall, "f1": f1,
            "predicted": n_pred, "gold": n_gold, "correct": n_right}


@dataclasses.dataclass
class RelationReport(Report):
    """Micro precision, recall and F1 of ``(subject, predicate, object)`` triples."""

    precision: float
    recall: float
    f1: float
    predicted: int
    gold: int
    correct: int

    @classmethod
    def from_triples(cls, predicted: Iterable[set], gold: Iterable[set]) -> "RelationReport":
        return cls(**triple_scores(predicted, gold))

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def __str__(self) -> str:
        return (f"triples: precision {self.precision:.4f}  recall {self.recall:.4f}  F1 "
                f"{self.f1:.4f}  ({self.gold} gold, {self.predicted} predicted)")
