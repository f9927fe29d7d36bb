"""`MultiHeadReport`: one `ClassificationReport` per head, and how often the unconstrained
model would contradict the label hierarchy."""

from __future__ import annotations

import dataclasses
import os
from typing import Any

import numpy as np

from bertkit.prediction.report import Report
from bertkit.tasks.classification.metrics import ClassificationReport


@dataclasses.dataclass
class MultiHeadReport(Report):
    """One `ClassificationReport` per head (on the texts labelled for it) and, for each child
    head of a hierarchy, how often the unconstrained model's argmax contradicted its parent."""

    reports: dict[str, ClassificationReport]
    inconsistency: dict[str, dict[str, Any]]

    def __getitem__(self, head: str) -> ClassificationReport:  # type: ignore[override]
        return self.reports[head]

    def as_dict(self) -> dict[str, Any]:
        return {"heads": {head: report.as_dict() for head, report in self.reports.items()},
                "hierarchy_inconsistency_without_masking": self.inconsistency}

    def plot(self, directory: str | os.PathLike, stem: str = "confusion_matrix",
             ext: str = ".png") -> list[str]:
        """``<stem>_<head><ext>`` in ``directory`` for every head."""
        paths = []
        for head, report in self.reports.items():
            paths += report.plot(os.fspath(directory), f"{stem}_{head}{ext}", title=(
                f"{head}: accuracy {report.accuracy:.3f}, macro F1 {report.macro_f1:.3f}"))
        return paths

    def __str__(self) -> str:
        parts = []
        for head, report in self.reports.items():
            support = int(np.asarray(report.support).sum()) if report.confusion.ndim == 2 else None
            count = f" ({support} labelled texts)" if support is not None else ""
            parts.append(f"=== head {head!r}{count} ===\n{report}")
        for child, row in self.inconsistency.items():
            parts.append(
                f"hierarchy {row['parent']} -> {child}: without masking, {row['inconsistent']} "
                f"of {row['total']} predictions ({100 * row['rate']:.1f}%) would put a {child} "
                f"outside the predicted {row['parent']}; predictions are masked, so none do.")
        return "\n\n".join(parts)
