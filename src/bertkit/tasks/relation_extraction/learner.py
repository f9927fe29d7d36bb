"""`RelationLearner`: fine-tune a `RelationExtractor` on DuIE-format examples.

>>> train, valid = load_relation_examples("duie_train.jsonl").split(0.1)          # doctest: +SKIP
>>> learner = RelationLearner.for_relation_extraction("bert_zh", train, valid)  # doctest: +SKIP
>>> learner.fit(5e-5, epochs=3); learner.validate()    # triple precision/recall/F1 # doctest: +SKIP
>>> learner.get_predictor().save("relation_predictor")                           # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any, Sequence

from bertkit._logging import get_logger
from bertkit.data.extraction import ExtractionExamples, load_relation_examples, predicates_of
from bertkit.errors import TrainingError
from bertkit.pretrained import load_backbone, load_tokenizer
from bertkit.tasks.relation_extraction.data import encode_relation_examples, relation_batches
from bertkit.tasks.relation_extraction.model import RelationExtractor
from bertkit.tasks.relation_extraction.predictor import RelationPredictor
from bertkit.training.base import BaseLearner, _FitBatches
from bertkit.training.seeding import seed_everything

log = get_logger(__name__)


class RelationLearner(BaseLearner):
    """Trains a `RelationExtractor`; scores it with triple precision/recall/F1.

    Each epoch, every text is trained with one of its subjects drawn at random (seeded by
    ``(seed, epoch, example)``), as in the post; the subject pointers learn all subjects.

    Args:
        model, tokenizer: the extractor and its tokenizer.
        train_data, valid_data: what `load_relation_examples` reads (DuIE JSON lines, dicts,
            `RelationExample` objects).
        on_conflict: ``"error"`` or ``"skip"`` for gold spans the scheme cannot express.
    """

    def __init__(self, model: RelationExtractor, tokenizer: Any, train_data: Any,
                 valid_data: Any = None, *, on_conflict: str = "error", batch_size: int = 32,
                 max_len: int = 256, threshold: float = 0.5, **kwargs: Any) -> None:
        super().__init__(model, tokenizer, batch_size=batch_size, max_len=max_len, **kwargs)
        self.on_conflict = on_conflict
        self.threshold = threshold
        self.train_data = load_relation_examples(train_data, model.predicates)
        self.valid_data = (load_relation_examples(valid_data, model.predicates)
                           if valid_data is not None else None)
        if not self.train_data:
            raise TrainingError("the training data holds no examples.")

    @classmethod
    def for_relation_extraction(cls, model_path: str, train_data: Any, valid_data: Any = None,
                                *, predicates: Sequence[str] | None = None,
                                mode: str | None = None, dropout: float = 0.1,
                                dtype: Any = None, **kwargs: Any) -> "RelationLearner":
        """Load a pretrained encoder and tokenizer; ``predicates`` default to the training
        data's (sorted)."""
        seed_everything(kwargs.get("seed", 0))  # the new head and dropout: reproducible
        train = load_relation_examples(train_data)
        predicates = list(predicates) if predicates else predicates_of(train)
        if not predicates:
            raise TrainingError("the training data has no triples, so no predicates; pass "
                               "predicates=[...].")
        tokenizer = load_tokenizer(model_path, **({"mode": mode} if mode else {}))
        model = RelationExtractor(load_backbone(model_path, dtype=dtype), predicates,
                                  dropout=dropout, name="relation_extractor")
        return cls(model, tokenizer, train, valid_data, **kwargs)

    def _task_identity(self) -> dict[str, Any]:
        return {"on_conflict": self.on_conflict}

    def _examples(self, data: Any) -> ExtractionExamples:
        return load_relation_examples(data)

    def _batches(self, data: Any, training: bool) -> _FitBatches:
        predicates = self.model.predicates
        encoded, counts = encode_relation_examples(list(data), self.tokenizer, self.max_len,
                                                   predicates, self.on_conflict)
        if training and (counts["triples_truncated"] or counts["conflicts_skipped"]):
            log.info("relation extraction: %d triples beyond max_len=%d left out; %d examples "
                     "with inexpressible overlaps left out.", counts["triples_truncated"],
                     self.max_len, counts["conflicts_skipped"])
        if not encoded:
            raise TrainingError("no training example is left (see the counts above).")
        return _FitBatches(relation_batches(
            encoded, len(predicates), self.tokenizer.pad_id,
            self.batch_size if training else self.eval_batch_size, training, self.seed))

    def get_predictor(self, batch_size: int | None = None) -> RelationPredictor:
        return RelationPredictor(self.model, self.tokenizer, max_len=self.max_len,
                                 batch_size=batch_size or self.eval_batch_size,
                                 threshold=self.threshold)
