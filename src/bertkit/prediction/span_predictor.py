"""`SpanPredictor`: answers as exact substrings of the original text; saved like `Predictor`.

>>> predictor = learner.get_predictor()                                   # doctest: +SKIP
>>> predictor.predict(["人名"], ["我叫李雷。"])                            # doctest: +SKIP
[{'answer': '李雷', 'start': 2, 'end': 4, 'score': -0.31}]
>>> predictor.save("span_predictor"); bertkit.load_predictor("span_predictor")  # doctest: +SKIP
"""

from __future__ import annotations

import os
from typing import Any, Sequence

import numpy as np

from bertkit.prediction.predictor import (WEIGHTS_FILE, predictor_config,
                                          backbone_from_predictor_config,
                                          register_predictor_loader, save_predictor_files)
from bertkit.prediction.saving import load_model_weights
from bertkit.tasks.pointers import (best_span, encode_keeping_first, log_softmax,
                                    text_token_mask)
from bertkit.tasks.span_extraction import SpanExtractor

TASK = "span_extraction"


class SpanPredictor:
    """Finds the answer to a query in a text (or "no answer", when allowed).

    Decoding takes the ``start <= end`` pair of text tokens with the highest
    ``log p(start) + log p(end)`` and ``end - start < max_answer_len``; with
    ``allow_no_answer`` it answers nothing when ``[CLS]``'s pair scores higher by more than
    ``null_threshold``. The answer is ``text[start:end]`` by the tokens' character offsets.
    """

    task = TASK

    def __init__(self, model: SpanExtractor, tokenizer: Any, max_len: int = 256,
                 batch_size: int = 64, allow_no_answer: bool = True, max_answer_len: int = 30,
                 null_threshold: float = 0.0) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.max_len = max_len
        self.batch_size = batch_size
        self.allow_no_answer = allow_no_answer
        self.max_answer_len = max_answer_len
        self.null_threshold = null_threshold

    def predict(self, queries: str | Sequence[str], texts: Sequence[str]) -> list[dict[str, Any]]:
        """One ``{"answer", "start", "end", "score"}`` per text (``start``/``end`` character
        offsets, end exclusive; ``answer == ""`` and ``start is None`` for no answer).

        ``queries`` is one query for every text or a list as long as ``texts``.
        """
        if isinstance(texts, str):
            raise TypeError("predict takes a list of texts; wrap a single text in a list.")
        texts = list(texts)
        if isinstance(queries, str):
            queries = [queries] * len(texts)
        queries = list(queries)
        if len(queries) != len(texts):
            raise ValueError(f"{len(queries)} queries for {len(texts)} texts.")
        encs = [encode_keeping_first(self.tokenizer, q, t, self.max_len, f"text {i}")
                for i, (q, t) in enumerate(zip(queries, texts))]
        order = np.argsort([len(e.ids) for e in encs], kind="stable")
        results: list[dict[str, Any]] = [{}] * len(texts)
        for begin in range(0, len(texts), self.batch_size):
            idx = order[begin:begin + self.batch_size]
            rows = [encs[i] for i in idx]
            width = max(len(e.ids) for e in rows)
            inputs = {name: np.zeros((len(rows), width), np.int32)
                      for name in ("token_ids", "segment_ids", "padding_mask", "answer_mask")}
            inputs["token_ids"][:] = self.tokenizer.pad_id
            masks = []
            for r, enc in enumerate(rows):
                n = len(enc.ids)
                allowed = text_token_mask(enc, 1)
                masks.append(allowed.copy())
                if self.allow_no_answer:
                    allowed[0] = 1
                inputs["token_ids"][r, :n] = enc.ids
                inputs["segment_ids"][r, :n] = enc.segment_ids
                inputs["padding_mask"][r, :n] = 1
                inputs["answer_mask"][r, :n] = allowed
            logits = np.asarray(self.model.predict_on_batch(inputs), np.float32)
            for r, i in enumerate(idx):
                n = len(rows[r].ids)
                results[i] = self._decode(logits[r, :n], masks[r], rows[r], texts[i])
        return results

    def _decode(self, logits: np.ndarray, text_mask: np.ndarray, enc: Any,
                text: str) -> dict[str, Any]:
        logp = log_softmax(logits, axis=0)
        start, end, score = best_span(logp[:, 0], logp[:, 1], text_mask, self.max_answer_len)
        null = float(logp[0, 0] + logp[0, 1])
        if (self.allow_no_answer and null > score + self.null_threshold) or score == -np.inf:
            return {"answer": "", "start": None, "end": None, "score": null}
        a, b = int(enc.offsets[start][0]), int(enc.offsets[end][1])
        return {"answer": text[a:b], "start": a, "end": b, "score": score}

    def evaluate(self, examples: Any) -> dict[str, Any]:
        """Exact match and character F1 against the examples' answers (see
        `bertkit.extraction_metrics`)."""
        from bertkit.data.extraction import load_span_examples
        from bertkit.extraction_metrics import span_scores

        examples = load_span_examples(examples)
        predicted = self.predict([e.query for e in examples], [e.text for e in examples])
        return span_scores([p["answer"] for p in predicted],
                           [e.answer_texts for e in examples])

    # ---- saving ----------------------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        return predictor_config(
            TASK, self.model, self.tokenizer, max_len=self.max_len, batch_size=self.batch_size,
            head={"dropout": self.model.dropout, "allow_no_answer": self.allow_no_answer,
                  "max_answer_len": self.max_answer_len, "null_threshold": self.null_threshold})

    def save(self, directory: str | os.PathLike) -> str:
        """Write ``predictor.json``, ``model.safetensors`` and the tokenizer files."""
        return save_predictor_files(directory, self.model, self.tokenizer, self.get_config())


def _load(directory: str, config: dict[str, Any], batch_size: int | None) -> SpanPredictor:
    from bertkit.tokenization import Tokenizer

    head = config["head"]
    model = SpanExtractor(backbone_from_predictor_config(directory, config),
                          dropout=head.get("dropout", 0.1))
    load_model_weights(model, os.path.join(directory, WEIGHTS_FILE))
    return SpanPredictor(model, Tokenizer.from_directory(directory), max_len=config["max_len"],
                         batch_size=batch_size or config.get("batch_size", 64),
                         allow_no_answer=head.get("allow_no_answer", True),
                         max_answer_len=head.get("max_answer_len", 30),
                         null_threshold=head.get("null_threshold", 0.0))


register_predictor_loader(TASK, _load)
