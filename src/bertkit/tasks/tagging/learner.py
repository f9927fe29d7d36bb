"""`TaggingLearner`: fine-tune a `TokenTagger` (NER) through the shared `BaseLearner` loop.

>>> train = bertkit.tasks.tagging.read_char_tags("msra_train.txt", strict=False)  # doctest: +SKIP
>>> learner = TaggingLearner.for_tagging("model_dir", train, valid, head="crf",
...                                      tokenizer_mode="char")                   # doctest: +SKIP
>>> learner.fit(5e-5, epochs=1); print(learner.validate())                        # doctest: +SKIP
>>> learner.get_predictor().save("ner")                                          # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

from bertkit._logging import get_logger
from bertkit.errors import TrainingError
from bertkit.pretrained import load_backbone, load_tokenizer
from bertkit.tasks.tagging.batches import TaggingBatches
from bertkit.tasks.tagging.data import TaggedExamples, load_tagged
from bertkit.tasks.tagging.model import TokenTagger
from bertkit.tasks.tagging.predictor import TaggingPredictor
from bertkit.tasks.tagging.schemes import TagScheme
from bertkit.training.base import BaseLearner, _FitBatches
from bertkit.training.seeding import seed_everything

log = get_logger(__name__)


class TaggingLearner(BaseLearner):
    """Trains a `TokenTagger` on texts with entity spans and scores it by entity F1.

    Args:
        model: the tagger; ``scheme.num_tags`` must equal ``model.num_tags``.
        tokenizer: the backbone's tokenizer (character mode for Chinese: one token per char).
        train_data, valid_data: `TaggedExamples`, a file (char-tag columns or JSON lines) or
            ``(text, [(start, end, type), ...])`` pairs.
        scheme: the `TagScheme` (tags of each type); built from the training types (BIO) if
            None.
        split_chars: one token per character with any vocabulary (e.g. e5/XLM-R on Chinese,
            whose pieces span several characters and so cut through entity boundaries).
        Other arguments as `BaseLearner` (batch_size, max_len, seed, head_lr_multiplier, ...).
    """

    def __init__(self, model: TokenTagger, tokenizer: Any, train_data: Any,
                 valid_data: Any = None, *, scheme: TagScheme | None = None,
                 split_chars: bool = False, **kwargs: Any) -> None:
        super().__init__(model, tokenizer, **kwargs)
        self.split_chars = split_chars
        self.train_data = load_tagged(train_data)
        self.valid_data = load_tagged(valid_data) if valid_data is not None else None
        self.scheme = scheme or TagScheme("BIO", self.train_data.types)
        if self.scheme.num_tags != model.num_tags:
            raise TrainingError(f"the scheme has {self.scheme.num_tags} tags "
                               f"({', '.join(self.scheme.tags[:8])}...) but the model "
                               f"{model.num_tags}.")
        for name, data in (("training", self.train_data), ("validation", self.valid_data)):
            if data is None:
                continue
            for i, spans in enumerate(data.entities):
                unknown = {s.type for s in spans} - set(self.scheme.types)
                if unknown:
                    raise TrainingError(
                        f"{data.where(i)} ({name} data): entity type(s) {sorted(unknown)} are "
                        f"not in the scheme's types {self.scheme.types}.")
        self._cache: dict[int, TaggingBatches] = {}

    @classmethod
    def for_tagging(cls, model_path: str, train_data: Any, valid_data: Any = None, *,
                    scheme: str = "BIO", head: str = "crf", tokenizer_mode: str | None = None,
                    split_chars: bool = False,
                    dropout: float = 0.1, crf_lr_multiplier: float = 1000.0, dtype: Any = None,
                    **kwargs: Any) -> "TaggingLearner":
        """Load a pretrained encoder and its tokenizer and put a tagging head on it.

        ``scheme``: ``"BIO"`` or ``"BMES"``, over the entity types of ``train_data``.
        ``tokenizer_mode="char"``: one token per character (Chinese with a BERT vocab.txt).
        """
        seed_everything(kwargs.get("seed", 0))  # the new head and dropout: reproducible
        train = load_tagged(train_data)
        tag_scheme = TagScheme(scheme, train.types)
        tokenizer = (load_tokenizer(model_path, mode=tokenizer_mode) if tokenizer_mode
                     else load_tokenizer(model_path))
        model = TokenTagger(load_backbone(model_path, dtype=dtype), tag_scheme.num_tags,
                            head=head, dropout=dropout, crf_lr_multiplier=crf_lr_multiplier,
                            name="token_tagger")
        return cls(model, tokenizer, train, valid_data, scheme=tag_scheme,
                   split_chars=split_chars, **kwargs)

    def _task_identity(self) -> dict[str, Any]:
        return {"scheme": self.scheme.to_dict(), "split_chars": self.split_chars}

    def _batches(self, data: Any, training: bool) -> _FitBatches:
        key = id(data)
        if key not in self._cache:
            batches = TaggingBatches(
                data, self.tokenizer, self.scheme,
                batch_size=self.batch_size if training else self.eval_batch_size,
                max_len=self.max_len, shuffle=training, seed=self.seed,
                split_chars=self.split_chars)
            if batches.dropped_entities:
                log.info("note: %d entities fall beyond max_len=%d tokens or share a token "
                         "with another entity; they are not trained on.",
                         batches.dropped_entities, self.max_len)
            self._cache[key] = batches
        return _FitBatches(self._cache[key])

    def _examples(self, data: Any) -> TaggedExamples:
        return load_tagged(data)

    def get_predictor(self, batch_size: int | None = None) -> TaggingPredictor:
        """A `TaggingPredictor` sharing this learner's model (``.save(directory)`` it)."""
        return TaggingPredictor(self.model, self.tokenizer, self.scheme, max_len=self.max_len,
                                batch_size=batch_size or self.eval_batch_size,
                                split_chars=self.split_chars)

