"""`RelationPredictor`: (subject, predicate, object) triples with exact text; saved like `Predictor`.

>>> predictor = learner.get_predictor()                                  # doctest: +SKIP
>>> predictor.predict(["李雷出生于北京。"])                               # doctest: +SKIP
[[{'subject': '李雷', 'predicate': '出生地', 'object': '北京', 'subject_start': 0, ...}]]
"""

from __future__ import annotations

import os
from typing import Any, Sequence

import keras
import numpy as np

from bertkit.prediction.predictor import (CONFIG_FILE, WEIGHTS_FILE, predictor_config,
                                          backbone_from_predictor_config,
                                          register_predictor_loader, save_predictor_files)
from bertkit.prediction.saving import load_model_weights
from bertkit.tasks.pointers import encode_keeping_first, pair_starts_with_ends, sigmoid
from bertkit.tasks.relation_extraction import RelationExtractor

TASK = "relation_extraction"


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


class RelationPredictor:
    """Extracts all triples of each text.

    Decoding (the post's): subjects are tagged starts paired with the nearest tagged end at or
    after them (probability above ``threshold``); for each subject, the object pointers of every
    predicate are decoded the same way. Texts are cut to ``max_len`` tokens.
    """

    task = TASK

    def __init__(self, model: RelationExtractor, tokenizer: Any, max_len: int = 256,
                 batch_size: int = 32, threshold: float = 0.5) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.max_len = max_len
        self.batch_size = batch_size
        self.threshold = threshold

    @property
    def predicates(self) -> list[str]:
        return list(self.model.predicates)

    def predict(self, texts: Sequence[str]) -> list[list[dict[str, Any]]]:
        """For each text, its triples: ``{"subject", "predicate", "object", "subject_start",
        "subject_end", "object_start", "object_end"}`` (character offsets, end exclusive)."""
        if isinstance(texts, str):
            raise TypeError("predict takes a list of texts; wrap a single text in a list.")
        texts = list(texts)
        encs = [encode_keeping_first(self.tokenizer, None, t, self.max_len, f"text {i}")
                for i, t in enumerate(texts)]
        results: list[list[dict[str, Any]]] = [[] for _ in texts]
        order = np.argsort([len(e.ids) for e in encs], kind="stable")
        for begin in range(0, len(texts), self.batch_size):
            idx = order[begin:begin + self.batch_size]
            self._predict_batch([encs[i] for i in idx], [texts[i] for i in idx],
                                [results[i] for i in idx])
        return results

    def _predict_batch(self, encs: list[Any], texts: list[str],
                       results: list[list[dict[str, Any]]]) -> None:
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

    def evaluate(self, examples: Any) -> dict[str, Any]:
        """Triple precision, recall and F1 (a triple counts when subject, predicate and object
        strings all match)."""
        from bertkit.data.extraction import load_relation_examples
        from bertkit.extraction_metrics import triple_scores

        examples = load_relation_examples(examples)
        predicted = self.predict([e.text for e in examples])
        return triple_scores([{(t["subject"], t["predicate"], t["object"]) for t in row}
                              for row in predicted],
                             [set(e.triples) for e in examples])

    # ---- saving ----------------------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        model = self.model
        return predictor_config(
            TASK, model, self.tokenizer, max_len=self.max_len, batch_size=self.batch_size,
            head={"predicates": self.predicates, "dropout": model.dropout,
                  "subject_power": model.subject_power, "object_power": model.object_power,
                  "threshold": self.threshold})

    def save(self, directory: str | os.PathLike) -> str:
        """Write ``predictor.json``, ``model.safetensors`` and the tokenizer files."""
        return save_predictor_files(directory, self.model, self.tokenizer, self.get_config())


def _load(directory: str, config: dict[str, Any], batch_size: int | None) -> RelationPredictor:
    from bertkit.errors import CheckpointError
    from bertkit.tokenization import Tokenizer

    head = config["head"]
    if not head.get("predicates"):
        raise CheckpointError(f"{os.path.join(directory, CONFIG_FILE)}: the head lists no "
                              "'predicates'; the file is damaged.")
    model = RelationExtractor(backbone_from_predictor_config(directory, config),
                              predicates=head["predicates"], dropout=head.get("dropout", 0.1),
                              subject_power=head.get("subject_power", 2.0),
                              object_power=head.get("object_power", 4.0))
    load_model_weights(model, os.path.join(directory, WEIGHTS_FILE))
    return RelationPredictor(model, Tokenizer.from_directory(directory), max_len=config["max_len"],
                             batch_size=batch_size or config.get("batch_size", 32),
                             threshold=head.get("threshold", 0.5))


register_predictor_loader(TASK, _load)
