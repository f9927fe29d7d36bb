"""`RelationPredictor`: (subject, predicate, object) triples with exact text; saved like every
predictor.

Inputs (``predict(inputs)``): a list of texts. Outputs: per text, its triples
``{"subject", "predicate", "object", "subject_start", "subject_end", "object_start",
"object_end"}`` (character offsets, end exclusive).

>>> predictor = learner.get_predictor()                                  # doctest: +SKIP
>>> predictor.predict(["李雷出生于北京。"])                               # doctest: +SKIP
[[{'subject': '李雷', 'predicate': '出生地', 'object': '北京', 'subject_start': 0, ...}]]
"""

from __future__ import annotations

from typing import Any, Sequence

import keras
import numpy as np

from bertkit.data.extraction import load_relation_examples
from bertkit.errors import CheckpointError
from bertkit.prediction.base import BasePredictor, check_texts
from bertkit.prediction.scores import sigmoid
from bertkit.tasks.common.pointers import encode_keeping_first, pair_starts_with_ends
from bertkit.tasks.relation_extraction.metrics import RelationReport
from bertkit.tasks.relation_extraction.model import RelationExtractor


def decode_subjects(subject_logits: np.ndarray, text_mask: np.ndarray, threshold: float,
                    power: float = 1.0) -> list[tuple[int, int]]:
    """Subject token spans from ``(T, 2)`` logits: each start whose probability
    (``sigmoid ** power``) passes ``threshold`` with the nearest such end at or after it, both
    on text tokens."""
    probs = sigmoid(subject_logits) ** power * text_mask[:, None]
    return pair_starts_with_ends(np.flatnonzero(probs[:, 0] > threshold),
                                 np.flatnonzero(probs[:, 1] > threshold))


def decode_objects(object_logits: np.ndarray, text_mask: np.ndarray, threshold: float,
                   power: float = 1.0) -> list[tuple[int, int, int]]:
    """``(predicate_index, start, end)`` object spans from ``(T, P, 2)`` logits."""
    probs = sigmoid(object_logits) ** power * text_mask[:, None, None]
    out = []
    for p in range(probs.shape[1]):
        for start, end in pair_starts_with_ends(np.flatnonzero(probs[:, p, 0] > threshold),
                                                np.flatnonzero(probs[:, p, 1] > threshold)):
            out.append((p, start, end))
    return out


class RelationPredictor(BasePredictor):
    """Extracts all triples of each text.

    Decoding (the post's): subjects are tagged starts paired with the nearest tagged end at or
    after them (probability above ``threshold``); for each subject, the object pointers of every
    predicate are decoded the same way. Texts are cut to ``max_len`` tokens.
    """

    task = "relation_extraction"
    model_class = RelationExtractor
    default_batch_size = 32

    def __init__(self, model: RelationExtractor, tokenizer: Any, max_len: int = 256,
                 batch_size: int = 32, threshold: float = 0.5) -> None:
        super().__init__(model, tokenizer, max_len=max_len, batch_size=batch_size)
        self.threshold = threshold

    @property
    def predicates(self) -> list[str]:
        return list(self.model.predicates)

    def predict(self, texts: Sequence[str]) -> list[list[dict[str, Any]]]:
        """For each text, its triples: ``{"subject", "predicate", "object", "subject_start",
        "subject_end", "object_start", "object_end"}`` (character offsets, end exclusive)."""
        texts = check_texts(texts)
        encs = [encode_keeping_first(self.tokenizer, None, t, self.max_len, f"text {i}")
                for i, t in enumerate(texts)]
        return self.run_by_length([len(e.ids) for e in encs], lambda idx: self._predict_batch(
            [encs[i] for i in idx], [texts[i] for i in idx]))

    def _predict_batch(self, encs: list[Any], texts: list[str]) -> list[list[dict[str, Any]]]:
        width = max(len(e.ids) for e in encs)
        n = len(encs)
        inputs = {k: np.zeros((n, width), np.int32)
                  for k in ("token_ids", "segment_ids", "padding_mask")}
        inputs["token_ids"][:] = self.tokenizer.pad_id
        masks = np.zeros((n, width), np.float32)
        for r, enc in enumerate(encs):
            inputs["token_ids"][r, :len(enc.ids)] = enc.ids
            inputs["segment_ids"][r, :len(enc.ids)] = enc.segment_ids
            inputs["padding_mask"][r, :len(enc.ids)] = 1
            masks[r, :len(enc.ids)] = [1.0 if s == 0 else 0.0 for s in enc.sequence_ids]
        results: list[list[dict[str, Any]]] = [[] for _ in encs]
        sequence, subject_logits = self.model.encode_subjects(inputs)
        subject_logits = keras.ops.convert_to_numpy(subject_logits).astype(np.float32)
        rows, spans = [], []
        for r in range(n):
            for span in decode_subjects(subject_logits[r], masks[r], self.threshold,
                                        self.model.subject_power):
                rows.append(r)
                spans.append(span)
        for begin in range(0, len(rows), self.batch_size):
            chunk_rows = np.asarray(rows[begin:begin + self.batch_size], np.int32)
            chunk_spans = np.asarray(spans[begin:begin + self.batch_size], np.int32)
            logits = self.model.object_logits(keras.ops.take(sequence, chunk_rows, axis=0),
                                              chunk_spans)
            logits = keras.ops.convert_to_numpy(logits).astype(np.float32)
            for k, r in enumerate(chunk_rows):
                offsets, text = encs[r].offsets, texts[r]
                s0, s1 = int(offsets[chunk_spans[k][0]][0]), int(offsets[chunk_spans[k][1]][1])
                for p, o_start, o_end in decode_objects(logits[k], masks[r], self.threshold,
                                                        self.model.object_power):
                    a, b = int(offsets[o_start][0]), int(offsets[o_end][1])
                    triple = {"subject": text[s0:s1], "predicate": self.predicates[p],
                              "object": text[a:b], "subject_start": s0, "subject_end": s1,
                              "object_start": a, "object_end": b}
                    if triple not in results[r]:
                        results[r].append(triple)
        return results

    def evaluate(self, examples: Any) -> RelationReport:
        """Triple precision, recall and F1 (a triple counts when subject, predicate and object
        strings all match) on DuIE JSON lines, dicts or `RelationExample` objects."""
        examples = load_relation_examples(examples)
        predicted = self.predict([e.text for e in examples])
        return RelationReport.from_triples(
            [{(t["subject"], t["predicate"], t["object"]) for t in row} for row in predicted],
            [set(e.triples) for e in examples])

    # ---- saving ----------------------------------------------------------------------------
    def head_fields(self) -> dict[str, Any]:
        return {"threshold": self.threshold}

    @classmethod
    def check_config(cls, config: dict[str, Any], where: str) -> None:
        if not config["head"].get("predicates"):
            raise CheckpointError(f"{where}: the head lists no 'predicates'; the file is "
                                  "damaged.")

    @classmethod
    def from_saved(cls, directory: str, config: dict[str, Any], model: Any, tokenizer: Any,
                   batch_size: int) -> "RelationPredictor":
        return cls(model, tokenizer, max_len=config["max_len"], batch_size=batch_size,
                   threshold=config["head"].get("threshold", 0.5))
