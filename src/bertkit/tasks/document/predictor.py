"""`DocumentPredictor`: labels for whole long documents, by chunk + aggregate or truncation.

With strategy ``chunks`` each document is cut into chunks (`DocumentChunker`), every chunk is
encoded by the fine-tuned chunk classifier's encoder (its pooled ``[CLS]`` vector, the input of
its head), the vectors are grouped by document and a `ChunkAggregator` gives the label. With
``head`` / ``head_tail`` the document is truncated to one piece and the classifier labels it.

Inputs (``predict(inputs)``): a list of documents (non-empty strings, any length). Outputs: one
label per document. Saved like every predictor (``"task": "document_classification"``) plus
``aggregator.safetensors``; `load_predictor` reads it back in any process and on any backend.

>>> predictor = doc_classifier.get_predictor()                           # doctest: +SKIP
>>> predictor.predict([very_long_review])                                # doctest: +SKIP
['positive']
>>> predictor.save("reviews_model"); bertkit.load_predictor("reviews_model")  # doctest: +SKIP
"""

from __future__ import annotations

import os
from typing import Any, Callable, Sequence

import keras
import numpy as np

from bertkit.data import LabelMap, TextExamples, load_examples
from bertkit.errors import CheckpointError, PredictorError, PredictorInputError
from bertkit.prediction.base import BasePredictor, check_texts
from bertkit.prediction.scores import softmax
from bertkit.tasks.classification.metrics import ClassificationReport, classification_report
from bertkit.tasks.classification.model import TextClassifier
from bertkit.tasks.classification.predictor import Predictor, details
from bertkit.tasks.document.data import DocumentChunker
from bertkit.tasks.document.model import ChunkAggregator, pack_chunks
from bertkit.weights.model_weights import load_model_weights

AGGREGATOR_FILE = "aggregator.safetensors"


def feature_model(model: TextClassifier) -> keras.Model:
    """The classifier up to its head: text -> the pooled vector its output layer reads."""
    return keras.Model(model.input, model.get_layer("head_dropout").input,
                       name="chunk_features")


class DocumentPredictor(BasePredictor):
    """Predicts a label per whole document (any length).

    Args:
        model: the `TextClassifier` fine-tuned on chunks (or on truncated documents).
        tokenizer: its tokenizer.
        label_map: the labels.
        chunker: how documents become pieces (its ``strategy`` picks the method).
        aggregator: the trained `ChunkAggregator` (strategy ``chunks`` only).
        batch_size: chunks encoded at a time, and documents aggregated at a time.
    """

    task = "document_classification"
    model_class = TextClassifier
    required_fields = ("labels", "document")

    def __init__(self, model: TextClassifier, tokenizer: Any, label_map: LabelMap,
                 chunker: DocumentChunker, aggregator: ChunkAggregator | None = None,
                 batch_size: int = 64) -> None:
        if len(label_map.names) != model.num_classes or model.task != "single_label":
            raise PredictorError(f"a document classifier needs a single_label model with "
                                 f"{len(label_map.names)} classes; got {model.task} with "
                                 f"{model.num_classes}.")
        if (chunker.strategy == "chunks") != (aggregator is not None):
            raise PredictorError("strategy 'chunks' needs an aggregator; truncation takes none.")
        super().__init__(model, tokenizer, max_len=chunker.max_len, batch_size=batch_size)
        self.label_map = label_map
        self.chunker = chunker
        self.aggregator = aggregator
        self._features: keras.Model | None = None

    @property
    def labels(self) -> list[str]:
        return list(self.label_map.names)

    @property
    def strategy(self) -> str:
        return self.chunker.strategy

    # ---- stages ----------------------------------------------------------------------------
    def _run(self, fn: Callable[[dict[str, np.ndarray]], Any], pieces: list[str]) -> np.ndarray:
        """``fn(model inputs)`` over ``pieces`` in batches of similar length, rows in order."""
        rows = self.run_by_length([len(p) for p in pieces], lambda idx: np.asarray(
            keras.ops.convert_to_numpy(fn(self.encode_texts(pieces, None, idx))), np.float32))
        return np.stack(rows)

    def chunk_vectors(self, documents: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """``(vectors (n_chunks, H), doc_index (n_chunks,))`` of all chunks of ``documents``."""
        if self._features is None:
            self._features = feature_model(self.model)
        features = self._features
        pieces, owner = self.chunker.split(self._check(documents))
        return self._run(lambda x: features(x, training=False), pieces), owner

    def aggregate(self, vectors: np.ndarray, doc_index: np.ndarray, n_docs: int) -> np.ndarray:
        """Document logits from chunk vectors, ``batch_size`` documents at a time."""
        assert self.aggregator is not None
        logits = np.zeros((n_docs, self.model.num_classes), np.float32)
        for start in range(0, n_docs, self.batch_size):
            stop = min(start + self.batch_size, n_docs)
            rows = (doc_index >= start) & (doc_index < stop)
            packed, mask = pack_chunks(vectors[rows], doc_index[rows] - start, stop - start)
            out = self.aggregator({"chunk_vectors": packed, "chunk_mask": mask}, training=False)
            logits[start:stop] = keras.ops.convert_to_numpy(out)
        return logits

    @staticmethod
    def _check(documents: Any) -> list[str]:
        documents = check_texts(documents, "documents")
        for i, doc in enumerate(documents):
            if not doc.strip():
                raise PredictorInputError(f"document {i} is empty; every document must be a "
                                          "non-empty string.")
        return documents

    # ---- prediction ------------------------------------------------------------------------
    def logits(self, documents: Sequence[str]) -> np.ndarray:
        documents = self._check(documents)
        if not documents:
            return np.zeros((0, self.model.num_classes), np.float32)
        if self.strategy != "chunks":
            return self._run(lambda x: self.model(x, training=False),
                             self.chunker.truncate(documents))
        vectors, owner = self.chunk_vectors(documents)
        return self.aggregate(vectors, owner, len(documents))

    def predict_proba(self, documents: Sequence[str]) -> np.ndarray:
        """Class probabilities ``(len(documents), num_labels)``, columns in `labels` order."""
        return softmax(self.logits(documents))

    def predict(self, documents: Sequence[str]) -> list[Any]:
        """The predicted label of each document."""
        return [self.labels[j] for j in self.predict_proba(documents).argmax(1)]

    def predict_details(self, documents: Sequence[str], digits: int = 6
                        ) -> list[dict[str, Any]]:
        """Per document, ``{"label": ..., "probabilities": {label: p}}``."""
        probs = self.predict_proba(documents)
        return details([self.labels[j] for j in probs.argmax(1)], probs, self.labels, digits)

    def evaluate(self, examples: Any, labels: Sequence[Any] | None = None,
                 second_texts: Sequence[str] | None = None) -> ClassificationReport:
        """Accuracy, per-class precision/recall/F1 and the confusion matrix.

        ``examples``: `TextExamples` of documents or anything `bertkit.load_examples` reads;
        or documents, with ``labels``.
        """
        if labels is None:
            data = examples if isinstance(examples, TextExamples) else load_examples(examples)
            examples, labels, second_texts = data.texts, data.labels, data.second_texts
        if second_texts is not None:
            raise PredictorError("a document predictor takes one document per example, not "
                                 "pairs.")
        if labels is None:
            raise PredictorError("the evaluation documents have no labels.")
        truth = self.label_map.encode(labels)
        return classification_report(truth, self.predict_proba(examples).argmax(1), self.labels)

    def chunk_predictor(self) -> Predictor:
        """The stage-1 classifier alone, as a plain `Predictor` of pieces of ``max_len``."""
        return Predictor(self.model, self.tokenizer, self.label_map, max_len=self.max_len,
                         batch_size=self.batch_size)

    # ---- saving ----------------------------------------------------------------------------
    def task_fields(self) -> dict[str, Any]:
        return {**self.chunk_predictor().task_fields(),
                "document": {"chunker": self.chunker.get_config(),
                             "aggregator": (self.aggregator.get_config()
                                            if self.aggregator is not None else None)}}

    def extra_weights(self) -> dict[str, Any]:
        return {AGGREGATOR_FILE: self.aggregator} if self.aggregator is not None else {}

    @classmethod
    def from_saved(cls, directory: str, config: dict[str, Any], model: Any, tokenizer: Any,
                   batch_size: int) -> "DocumentPredictor":
        chunker = DocumentChunker.from_config(tokenizer, config["document"]["chunker"])
        aggregator = None
        if config["document"].get("aggregator"):
            aggregator = ChunkAggregator.from_config(config["document"]["aggregator"])
            path = os.path.join(directory, AGGREGATOR_FILE)
            if not os.path.isfile(path):
                raise CheckpointError(f"{path}: missing; the predictor's save did not finish.")
            load_model_weights(aggregator, path)
        return cls(model, tokenizer, LabelMap.from_dict(config["labels"]), chunker, aggregator,
                   batch_size=batch_size)
