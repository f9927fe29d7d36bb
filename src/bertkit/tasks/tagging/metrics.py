"""Entity-level precision, recall and F1 (exact typed-span match, as seqeval / conlleval).

A predicted entity counts as correct only when its start, end and type all equal a gold
entity's. Scores per type, micro-averaged (over all entities) and macro-averaged (over types).

>>> gold = [[(0, 2, "LOC"), (3, 5, "PER")]]
>>> pred = [[(0, 2, "LOC"), (3, 4, "PER")]]
>>> report = entity_report(gold, pred)
>>> round(report.micro["f1"], 3), report.per_type["LOC"]["f1"], report.per_type["PER"]["f1"]
(0.5, 1.0, 0.0)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from bertkit.prediction.report import Report


def _prf(correct: int, predicted: int, gold: int) -> dict[str, float]:
    precision = correct / predicted if predicted else 0.0
    recall = correct / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


@dataclass
class EntityReport(Report):
    """Per-type and averaged entity scores. ``per_type[t]`` has precision, recall, f1, support
    (gold entities), predicted and correct counts."""

    per_type: dict[str, dict[str, float]]
    micro: dict[str, float]
    macro: dict[str, float]
    examples: int

    @property
    def f1(self) -> float:
        """Micro-averaged F1, the usual headline figure for NER."""
        return self.micro["f1"]

    def as_dict(self) -> dict[str, Any]:
        return {"per_type": self.per_type, "micro": self.micro, "macro": self.macro,
                "examples": self.examples}

    def __str__(self) -> str:
        width = max([len(t) for t in self.per_type] + [9])
        lines = [f"{'type':<{width}}  precision  recall     f1  support"]
        rows = [*self.per_type.items(), ("micro avg", self.micro), ("macro avg", self.macro)]
        for name, s in rows:
            lines.append(f"{name:<{width}}  {s['precision']:9.4f}  {s['recall']:6.4f}  "
                         f"{s['f1']:.4f}  {int(s['support']):7d}")
        return "\n".join(lines)


def entity_report(gold: Sequence[Sequence[Sequence[Any]]],
                  predicted: Sequence[Sequence[Sequence[Any]]]) -> EntityReport:
    """Compare gold and predicted entities, one list of ``(start, end, type)`` per example
    (dicts with start/end/type work too)."""
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold examples but {len(predicted)} predicted ones.")

    def key(e: Any) -> tuple[int, int, str]:
        if isinstance(e, dict):
            return int(e["start"]), int(e["end"]), str(e["type"])
        return int(e[0]), int(e[1]), str(e[2])

    counts: dict[str, list[int]] = {}  # type -> [correct, predicted, gold]
    for g, p in zip(gold, predicted):
        gs, ps = {key(e) for e in g}, {key(e) for e in p}
        for e in gs:
            counts.setdefault(e[2], [0, 0, 0])[2] += 1
        for e in ps:
            c = counts.setdefault(e[2], [0, 0, 0])
            c[1] += 1
            c[0] += e in gs
    per_type = {t: {**_prf(*counts[t]), "support": counts[t][2], "predicted": counts[t][1],
                    "correct": counts[t][0]} for t in sorted(counts)}
    totals = [sum(c[i] for c in counts.values()) for i in range(3)]
    micro = {**_prf(*totals), "support": totals[2]}
    n = len(per_type) or 1
    macro = {m: sum(s[m] for s in per_type.values()) / n for m in ("precision", "recall", "f1")}
    macro["support"] = totals[2]
    return EntityReport(per_type, micro, macro, len(gold))
