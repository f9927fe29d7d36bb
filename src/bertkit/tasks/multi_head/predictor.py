"""`MultiHeadPredictor`: every head's label and probabilities per text; hierarchy-consistent.

Inputs (``predict(inputs)``): texts, or ``(text, second_text)`` pairs. Outputs: per input,
``{head: label}`` (a list of labels for multi-label heads). Saved like every predictor
(``"task": "multi_head_classification"``) and loaded with ``bertkit.load_predictor``.

>>> predictor = learner.get_predictor()                                   # doctest: +SKIP
>>> predictor.predict(["国足晋级世界杯"])                                   # doctest: +SKIP
[{'group': '文体', 'category': '体育', 'sentiment': '正面'}]
>>> predictor.predict_details(["国足晋级世界杯"])[0]["category"]["probabilities"]  # doctest: +SKIP
{'体育': 0.97, ...}
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

from bertkit.data import LabelMap, MultiHeadExamples, load_examples
from bertkit.errors import CheckpointError, PredictorError
from bertkit.prediction.base import BasePredictor, text_pairs
from bertkit.tasks.classification.metrics import classification_report
from bertkit.tasks.classification.predictor import decide, probabilities
from bertkit.tasks.multi_head.data import encode_targets
from bertkit.tasks.multi_head.hierarchy import Hierarchy
from bertkit.tasks.multi_head.metrics import MultiHeadReport
from bertkit.tasks.multi_head.model import MultiHeadClassifier


class MultiHeadPredictor(BasePredictor):
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

    task = "multi_head_classification"
    model_class = MultiHeadClassifier

    def __init__(self, model: MultiHeadClassifier, tokenizer: Any,
                 label_maps: Mapping[str, LabelMap], hierarchy: Any = None, max_len: int = 128,
                 batch_size: int = 64, threshold: float = 0.5) -> None:
        if set(label_maps) != set(model.heads):
            raise PredictorError(f"label maps for {sorted(label_maps)} but the model's heads "
                                 f"are {sorted(model.heads)}.")
        for head, spec in model.heads.items():
            if len(label_maps[head].names) != spec["num_classes"]:
                raise PredictorError(f"head {head!r}: the label map has "
                                     f"{len(label_maps[head].names)} labels, the model "
                                     f"{spec['num_classes']} classes.")
        super().__init__(model, tokenizer, max_len=max_len, batch_size=batch_size)
        self.label_maps = {head: label_maps[head] for head in model.heads}
        if hierarchy is not None and not isinstance(hierarchy, Hierarchy):
            hierarchy = Hierarchy(hierarchy, self.label_maps)
        self.hierarchy: Hierarchy | None = hierarchy
        self.threshold = threshold

    @property
    def heads(self) -> list[str]:
        return list(self.model.heads)

    @property
    def labels(self) -> dict[str, list[str]]:
        """``{head: label names}`` (column order of the probabilities)."""
        return {head: list(m.names) for head, m in self.label_maps.items()}

    # ---- prediction ------------------------------------------------------------------------
    def _raw_proba(self, inputs: Any, second_texts: Sequence[str] | None
                   ) -> dict[str, np.ndarray]:
        texts, seconds = text_pairs(inputs, second_texts)
        widths = {head: 1 if spec["task"] == "binary" else spec["num_classes"]
                  for head, spec in self.model.heads.items()}
        lengths = [len(t) + (len(seconds[i]) if seconds else 0) for i, t in enumerate(texts)]

        def run(idx: np.ndarray) -> list[dict[str, np.ndarray]]:
            logits = self.model.predict_on_batch(self.encode_texts(texts, seconds, idx))
            arrays = {head: np.asarray(logits[head], np.float32) for head in widths}
            return [{head: a[r] for head, a in arrays.items()} for r in range(len(idx))]

        rows = self.run_by_length(lengths, run)
        return {head: probabilities(np.stack([row[head] for row in rows]) if rows
                                    else np.zeros((0, width), np.float32),
                                    self.model.heads[head]["task"])
                for head, width in widths.items()}

    def predict_proba(self, inputs: Any, second_texts: Sequence[str] | None = None,
                      constrain: bool = True) -> dict[str, np.ndarray]:
        """``{head: (len(inputs), num_labels)}`` probabilities, columns in ``labels[head]``
        order. With a hierarchy (and ``constrain=True``), a child head's probabilities outside
        the predicted parent are zeroed and the rest renormalised."""
        probs = self._raw_proba(inputs, second_texts)
        if constrain and self.hierarchy is not None:
            probs = self.hierarchy.constrain(probs)
        return probs

    def _decide(self, head: str, probs: np.ndarray) -> list[Any]:
        return decide(probs, self.label_maps[head].names, self.model.heads[head]["task"],
                      self.threshold)

    def predict(self, inputs: Any, second_texts: Sequence[str] | None = None
                ) -> list[dict[str, Any]]:
        """Per input, ``{head: label}`` (a list of labels for multi-label heads)."""
        probs = self.predict_proba(inputs, second_texts)
        decided = {head: self._decide(head, p) for head, p in probs.items()}
        n = len(next(iter(probs.values())))
        return [{head: decided[head][i] for head in self.heads} for i in range(n)]

    def predict_details(self, inputs: Any, second_texts: Sequence[str] | None = None,
                        digits: int = 6) -> list[dict[str, dict[str, Any]]]:
        """Per input, ``{head: {"label": ..., "probabilities": {label: p}}}``."""
        probs = self.predict_proba(inputs, second_texts)
        decided = {head: self._decide(head, p) for head, p in probs.items()}
        n = len(next(iter(probs.values())))
        return [{head: {"label": decided[head][i],
                        "probabilities": {name: round(float(p), digits) for name, p
                                          in zip(self.label_maps[head].names, probs[head][i])}}
                 for head in self.heads} for i in range(n)]

    def evaluate(self, examples: Any, labels: Mapping[str, Sequence[Any]] | None = None,
                 second_texts: Sequence[str] | None = None) -> MultiHeadReport:
        """A report per head, on the texts that carry that head's label (``None`` = missing),
        with hierarchy-constrained predictions, plus the unconstrained inconsistency rates.

        ``examples``: `MultiHeadExamples` or a file/table `bertkit.load_examples` reads with one
        label column per head; or texts, with ``labels={head: [...]}`` (and ``second_texts``).
        """
        if labels is None:
            data = examples if isinstance(examples, MultiHeadExamples) else load_examples(
                examples, label_columns=self.heads)
            examples, labels, second_texts = data.texts, data.labels, data.second_texts
        unknown = set(labels) - set(self.heads)
        if unknown:
            raise PredictorError(f"labels for {sorted(unknown)}, which are not heads of this "
                                 f"predictor ({self.heads}).")
        raw = self._raw_proba(examples, second_texts)
        probs = self.hierarchy.constrain(raw) if self.hierarchy is not None else raw
        maps = {head: self.label_maps[head] for head in self.heads if head in labels}
        reports = {}
        for head, target in encode_targets(labels, maps).items():
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
    def task_fields(self) -> dict[str, Any]:
        return {"labels": {head: m.to_dict() for head, m in self.label_maps.items()},
                "hierarchy": self.hierarchy.to_dict() if self.hierarchy is not None else None,
                "threshold": self.threshold}

    @classmethod
    def from_saved(cls, directory: str, config: dict[str, Any], model: Any, tokenizer: Any,
                   batch_size: int) -> "MultiHeadPredictor":
        label_maps = {name: LabelMap.from_dict(d) for name, d in config["labels"].items()}
        hierarchy = config.get("hierarchy")
        if hierarchy:
            hierarchy = {child: tuple(rel) for child, rel in hierarchy.items()}
        return cls(model, tokenizer, label_maps, hierarchy=hierarchy or None,
                   max_len=config["max_len"], batch_size=batch_size,
                   threshold=config.get("threshold", 0.5))

    @classmethod
    def check_config(cls, config: dict[str, Any], where: str) -> None:
        if not isinstance(config.get("labels"), dict) or "heads" not in config["head"]:
            raise CheckpointError(f"{where}: a multi-head predictor config needs 'labels' per "
                                  "head and head.heads; the file is damaged.")
