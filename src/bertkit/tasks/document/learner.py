"""`DocumentClassifier`: classify documents longer than the encoder's ``max_len``.

Strategy ``chunks`` (chunk + aggregate), in one `fit`:

1. every training document is cut into chunks of ``max_len`` tokens (``overlap``, optionally on
   sentence boundaries) that carry the document's label, and the encoder + head are fine-tuned
   on them by the ordinary `Learner` (same schedules, checkpoints, layer-wise rates);
2. every chunk is encoded (no gradients, batches of similar length), the pooled vectors are
   grouped by document into ``(docs, chunks, H)`` with a chunk mask, and a small
   `ChunkAggregator` (``mean``, ``max``, ``attention`` or ``lstm``) is trained on them.

Baselines, same class: ``strategy="head"`` (keep the first ``max_len`` tokens) and
``strategy="head_tail"`` (first ``head_tokens`` + last ``max_len - 2 - head_tokens``; Sun et
al. 2019): the classifier is fine-tuned on the truncated documents and that is all.

>>> clf = bertkit.DocumentClassifier.for_documents(                      # doctest: +SKIP
...     "all-MiniLM-L6-v2", (train_texts, train_labels), max_len=128, aggregator="attention")
>>> clf.fit(5e-5, epochs=1)                                               # doctest: +SKIP
>>> clf.validate((test_texts, test_labels)).accuracy                      # doctest: +SKIP
>>> clf.get_predictor().save("reviews_model")                             # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any, Sequence

import keras
import numpy as np

from bertkit._logging import get_logger
from bertkit.data import LabelMap, TextExamples, load_examples
from bertkit.errors import TrainingError
from bertkit.pretrained import load_backbone, load_tokenizer
from bertkit.tasks.classification.learner import Learner
from bertkit.tasks.classification.metrics import ClassificationReport
from bertkit.tasks.classification.model import TextClassifier
from bertkit.tasks.document.data import DocumentChunker
from bertkit.tasks.document.model import ChunkAggregator, pack_chunks
from bertkit.tasks.document.predictor import DocumentPredictor
from bertkit.training.progress import keras_progress
from bertkit.training.seeding import seed_everything

log = get_logger(__name__)


class DocumentClassifier:
    """Fine-tunes a classifier for long documents (chunk + aggregate, or truncation baselines).

    Args:
        model: a single-label `TextClassifier` (see `for_documents`).
        tokenizer: its tokenizer.
        train_data, valid_data: documents with labels: `TextExamples` or anything
            `load_examples` reads (a file, a DataFrame, ``(texts, labels)``).
        label_map: label names; built from ``train_data`` when not given.
        strategy: ``"chunks"``, ``"head"`` or ``"head_tail"`` (see `DocumentChunker`).
        aggregator: ``"mean"``, ``"max"``, ``"attention"`` or ``"lstm"`` (strategy chunks).
        max_len, overlap, sentence_boundaries, max_chunks, head_tokens: of the `DocumentChunker`.
        chunks_per_document: stage 1 fine-tunes on at most this many chunks of each training
            document (a seeded random choice; ``None``: all). ``1`` gives the encoder the same
            training budget as truncation; stage 2 still aggregates every chunk.
        aggregator_units, aggregator_dropout: size of the attention / LSTM, dropout before its
            output layer.
        batch_size, eval_batch_size, seed, and other keyword arguments: of the `Learner` that
            fine-tunes the encoder (``weight_decay``, ``gradient_accumulation_steps``,
            ``layerwise_decay``).
    """

    def __init__(self, model: TextClassifier, tokenizer: Any, train_data: Any,
                 valid_data: Any = None, *, label_map: LabelMap | None = None,
                 strategy: str = "chunks", aggregator: str = "attention", max_len: int = 128,
                 overlap: int = 0, sentence_boundaries: bool = False,
                 max_chunks: int | None = None, head_tokens: int | None = None,
                 chunks_per_document: int | None = None, aggregator_units: int = 128, aggregator_dropout: float = 0.1,
                 batch_size: int = 32, eval_batch_size: int = 64, seed: int = 0,
                 **learner_kwargs: Any) -> None:
        if model.task != "single_label":
            raise TrainingError(f"DocumentClassifier trains single-label models; the model's "
                               f"task is {model.task!r}.")
        self.model = model
        self.tokenizer = tokenizer
        self.chunker = DocumentChunker(tokenizer, max_len, strategy=strategy, overlap=overlap,
                                       sentence_boundaries=sentence_boundaries,
                                       max_chunks=max_chunks, head_tokens=head_tokens)
        self.train_data = self._documents(train_data, "training")
        self.valid_data = (self._documents(valid_data, "validation")
                           if valid_data is not None else None)
        self.label_map = label_map or LabelMap.from_labels(self.train_data.labels,
                                                           multi_label=False)
        self.aggregator_method = aggregator
        self.aggregator_units = aggregator_units
        self.aggregator_dropout = aggregator_dropout
        self.batch_size = batch_size
        self.eval_batch_size = eval_batch_size
        self.seed = seed
        self.aggregator: ChunkAggregator | None = None
        if chunks_per_document is not None and chunks_per_document < 1:
            raise TrainingError(f"chunks_per_document must be >= 1 or None, got "
                               f"{chunks_per_document}.")
        self.chunks_per_document = chunks_per_document
        # The encoder's learner trains on pieces: chunks (or truncated documents) with labels.
        self.learner = Learner(model, tokenizer,
                               self._pieces(self.train_data, chunks_per_document),
                               self._pieces(self.valid_data) if self.valid_data else None,
                               label_map=self.label_map, batch_size=batch_size, max_len=max_len,
                               eval_batch_size=eval_batch_size, seed=seed, **learner_kwargs)
        if strategy == "chunks":
            self._new_aggregator()

    @classmethod
    def for_documents(cls, model_path: str, train_data: Any, valid_data: Any = None, *,
                      pooling: str = "pooled", dropout: float = 0.1, dtype: Any = None,
                      **kwargs: Any) -> "DocumentClassifier":
        """Load a pretrained encoder and its tokenizer and put a classification head on it."""
        seed_everything(kwargs.get("seed", 0))  # the new head and dropout: reproducible
        train = cls._documents(train_data, "training")
        label_map = kwargs.pop("label_map", None) or LabelMap.from_labels(train.labels,
                                                                          multi_label=False)
        model = TextClassifier(load_backbone(model_path, dtype=dtype),
                               num_classes=len(label_map.names), pooling=pooling,
                               dropout=dropout, name="text_classifier")
        return cls(model, load_tokenizer(model_path), train, valid_data, label_map=label_map,
                   **kwargs)

    # ---- data ------------------------------------------------------------------------------
    @staticmethod
    def _documents(data: Any, what: str) -> TextExamples:
        examples = data if isinstance(data, TextExamples) else load_examples(data)
        if examples.labels is None:
            raise TrainingError(f"the {what} documents have no labels.")
        if examples.second_texts is not None:
            raise TrainingError(f"the {what} data holds text pairs; DocumentClassifier takes "
                               f"one document per example.")
        if examples.is_multi_label:
            raise TrainingError(f"the {what} documents have lists of labels; DocumentClassifier "
                               f"is single-label.")
        return examples

    def _pieces(self, documents: TextExamples, per_document: int | None = None
                ) -> TextExamples:
        """Chunks (or truncated documents), each with its document's label; at most
        ``per_document`` chunks of each document (seeded choice, document order kept)."""
        pieces, owner = self.chunker.split(documents.texts)
        keep = np.arange(len(pieces))
        if per_document is not None:
            rng = np.random.default_rng(self.seed)
            bounds = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1], True])
            keep = np.concatenate([
                np.sort(rng.choice(np.arange(a, b), min(per_document, b - a), replace=False))
                for a, b in zip(bounds[:-1], bounds[1:])])
        assert documents.labels is not None
        return TextExamples(texts=[pieces[i] for i in keep],
                            labels=[documents.labels[owner[i]] for i in keep])

    @property
    def strategy(self) -> str:
        return self.chunker.strategy

    def _new_aggregator(self) -> None:
        hidden = self.model.get_layer("classifier_head").kernel.shape[0]
        self.aggregator = ChunkAggregator(hidden, self.model.num_classes,
                                          method=self.aggregator_method,
                                          units=self.aggregator_units,
                                          dropout=self.aggregator_dropout,
                                          name="chunk_aggregator")
        self._init_aggregator_head()

    def _init_aggregator_head(self) -> None:
        """Mean/max/attention start from the chunk classifier's head (see `init_head_from`)."""
        assert self.aggregator is not None
        if self.aggregator.method != "lstm":
            head = self.model.get_layer("classifier_head")
            self.aggregator.init_head_from(head.kernel, head.bias)

    # ---- training --------------------------------------------------------------------------
    def fit(self, lr: float, epochs: int = 1, *, aggregator_epochs: int = 10,
            aggregator_lr: float = 1e-3, aggregator_batch_size: int = 32,
            verbose: Any = "auto", **fit_kwargs: Any) -> dict[str, dict[str, list[float]]]:
        """Stage 1: fine-tune the encoder on chunks (``lr``, ``epochs``, and `Learner.fit`'s
        ``schedule``, ``warmup``, ``checkpoint_dir`` ...); stage 2 (strategy ``chunks``): train
        the aggregator for ``aggregator_epochs`` with Adam at ``aggregator_lr``.

        Returns ``{"encoder": history, "aggregator": history}``.
        """
        history = {"encoder": self.learner.fit(lr, epochs, verbose=verbose, **fit_kwargs)}
        if self.strategy == "chunks":
            history["aggregator"] = self.fit_aggregator(
                aggregator_epochs, lr=aggregator_lr, batch_size=aggregator_batch_size,
                verbose=verbose)
        return history

    def fit_aggregator(self, epochs: int = 10, *, lr: float = 1e-3, batch_size: int = 32,
                       verbose: Any = "auto") -> dict[str, list[float]]:
        """Stage 2 alone: encode every chunk with the current encoder, train a fresh aggregator.

        Seeded by ``seed`` (Keras' global seed is set to it).
        """
        if self.strategy != "chunks":
            raise TrainingError(f"strategy {self.strategy!r} has no aggregator to train.")
        seed_everything(self.seed)
        self._new_aggregator()
        assert self.aggregator is not None
        predictor = self.get_predictor()
        x, y = self._packed(predictor, self.train_data)
        valid = self._packed(predictor, self.valid_data) if self.valid_data else None
        if epochs <= 0:
            return {}
        self.aggregator.compile(optimizer=keras.optimizers.Adam(lr),
                                loss=self.aggregator.loss_function(),
                                metrics=self.aggregator.metrics_for_task())
        keras_verbose, progress = keras_progress(verbose)
        h = self.aggregator.fit(x, y, batch_size=batch_size, epochs=epochs, shuffle=True,
                                validation_data=valid, verbose=keras_verbose, callbacks=progress)
        return {k: [float(v) for v in values] for k, values in h.history.items()}

    def _packed(self, predictor: DocumentPredictor, documents: TextExamples
                ) -> tuple[dict[str, np.ndarray], np.ndarray]:
        vectors, owner = predictor.chunk_vectors(documents.texts)
        packed, mask = pack_chunks(vectors, owner, len(documents))
        return ({"chunk_vectors": packed, "chunk_mask": mask},
                self.label_map.encode(documents.labels))

    # ---- evaluation and prediction ----------------------------------------------------------
    def get_predictor(self, batch_size: int | None = None) -> DocumentPredictor:
        """A `DocumentPredictor` sharing this classifier's models (``.save(directory)``)."""
        return DocumentPredictor(self.model, self.tokenizer, self.label_map, self.chunker,
                                 self.aggregator if self.strategy == "chunks" else None,
                                 batch_size=batch_size or self.eval_batch_size)

    def validate(self, data: Any = None, *, print_report: bool = True
                 ) -> ClassificationReport:
        """Document-level accuracy, per-class precision/recall/F1 and the confusion matrix."""
        docs = self.valid_data if data is None else self._documents(data, "validation")
        if docs is None:
            raise TrainingError("no validation documents: pass data to validate, or valid_data "
                                "to the DocumentClassifier.")
        report = self.get_predictor().evaluate(docs)
        if print_report:
            log.info("%s", report)
        return report

    def predict(self, documents: Sequence[str]) -> list[Any]:
        """The label of each whole document."""
        return self.get_predictor().predict(documents)

    def predict_proba(self, documents: Sequence[str]) -> np.ndarray:
        """Class probabilities ``(len(documents), num_labels)``."""
        return self.get_predictor().predict_proba(documents)
