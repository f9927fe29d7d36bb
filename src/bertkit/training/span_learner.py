"""`SpanLearner`: fine-tune a `SpanExtractor` on (query, text, answer) examples.

>>> train, valid = load_span_examples("train.jsonl").split(0.1)               # doctest: +SKIP
>>> learner = SpanLearner.for_span_extraction("bert_zh", train, valid, mode="char")  # doctest: +SKIP
>>> learner.fit(5e-5, epochs=2)                                               # doctest: +SKIP
>>> learner.validate()              # {'exact_match': ..., 'char_f1': ..., ...} # doctest: +SKIP
>>> learner.get_predictor().save("span_predictor")                           # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from bertkit.data.extraction import SpanExample, load_span_examples
from bertkit.data.pointer_batches import PointerBatches, pad_rows
from bertkit.errors import BertkitError
from bertkit.prediction.span_predictor import SpanPredictor
from bertkit.tasks.pointers import char_span_to_tokens, encode_keeping_first, text_token_mask
from bertkit.tasks.span_extraction import SpanExtractor
from bertkit.training.base import BaseLearner, _FitBatches


@dataclass
class _Encoded:
    ids: list[int]
    segment_ids: list[int]
    answer_mask: np.ndarray
    target: tuple[int, int]


def encode_span_examples(examples: list[SpanExample], tokenizer: Any, max_len: int,
                         allow_no_answer: bool) -> tuple[list[_Encoded], dict[str, int]]:
    """Token inputs and ``(start, end)`` token targets; ``(0, 0)`` (``[CLS]``) is "no answer".

    The first answer of an example is its target. Examples without an answer in the encoded
    text (none given, or cut off by ``max_len``) are "no answer" when allowed, else left out;
    the returned counts say how many.
    """
    out, counts = [], {"no_answer": 0, "answer_truncated": 0, "left_out": 0}
    for ex in examples:
        enc = encode_keeping_first(tokenizer, ex.query, ex.text, max_len, ex.where)
        allowed = text_token_mask(enc, 1)
        if allow_no_answer:
            allowed[0] = 1
        target = None
        if ex.answers:
            target = char_span_to_tokens(enc, *ex.answers[0], seq=1)
            if target is None:
                counts["answer_truncated"] += 1
        else:
            counts["no_answer"] += 1
        if target is None:
            if not allow_no_answer:
                counts["left_out"] += 1
                continue
            target = (0, 0)
        out.append(_Encoded(enc.ids, enc.segment_ids, allowed, target))
    return out, counts


class SpanLearner(BaseLearner):
    """Trains a `SpanExtractor` and scores it with exact match and character F1.

    Args:
        model: the extractor; tokenizer: its tokenizer (``mode="char"`` for Chinese gives one
            token per character).
        train_data, valid_data: what `load_span_examples` reads (a JSON-lines path, dicts, or
            `SpanExample` objects).
        allow_no_answer: train ``[CLS]`` as the "no answer" position and let predictions abstain.
        max_answer_len: the longest answer (in tokens) decoding considers.
    """

    def __init__(self, model: SpanExtractor, tokenizer: Any, train_data: Any,
                 valid_data: Any = None, *, allow_no_answer: bool = True,
                 max_answer_len: int = 30, batch_size: int = 32, max_len: int = 256,
                 **kwargs: Any) -> None:
        super().__init__(model, tokenizer, batch_size=batch_size, max_len=max_len, **kwargs)
        self.allow_no_answer = allow_no_answer
        self.max_answer_len = max_answer_len
        self.train_data = load_span_examples(train_data)
        self.valid_data = load_span_examples(valid_data) if valid_data is not None else None
        if not self.train_data:
            raise BertkitError("the training data holds no examples.")

    @classmethod
    def for_span_extraction(cls, model_path: str, train_data: Any, valid_data: Any = None, *,
                            mode: str | None = None, dropout: float = 0.1, dtype: Any = None,
                            **kwargs: Any) -> "SpanLearner":
        """Load a pretrained encoder and its tokenizer (``mode="char"``: character tokens)."""
        from bertkit.pretrained import load_backbone, load_tokenizer

        tokenizer = load_tokenizer(model_path, **({"mode": mode} if mode else {}))
        model = SpanExtractor(load_backbone(model_path, dtype=dtype), dropout=dropout,
                              name="span_extractor")
        return cls(model, tokenizer, train_data, valid_data, **kwargs)

    def _batches(self, data: Any, training: bool) -> _FitBatches:
        encoded, counts = encode_span_examples(list(data), self.tokenizer, self.max_len,
                                               self.allow_no_answer)
        if training and (counts["answer_truncated"] or counts["left_out"]):
            print(f"span extraction: {counts['answer_truncated']} answers lie beyond max_len="
                  f"{self.max_len} tokens ({'trained as no answer' if self.allow_no_answer else 'left out'}).")
        if not encoded:
            raise BertkitError("no example keeps its answer within max_len; raise max_len or "
                               "allow_no_answer.")

        def make_batch(indices: np.ndarray, epoch: int) -> tuple[dict[str, np.ndarray], np.ndarray]:
            rows = [encoded[i] for i in indices]
            ids = pad_rows([r.ids for r in rows], self.tokenizer.pad_id)
            inputs = {"token_ids": ids,
                      "segment_ids": pad_rows([r.segment_ids for r in rows]),
                      "padding_mask": pad_rows([[1] * len(r.ids) for r in rows]),
                      "answer_mask": pad_rows([r.answer_mask for r in rows])}
            return inputs, np.array([r.target for r in rows], np.int32)

        batches = PointerBatches([len(e.ids) for e in encoded], make_batch,
                                 batch_size=self.batch_size if training else self.eval_batch_size,
                                 shuffle=training, seed=self.seed)
        return _FitBatches(batches)

    def validate(self, data: Any = None, *, print_report: bool = True) -> dict[str, Any]:
        """Exact match and character F1 of the predicted answers (see `SpanPredictor.evaluate`)."""
        data = self.valid_data if data is None else load_span_examples(data)
        if data is None:
            raise BertkitError("no validation data: pass data to validate, or valid_data to "
                               "the learner.")
        report = self.get_predictor().evaluate(data)
        if print_report:
            print(f"exact match {report['exact_match']:.4f}  char F1 {report['char_f1']:.4f}  "
                  f"({report['examples']} examples)")
        return report

    def get_predictor(self, batch_size: int | None = None) -> SpanPredictor:
        return SpanPredictor(self.model, self.tokenizer, max_len=self.max_len,
                             batch_size=batch_size or self.eval_batch_size,
                             allow_no_answer=self.allow_no_answer,
                             max_answer_len=self.max_answer_len)
