"""Classification metrics in NumPy: `ClassificationReport` (printed as a table, JSON-able) and the
confusion-matrix plot."""

from __future__ import annotations

import dataclasses
import os
from typing import Sequence

import numpy as np

from bertkit.plotting import cjk_fonts
from bertkit.prediction.report import Report


@dataclasses.dataclass
class ClassificationReport(Report):
    """Accuracy, per-class precision/recall/F1/support, macro and micro F1, confusion matrix.

    For multi-label tasks ``accuracy`` is the exact-match (subset) accuracy and the confusion
    matrix is one 2x2 table per class, shape ``(C, 2, 2)``.
    """

    labels: list[str]
    accuracy: float
    precision: np.ndarray
    recall: np.ndarray
    f1: np.ndarray
    support: np.ndarray
    macro_f1: float
    micro_f1: float
    confusion: np.ndarray

    def as_dict(self) -> dict:
        return {
            "accuracy": self.accuracy, "macro_f1": self.macro_f1, "micro_f1": self.micro_f1,
            "per_class": {name: {"precision": float(p), "recall": float(r), "f1": float(f),
                                 "support": int(s)}
                          for name, p, r, f, s in zip(self.labels, self.precision, self.recall,
                                                      self.f1, self.support)},
            "confusion_matrix": self.confusion.tolist(),
        }

    def __str__(self) -> str:
        width = max(12, *(len(name) for name in self.labels)) + 2
        lines = [f"{'':{width}s}{'precision':>10s}{'recall':>10s}{'f1':>10s}{'support':>10s}"]
        for name, p, r, f, s in zip(self.labels, self.precision, self.recall, self.f1,
                                    self.support):
            lines.append(f"{name:{width}s}{p:10.4f}{r:10.4f}{f:10.4f}{int(s):10d}")
        lines.append("")
        lines.append(f"{'accuracy':{width}s}{self.accuracy:10.4f}")
        lines.append(f"{'macro f1':{width}s}{self.macro_f1:10.4f}")
        lines.append(f"{'micro f1':{width}s}{self.micro_f1:10.4f}")
        if self.confusion.ndim == 2:
            lines.append("")
            lines.append("confusion matrix (rows: true, columns: predicted)")
            cell = max(6, max(len(str(int(v))) for v in self.confusion.flat) + 1,
                       min(12, max(len(name) for name in self.labels) + 1))
            short = [name[:cell - 1] for name in self.labels]
            lines.append(" " * width + "".join(f"{n:>{cell}s}" for n in short))
            for name, row in zip(self.labels, self.confusion):
                lines.append(f"{name:{width}s}" + "".join(f"{int(v):{cell}d}" for v in row))
        return "\n".join(lines)

    def plot(self, directory: str, name: str = "confusion_matrix.png",
             title: str = "") -> list[str]:
        """Save the confusion matrix as ``directory/name``."""
        os.makedirs(directory, exist_ok=True)
        return [plot_confusion_matrix(self, os.path.join(directory, name), title=title)]


def _prf(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> tuple[np.ndarray, ...]:
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(tp + fp > 0, tp / np.maximum(tp + fp, 1), 0.0)
        recall = np.where(tp + fn > 0, tp / np.maximum(tp + fn, 1), 0.0)
        f1 = np.where(precision + recall > 0,
                      2 * precision * recall / np.maximum(precision + recall, 1e-12), 0.0)
    return precision, recall, f1


def classification_report(y_true: np.ndarray, y_pred: np.ndarray,
                          labels: Sequence[str]) -> ClassificationReport:
    """Report for class ids ``(N,)`` (single-label) or multi-hot ``(N, C)`` (multi-label)."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    num = len(labels)
    if y_true.ndim == 1:
        confusion = np.zeros((num, num), dtype=np.int64)
        np.add.at(confusion, (y_true.astype(int), y_pred.astype(int)), 1)
        tp = np.diag(confusion).astype(float)
        fp = confusion.sum(0) - tp
        fn = confusion.sum(1) - tp
        accuracy = float(tp.sum() / max(len(y_true), 1))
        support = confusion.sum(1)
    else:
        t, p = y_true.astype(bool), y_pred.astype(bool)
        tp = (t & p).sum(0).astype(float)
        fp = (~t & p).sum(0).astype(float)
        fn = (t & ~p).sum(0).astype(float)
        tn = (~t & ~p).sum(0).astype(float)
        confusion = np.stack([np.stack([tn, fp], -1), np.stack([fn, tp], -1)], 1).astype(np.int64)
        accuracy = float((t == p).all(1).mean()) if len(t) else 0.0
        support = t.sum(0)
    precision, recall, f1 = _prf(tp, fp, fn)
    _, _, micro = _prf(tp.sum(keepdims=True), fp.sum(keepdims=True), fn.sum(keepdims=True))
    return ClassificationReport(labels=list(labels), accuracy=accuracy, precision=precision,
                                recall=recall, f1=f1, support=support,
                                macro_f1=float(f1.mean()), micro_f1=float(micro[0]),
                                confusion=confusion)


def plot_confusion_matrix(report: ClassificationReport, path: str, title: str = "") -> str:
    """Save the confusion matrix as a PNG (counts, row-normalised colours); Chinese labels are
    drawn with a CJK font where one is installed (`bertkit.plotting.cjk_fonts`)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    matrix = report.confusion
    if matrix.ndim == 3:  # multi-label: show per-class TP/FN/FP as a (C, 3) table
        matrix = np.stack([matrix[:, 1, 1], matrix[:, 1, 0], matrix[:, 0, 1]], 1)
        columns = ["TP", "FN", "FP"]
    else:
        columns = report.labels
    size = max(4.0, 0.6 * len(report.labels) + 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        shade = matrix / np.maximum(matrix.sum(1, keepdims=True), 1)
    with cjk_fonts():
        fig, ax = plt.subplots(figsize=(max(size, 0.6 * len(columns) + 2), size))
        ax.imshow(shade, cmap="Blues", vmin=0, vmax=1)
        ax.set_xticks(range(len(columns)), columns, rotation=45, ha="right")
        ax.set_yticks(range(len(report.labels)), report.labels)
        ax.set_xlabel("predicted" if matrix.shape[1] == len(report.labels) else "")
        ax.set_ylabel("true")
        for (i, j), value in np.ndenumerate(matrix):
            ax.text(j, i, str(int(value)), ha="center", va="center",
                    color="white" if shade[i, j] > 0.6 else "black", fontsize=9)
        ax.set_title(title or f"accuracy {report.accuracy:.3f}, macro F1 {report.macro_f1:.3f}")
        try:
            fig.tight_layout()
            fig.savefig(path, dpi=120)
        finally:
            plt.close(fig)
    return path
