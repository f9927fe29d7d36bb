"""`TaggingPredictor`: entities of raw texts as typed character spans; saves like `Predictor`.

A saved tagging predictor is the same kind of directory as a classification one:
``predictor.json`` (``"task": "token_tagging"``, the tag scheme, encoder config, head, max_len,
tokenizer settings), ``model.safetensors`` and the tokenizer's files; `bertkit.load_predictor`
loads it in any process, on any Keras backend.
"""

from __future__ import annotations

import os
from typing import Any, Sequence

import numpy as np

from bertkit.errors import CheckpointError
from bertkit.prediction.predictor import (CONFIG_FILE, WEIGHTS_FILE, predictor_config,
                                          backbone_from_predictor_config,
                                          register_predictor_loader, save_predictor_files)
from bertkit.prediction.saving import load_model_weights
from bertkit.tasks.tagging.batches import encode_texts
from bertkit.tasks.tagging.data import TaggedExamples, load_tagged, token_tags_to_char_spans
from bertkit.tasks.tagging.metrics import EntityReport, entity_report
from bertkit.tasks.tagging.model import TokenTagger
from bertkit.tasks.tagging.schemes import TagScheme

TASK = "token_tagging"


class TaggingPredictor:
    """Finds entities in texts.

    Example:
    >>> tagger = learner.get_predictor()                          # doctest: +SKIP
    >>> tagger.predict(["我在北京工作"])                            # doctest: +SKIP
    [[{'text': '北京', 'start': 2, 'end': 4, 'type': 'LOC'}]]
    >>> tagger.save("ner"); bertkit.load_predictor("ner")         # doctest: +SKIP

    Texts longer than ``max_len`` tokens are cut: entities are found in the first part only.
    ``split_chars=True``: one token per character for any vocabulary (see `CharSplitter`).
    """

    task = TASK

    def __init__(self, model: TokenTagger, tokenizer: Any, scheme: TagScheme,
                 max_len: int = 128, batch_size: int = 64, split_chars: bool = False) -> None:
        if scheme.num_tags != model.num_tags:
            raise ValueError(f"the scheme has {scheme.num_tags} tags but the model "
                             f"{model.num_tags}.")
        self.model, self.tokenizer, self.scheme = model, tokenizer, scheme
        self.max_len, self.batch_size = max_len, batch_size
        self.split_chars = split_chars

    @property
    def types(self) -> list[str]:
        return list(self.scheme.types)

    def predict_spans(self, texts: Sequence[str]) -> list[list[tuple[int, int, str]]]:
        """Per text, its entities as ``(start, end, type)`` character spans (end exclusive)."""
        if isinstance(texts, str):
            raise TypeError("predict takes a list of texts; wrap a single text in a list.")
        texts = list(texts)
        rows = encode_texts(self.tokenizer, texts, self.max_len, self.split_chars)
        order = np.argsort([-len(r[0]) for r in rows], kind="stable")
        out: list[list[tuple[int, int, str]]] = [[] for _ in texts]
        for start in range(0, len(texts), self.batch_size):
            idx = order[start:start + self.batch_size]
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
            for r, i in enumerate(idx):
                n = len(rows[i][0])
                out[i] = [tuple(s) for s in token_tags_to_char_spans(
                    self.scheme, tags[r, :n], rows[i][1], rows[i][2])]
        return out

    def predict(self, texts: Sequence[str]) -> list[list[dict[str, Any]]]:
        """Per text, its entities as ``{"text", "start", "end", "type"}`` (character offsets
        into the text, end exclusive: ``text[start:end]`` is the entity)."""
        return [[{"text": text[s:e], "start": s, "end": e, "type": t} for s, e, t in spans]
                for text, spans in zip(texts, self.predict_spans(texts))]

    def evaluate(self, data: Any) -> EntityReport:
        """Entity-level precision/recall/F1 per type (exact span and type) on labelled data:
        `TaggedExamples`, a file, or ``(text, spans)`` pairs."""
        data = data if isinstance(data, TaggedExamples) else load_tagged(data)
        return entity_report(data.entities, self.predict_spans(data.texts))

    # ---- saving ----------------------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        model = self.model
        return predictor_config(
            TASK, model, self.tokenizer, max_len=self.max_len, batch_size=self.batch_size,
            scheme=self.scheme.to_dict(), split_chars=self.split_chars,
            head={"num_tags": model.num_tags, "head": model.head, "dropout": model.dropout,
                  "crf_lr_multiplier": model.crf_lr_multiplier})

    def save(self, directory: str | os.PathLike) -> str:
        """Write the predictor to ``directory`` (config last: complete when present)."""
        return save_predictor_files(directory, self.model, self.tokenizer, self.get_config())


def _load_tagging(directory: str, config: dict[str, Any],
                  batch_size: int | None) -> TaggingPredictor:
    from bertkit.tokenization import Tokenizer

    if "scheme" not in config:
        raise CheckpointError(f"{os.path.join(directory, CONFIG_FILE)}: the config lacks "
                              "'scheme'; the file is damaged.")
    head = config["head"]
    model = TokenTagger(backbone_from_predictor_config(directory, config),
                        num_tags=head["num_tags"], head=head["head"], dropout=head["dropout"],
                        crf_lr_multiplier=head.get("crf_lr_multiplier", 1000.0))
    load_model_weights(model, os.path.join(directory, WEIGHTS_FILE))
    return TaggingPredictor(model, Tokenizer.from_directory(directory),
                            TagScheme.from_dict(config["scheme"]), max_len=config["max_len"],
                            batch_size=batch_size or config.get("batch_size", 64),
                            split_chars=bool(config.get("split_chars", False)))


register_predictor_loader(TASK, _load_tagging)
