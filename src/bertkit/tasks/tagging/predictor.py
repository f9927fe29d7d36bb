"""`TaggingPredictor`: entities of raw texts as typed character spans; saves like `Predictor`.

Inputs (``predict(inputs)``): a list of texts. Outputs: per text, its entities
``{"text", "start", "end", "type"}`` (character offsets, end exclusive). Saved like every
predictor (``"task": "token_tagging"``, with the tag scheme); `bertkit.load_predictor` loads it
in any process, on any Keras backend.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from bertkit.errors import PredictorError
from bertkit.prediction.base import BasePredictor, check_texts
from bertkit.tasks.tagging.batches import encode_texts
from bertkit.tasks.tagging.data import TaggedExamples, load_tagged, token_tags_to_char_spans
from bertkit.tasks.tagging.metrics import EntityReport, entity_report
from bertkit.tasks.tagging.model import TokenTagger
from bertkit.tasks.tagging.schemes import TagScheme

class TaggingPredictor(BasePredictor):
    """Finds entities in texts.

    Example:
    >>> tagger = learner.get_predictor()                          # doctest: +SKIP
    >>> tagger.predict(["我在北京工作"])                            # doctest: +SKIP
    [[{'text': '北京', 'start': 2, 'end': 4, 'type': 'LOC'}]]
    >>> tagger.save("ner"); bertkit.load_predictor("ner")         # doctest: +SKIP

    Texts longer than ``max_len`` tokens are cut: entities are found in the first part only.
    ``split_chars=True``: one token per character for any vocabulary (see `CharSplitter`).
    """

    task = "token_tagging"
    model_class = TokenTagger
    required_fields = ("scheme",)

    def __init__(self, model: TokenTagger, tokenizer: Any, scheme: TagScheme,
                 max_len: int = 128, batch_size: int = 64, split_chars: bool = False) -> None:
        if scheme.num_tags != model.num_tags:
            raise PredictorError(f"the scheme has {scheme.num_tags} tags but the model "
                                 f"{model.num_tags}.")
        super().__init__(model, tokenizer, max_len=max_len, batch_size=batch_size)
        self.scheme = scheme
        self.split_chars = split_chars

    @property
    def types(self) -> list[str]:
        return list(self.scheme.types)

    def predict_spans(self, texts: Sequence[str]) -> list[list[tuple[int, int, str]]]:
        """Per text, its entities as ``(start, end, type)`` character spans (end exclusive)."""
        texts = check_texts(texts)
        rows = encode_texts(self.tokenizer, texts, self.max_len, self.split_chars)

        def run(idx: np.ndarray) -> list[list[tuple[int, int, str]]]:
            width = max(len(rows[i][0]) for i in idx)
            token_ids = np.full((len(idx), width), self.tokenizer.pad_id, np.int32)
            padding = np.zeros((len(idx), width), np.int32)
            labelled = np.zeros((len(idx), width), bool)
            for r, i in enumerate(idx):
                n = len(rows[i][0])
                token_ids[r, :n], padding[r, :n] = rows[i][0], 1
                labelled[r, :n] = rows[i][2]
            scores = self.model.predict_on_batch(
                {"token_ids": token_ids, "segment_ids": np.zeros_like(token_ids),
                 "padding_mask": padding})
            tags = self.model.decode(scores, labelled)
            return [[tuple(s) for s in token_tags_to_char_spans(
                self.scheme, tags[r, :len(rows[i][0])], rows[i][1], rows[i][2])]
                for r, i in enumerate(idx)]

        return self.run_by_length([len(r[0]) for r in rows], run)

    def predict(self, texts: Sequence[str]) -> list[list[dict[str, Any]]]:
        """Per text, its entities as ``{"text", "start", "end", "type"}`` (character offsets
        into the text, end exclusive: ``text[start:end]`` is the entity)."""
        texts = check_texts(texts)
        return [[{"text": text[s:e], "start": s, "end": e, "type": t} for s, e, t in spans]
                for text, spans in zip(texts, self.predict_spans(texts))]

    def evaluate(self, data: Any) -> EntityReport:
        """Entity-level precision/recall/F1 per type (exact span and type) on labelled data:
        `TaggedExamples`, a file, or ``(text, spans)`` pairs."""
        data = data if isinstance(data, TaggedExamples) else load_tagged(data)
        return entity_report(data.entities, self.predict_spans(data.texts))

    # ---- saving ----------------------------------------------------------------------------
    def task_fields(self) -> dict[str, Any]:
        return {"scheme": self.scheme.to_dict(), "split_chars": self.split_chars}

    @classmethod
    def from_saved(cls, directory: str, config: dict[str, Any], model: Any, tokenizer: Any,
                   batch_size: int) -> "TaggingPredictor":
        return cls(model, tokenizer, TagScheme.from_dict(config["scheme"]),
                   max_len=config["max_len"], batch_size=batch_size,
                   split_chars=bool(config.get("split_chars", False)))
