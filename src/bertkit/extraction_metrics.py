"""Scores for extraction: exact match and character F1 for spans, triple precision/recall/F1.

Character F1 is the CMRC 2018 / SQuAD-for-Chinese measure: the overlap of the predicted and the
gold answer counted in characters (whitespace ignored), best over the gold answers. An empty
prediction ("no answer") scores 1 against an example without answers and 0 otherwise.

>>> char_f1("北京大学", ["北京"])
0.666...
>>> span_scores(["北京", ""], [["北京"], []])
{'exact_match': 1.0, 'char_f1': 1.0, 'examples': 2}
>>> triple_scores([{("李雷", "出生地", "北京")}], [{("李雷", "出生地", "北京"), ("韩梅梅", "出生地", "上海")}])
{'precision': 1.0, 'recall': 0.5, 'f1': 0.666..., 'predicted': 1, 'gold': 2, 'correct': 1}
"""

from __future__ import annotations

from collections import Counter
from typing import Iterable, Sequence


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
