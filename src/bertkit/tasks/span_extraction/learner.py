"""`SpanLearner`: fine-tune a `SpanExtractor` on (query, text, answer) examples.

>>> train, valid = load_span_examples("train.jsonl").split(0.1)               # doctest: +SKIP
>>> learner = SpanLearner.for_span_extraction("bert_zh", train, valid, mode="char")  # doctest: +SKIP
>>> learner.fit(5e-5, epochs=2)                                               # doctest: +SKIP
>>> learner.validate()              # exact match 0.8123  char F1 0.8765 (...)   # doctest: +SKIP
>>> learner.get_predictor().save("span_predictor")                           # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

from bertkit._logging import get_logger
from bertkit.data.extraction import ExtractionExamples, load_span_examples
from bertkit.errors import TrainingError
from bertkit.pretrained import load_backbone, load_tokenizer
from bertkit.tasks.span_extraction.data import encode_span_examples, span_batches
from bertkit.tasks.span_extraction.model import SpanExtractor
from bertkit.tasks.span_extraction.predictor import SpanPredictor
from bertkit.training.base import BaseLearner, _FitBatches
from bertkit.training.seeding import seed_everything

log = get_logger(__name__)


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
            raise TrainingError("the training data holds no examples.")

    @classmethod
    def for_span_extraction(cls, model_path: str, train_data: Any, valid_data: Any = None, *,
                            mode: str | None = None, dropout: float = 0.1, dtype: Any = None,
                            **kwargs: Any) -> "SpanLearner":
        """Load a pretrained encoder and its tokenizer (``mode="char"``: character tokens)."""
        seed_everything(kwargs.get("seed", 0))  # the new head and dropout: reproducible
        tokenizer = load_tokenizer(model_path, **({"mode": mode} if mode else {}))
        model = SpanExtractor(load_backbone(model_path, dtype=dtype), dropout=dropout,
                              name="span_extractor")
        return cls(model, tokenizer, train_data, valid_data, **kwargs)

    def _task_identity(self) -> dict[str, Any]:
        return {"allow_no_answer": self.allow_no_answer, "max_answer_len": self.max_answer_len}

    def _examples(self, data: Any) -> ExtractionExamples:
        return load_span_examples(data)

    def _batches(self, data: Any, training: bool) -> _FitBatches:
        encoded, counts = encode_span_examples(list(data), self.tokenizer, self.max_len,
                                               self.allow_no_answer)
        if training and (counts["answer_truncated"] or counts["left_out"]):
            log.info("span extraction: %d answers lie beyond max_len=%d tokens (%s).",
                     counts["answer_truncated"], self.max_len,
                     "trained as no answer" if self.allow_no_answer else "left out")
        if not encoded:
            raise TrainingError("no example keeps its answer within max_len; raise max_len or "
                                "allow_no_answer.")
        return _FitBatches(span_batches(
            encoded, self.tokenizer.pad_id,
            self.batch_size if training else self.eval_batch_size, training, self.seed))

    def get_predictor(self, batch_size: int | None = None) -> SpanPredictor:
        return SpanPredictor(self.model, self.tokenizer, max_len=self.max_len,
                             batch_size=batch_size or self.eval_batch_size,
                             allow_no_answer=self.allow_no_answer,
                             max_answer_len=self.max_answer_len)
