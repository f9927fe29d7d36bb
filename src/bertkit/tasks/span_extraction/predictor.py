"""`SpanPredictor`: answers as exact substrings of the original text; saved like every predictor.

Inputs (``predict(inputs)``): ``{"query": ..., "text": ...}`` objects or ``(query, text)``
pairs; the older form ``predict(queries, texts)`` (one query for all texts, or one per text)
works too. Outputs: per input ``{"answer", "start", "end", "score"}`` (character offsets, end
exclusive; ``answer == ""`` and ``start is None`` for "no answer").

>>> predictor = learner.get_predictor()                                   # doctest: +SKIP
>>> predictor.predict([{"query": "人名", "text": "我叫李雷。"}])             # doctest: +SKIP
[{'answer': '李雷', 'start': 2, 'end': 4, 'score': -0.31}]
>>> predictor.save("span_predictor"); bertkit.load_predictor("span_predictor")  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from bertkit.data.extraction import SpanExample, load_span_examples
from bertkit.errors import PredictorError, PredictorInputError
from bertkit.prediction.base import BasePredictor, check_texts
from bertkit.prediction.scores import log_softmax
from bertkit.tasks.common.pointers import best_span, encode_keeping_first, text_token_mask
from bertkit.tasks.span_extraction.metrics import SpanReport
from bertkit.tasks.span_extraction.model import SpanExtractor


def query_text_pairs(inputs: Any, texts: Any = None) -> tuple[list[str], list[str]]:
    """``(queries, texts)`` from ``{"query", "text"}`` objects or ``(query, text)`` pairs, or
    from ``queries`` (one string for every text, or a list) and ``texts``.

    >>> query_text_pairs([{"query": "谁", "text": "李雷"}, ("哪里", "北京")])
    (['谁', '哪里'], ['李雷', '北京'])
    >>> query_text_pairs("谁", ["李雷", "韩梅梅"])
    (['谁', '谁'], ['李雷', '韩梅梅'])
    """
    if texts is not None:
        texts = check_texts(texts)
        queries = [inputs] * len(texts) if isinstance(inputs, str) else check_texts(
            inputs, "queries")
        if len(queries) != len(texts):
            raise PredictorError(f"{len(queries)} queries for {len(texts)} texts.")
        return queries, texts
    if isinstance(inputs, (str, bytes)):
        raise PredictorInputError("predict takes a list of {'query', 'text'} inputs (or "
                                  "predict(query, texts)).")
    queries, texts = [], []
    for i, item in enumerate(inputs):
        if isinstance(item, dict) and "query" in item and "text" in item:
            item = (item["query"], item["text"])
        if not (isinstance(item, (tuple, list)) and len(item) == 2
                and all(isinstance(t, str) for t in item)):
            raise PredictorInputError(f"input {i} is {str(item)[:60]!r}; each input is "
                                      "{'query': str, 'text': str} or a (query, text) pair.")
        queries.append(item[0])
        texts.append(item[1])
    return queries, texts


class SpanPredictor(BasePredictor):
    """Finds the answer to a query in a text (or "no answer", when allowed).

    Decoding takes the ``start <= end`` pair of text tokens with the highest
    ``log p(start) + log p(end)`` and ``end - start < max_answer_len``; with
    ``allow_no_answer`` it answers nothing when ``[CLS]``'s pair scores higher by more than
    ``null_threshold``. The answer is ``text[start:end]`` by the tokens' character offsets.
    """

    task = "span_extraction"
    model_class = SpanExtractor

    def __init__(self, model: SpanExtractor, tokenizer: Any, max_len: int = 256,
                 batch_size: int = 64, allow_no_answer: bool = True, max_answer_len: int = 30,
                 null_threshold: float = 0.0) -> None:
        super().__init__(model, tokenizer, max_len=max_len, batch_size=batch_size)
        self.allow_no_answer = allow_no_answer
        self.max_answer_len = max_answer_len
        self.null_threshold = null_threshold

    def predict(self, inputs: Any, texts: Sequence[str] | None = None) -> list[dict[str, Any]]:
        """One ``{"answer", "start", "end", "score"}`` per input (see the module docstring)."""
        queries, texts = query_text_pairs(inputs, texts)
        encs = [encode_keeping_first(self.tokenizer, q, t, self.max_len, f"text {i}")
                for i, (q, t) in enumerate(zip(queries, texts))]

        def run(idx: np.ndarray) -> list[dict[str, Any]]:
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
            return [self._decode(logits[r, :len(rows[r].ids)], masks[r], rows[r], texts[i])
                    for r, i in enumerate(idx)]

        return self.run_by_length([len(e.ids) for e in encs], run)

    def _decode(self, logits: np.ndarray, text_mask: np.ndarray, enc: Any,
                text: str) -> dict[str, Any]:
        logp = log_softmax(logits, axis=0)
        start, end, score = best_span(logp[:, 0], logp[:, 1], text_mask, self.max_answer_len)
        null = float(logp[0, 0] + logp[0, 1])
        if (self.allow_no_answer and null > score + self.null_threshold) or score == -np.inf:
            return {"answer": "", "start": None, "end": None, "score": null}
        a, b = int(enc.offsets[start][0]), int(enc.offsets[end][1])
        return {"answer": text[a:b], "start": a, "end": b, "score": score}

    def evaluate(self, examples: Any) -> SpanReport:
        """Exact match and character F1 against the examples' answers (a JSON-lines file,
        dicts or `SpanExample` objects; see `bertkit.data.extraction.load_span_examples`)."""
        examples: list[SpanExample] = load_span_examples(examples)
        predicted = self.predict([(e.query, e.text) for e in examples])
        return SpanReport.from_predictions([p["answer"] for p in predicted],
                                           [e.answer_texts for e in examples])

    # ---- saving ----------------------------------------------------------------------------
    def head_fields(self) -> dict[str, Any]:
        return {"allow_no_answer": self.allow_no_answer, "max_answer_len": self.max_answer_len,
                "null_threshold": self.null_threshold}

    @classmethod
    def from_saved(cls, directory: str, config: dict[str, Any], model: Any, tokenizer: Any,
                   batch_size: int) -> "SpanPredictor":
        head = config["head"]
        return cls(model, tokenizer, max_len=config["max_len"], batch_size=batch_size,
                   allow_no_answer=head.get("allow_no_answer", True),
                   max_answer_len=head.get("max_answer_len", 30),
                   null_threshold=head.get("null_threshold", 0.0))
