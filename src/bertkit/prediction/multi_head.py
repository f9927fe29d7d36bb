"""`MultiHeadPredictor`: every head's label and probabilities per text; hierarchy-consistent.

Saved like the single-head `Predictor` (``predictor.json`` with ``"task":
"multi_head_classification"``, ``model.safetensors``, tokenizer files) and loaded with
``bertkit.load_predictor(directory)``.

>>> predictor = learner.get_predictor()                                   # doctest: +SKIP
>>> predictor.predict(["国足晋级世界杯"])                                   # doctest: +SKIP
[{'group': '文体', 'category': '体育', 'sentiment': '正面'}]
>>> predictor.predict_details(["国足晋级世界杯"])[0]["category"]["probabilities"]  # doctest: +SKIP
{'体育': 0.97, ...}
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any, Mapping, Sequence

import numpy as np

from bertkit.data import LabelMap
from bertkit.data.multi_head import encode_targets
from bertkit.errors import CheckpointError
from bertkit.evaluation import ClassificationReport, classification_report
from bertkit.prediction.predictor import (
    CONFIG_FILE, WEIGHTS_FILE, predictor_config, _sigmoid, _softmax,
    backbone_from_predictor_config, register_predictor_loader, save_predictor_files)
from bertkit.prediction.saving import load_model_weights
from bertkit.tasks.hierarchy import Hierarchy
from bertkit.tasks.multi_head import MultiHeadClassifier

TASK = "multi_head_classification"


@dataclasses.dataclass
class MultiHeadReport:
    """One `ClassificationReport` per head (on the texts labelled for it) and, for each child
    head of a hierarchy, how often the unconstrained model's argmax contradicted its parent."""

    reports: dict[str, ClassificationReport]
    inconsistency: dict[str, dict[str, Any]]

    def __getitem__(self, head: str) -> ClassificationReport:
        return self.reports[head]

    def as_dict(self) -> dict[str, Any]:
        return {"heads": {head: report.as_dict() for head, report in self.reports.items()},
                "hierarchy_inconsistency_without_masking": self.inconsistency}

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


class MultiHeadPredictor:
    """Predicts all heads of a `MultiHeadClassifier` for raw texts (or text pairs).

    Args:
        model: the multi-head model.
        tokenizer: its tokenizer.
        label_maps: ``{head: LabelMap}``, one per head of the model.
        hierarchy: a `Hierarchy`, or its dict form ``{child: (parent, {child_label:
            parent_label})}``; child predictions are then limited to the children of the
            predicted parent.
        threshold: the probability at which a multi-label head predicts a label.
    """

    task = TASK

    def __init__(self, model: MultiHeadClassifier, tokenizer: Any,
                 label_maps: Mapping[str, LabelMap], hierarchy: Any = None, max_len: int = 128,
                 batch_size: int = 64, threshold: float = 0.5) -> None:
        if set(label_maps) != set(model.heads):
            raise ValueError(f"label maps for {sorted(label_maps)} but the model's heads are "
                             f"{sorted(model.heads)}.")
        for head, spec in model.heads.items():
            if len(label_maps[head].names) != spec["num_classes"]:
                raise ValueError(f"head {head!r}: the label map has "
                                 f"{len(label_maps[head].names)} labels, the model "
                                 f"{spec['num_classes']} classes.")
        self.model = model
        self.tokenizer = tokenizer
        self.label_maps = {head: label_maps[head] for head in model.heads}
        if hierarchy is not None and not isinstance(hierarchy, Hierarchy):
            hierarchy = Hierarchy(hierarchy, self.label_maps)
        self.hierarchy: Hierarchy | None = hierarchy
        self.max_len = max_len
        self.batch_size = batch_size
        self.threshold = threshold

    @property
    def heads(self) -> list[str]:
        return list(self.model.heads)

    @property
    def labels(self) -> dict[str, list[str]]:
        """``{head: label names}`` (column order of the probabilities)."""
        return {head: list(m.names) for head, m in self.label_maps.items()}

    # ---- prediction ------------------------------------------------------------------------
    def _logits(self, texts: Sequence[str], second_texts: Sequence[str] | None
                ) -> dict[str, np.ndarray]:
        if isinstance(texts, str):
            raise TypeError("predict takes a list of texts; wrap a single text in a list.")
        texts = list(texts)
        if second_texts is not None and len(second_texts) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(second_texts)} second texts.")
        widths = {head: 1 if spec["task"] == "binary" else spec["num_classes"]
                  for head, spec in self.model.heads.items()}
        out = {head: np.zeros((len(texts), w), np.float32) for head, w in widths.items()}
        lengths = [len(t) + (len(second_texts[i]) if second_texts else 0)
                   for i, t in enumerate(texts)]
        order = np.argsort(lengths, kind="stable")[::-1]
        for start in range(0, len(texts), self.batch_size):
            idx = order[start:start + self.batch_size]
            batch = self.tokenizer.encode_batch(
                [texts[i] for i in idx],
                second=[second_texts[i] for i in idx] if second_texts is not None else None,
                max_len=self.max_len)
            logits = self.model.predict_on_batch(batch.model_inputs())
            for head in out:
                out[head][idx] = np.asarray(logits[head], dtype=np.float32)
        return out

    def _raw_proba(self, texts: Sequence[str], second_texts: Sequence[str] | None
                   ) -> dict[str, np.ndarray]:
        probs = {}
        for head, logits in self._logits(texts, second_texts).items():
            task = self.model.heads[head]["task"]
            if task == "single_label":
                probs[head] = _softmax(logits)
            elif task == "binary":
                p = _sigmoid(logits)
                probs[head] = np.concatenate([1.0 - p, p], axis=1)
            else:
                probs[head] = _sigmoid(logits)
        return probs

    def predict_proba(self, texts: Sequence[str], second_texts: Sequence[str] | None = None,
                      constrain: bool = True) -> dict[str, np.ndarray]:
        """``{head: (len(texts), num_labels)}`` probabilities, columns in ``labels[head]`` order.

        With a hierarchy (and ``constrain=True``), a child head's probabilities outside the
        predicted parent are zeroed and the rest renormalised.
        """
        probs = self._raw_proba(texts, second_texts)
        if constrain and self.hierarchy is not None:
            probs = self.hierarchy.constrain(probs)
        return probs

    def _decide(self, head: str, probs: np.ndarray) -> list[Any]:
        names = self.label_maps[head].names
        if self.model.heads[head]["task"] == "multi_label":
            return [[names[j] for j in np.flatnonzero(row >= self.threshold)] for row in probs]
        return [names[j] for j in probs.argmax(1)]

    def predict(self, texts: Sequence[str], second_texts: Sequence[str] | None = None
                ) -> list[dict[str, Any]]:
        """Per text, ``{head: label}`` (a list of labels for multi-label heads)."""
        probs = self.predict_proba(texts, second_texts)
        decided = {head: self._decide(head, p) for head, p in probs.items()}
        return [{head: decided[head][i] for head in self.heads} for i in range(len(texts))]

    def predict_details(self, texts: Sequence[str], second_texts: Sequence[str] | None = None,
                        digits: int = 6) -> list[dict[str, dict[str, Any]]]:
        """Per text, ``{head: {"label": ..., "probabilities": {label: p}}}``."""
        probs = self.predict_proba(texts, second_texts)
        decided = {head: self._decide(head, p) for head, p in probs.items()}
        return [{head: {"label": decided[head][i],
                        "probabilities": {name: round(float(p), digits) for name, p
                                          in zip(self.label_maps[head].names, probs[head][i])}}
                 for head in self.heads} for i in range(len(texts))]

    def evaluate(self, texts: Sequence[str], labels: Mapping[str, Sequence[Any]],
                 second_texts: Sequence[str] | None = None) -> MultiHeadReport:
        """A report per head, on the texts that carry that head's label (``None`` = missing),
        with hierarchy-constrained predictions, plus the unconstrained inconsistency rates."""
        unknown = set(labels) - set(self.heads)
        if unknown:
            raise ValueError(f"labels for {sorted(unknown)}, which are not heads of this "
                             f"predictor ({self.heads}).")
        raw = self._raw_proba(texts, second_texts)
        probs = self.hierarchy.constrain(raw) if self.hierarchy is not None else raw
        maps = {head: self.label_maps[head] for head in self.heads if head in labels}
        targets = encode_targets(labels, maps)
        reports = {}
        for head, target in targets.items():
            multi = self.label_maps[head].multi_label
            keep = (target >= 0).any(1) if multi else target >= 0
            if not keep.any():
                continue
            p = probs[head][keep]
            predicted = (p >= self.threshold).astype(np.int64) if multi else p.argmax(1)
            reports[head] = classification_report(target[keep], predicted,
                                                  self.label_maps[head].names)
        inconsistency = self.hierarchy.inconsistency(raw) if self.hierarchy is not None else {}
        return MultiHeadReport(reports, inconsistency)

    # ---- saving ----------------------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        model = self.model
        return predictor_config(
            TASK, model, self.tokenizer, max_len=self.max_len, batch_size=self.batch_size,
            labels={head: m.to_dict() for head, m in self.label_maps.items()},
            hierarchy=self.hierarchy.to_dict() if self.hierarchy is not None else None,
            threshold=self.threshold,
            head={"heads": model.heads, "loss_weights": model.head_loss_weights,
                  "pooling": model.pooling, "dropout": model.dropout})

    def save(self, directory: str | os.PathLike) -> str:
        """Write the predictor to ``directory`` (config last: complete = present)."""
        return save_predictor_files(directory, self.model, self.tokenizer, self.get_config())


def _load_multi_head(directory: str, config: dict[str, Any],
                     batch_size: int | None) -> MultiHeadPredictor:
    from bertkit.tokenization import Tokenizer

    path = os.path.join(directory, CONFIG_FILE)
    head = config["head"]
    if not isinstance(config.get("labels"), dict) or "heads" not in head:
        raise CheckpointError(f"{path}: a multi-head predictor config needs 'labels' per head "
                              "and head.heads; the file is damaged.")
    backbone = backbone_from_predictor_config(directory, config)
    model = MultiHeadClassifier(backbone, head["heads"], loss_weights=head.get("loss_weights"),
                                pooling=head["pooling"], dropout=head["dropout"])
    load_model_weights(model, os.path.join(directory, WEIGHTS_FILE))
    label_maps = {name: LabelMap.from_dict(d) for name, d in config["labels"].items()}
    hierarchy = config.get("hierarchy")
    if hierarchy:
        hierarchy = {child: tuple(rel) for child, rel in hierarchy.items()}
    return MultiHeadPredictor(model, Tokenizer.from_directory(directory), label_maps,
                              hierarchy=hierarchy or None, max_len=config["max_len"],
                              batch_size=batch_size or config.get("batch_size", 64),
                              threshold=config.get("threshold", 0.5))


register_predictor_loader(TASK, _load_multi_head)
