"""`DocumentPredictor`: labels for whole long documents, by chunk + aggregate or truncation.

With strategy ``chunks`` each document is cut into chunks (`DocumentChunker`), every chunk is
encoded by the fine-tuned chunk classifier's encoder (its pooled ``[CLS]`` vector, the input of
its head), the vectors are grouped by document and a `ChunkAggregator` gives the label. With
``head`` / ``head_tail`` the document is truncated to one piece and the classifier labels it.

Saved like every predictor (``predictor.json`` with ``"task": "document_classification"``,
``model.safetensors``, the tokenizer files) plus ``aggregator.safetensors``; `load_predictor`
reads it back in any process and on any Keras backend.

>>> predictor = doc_classifier.get_predictor()                           # doctest: +SKIP
>>> predictor.predict([very_long_review])                                # doctest: +SKIP
['positive']
>>> predictor.save("reviews_model"); bertkit.load_predictor("reviews_model")  # doctest: +SKIP
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Sequence

import keras
import numpy as np

from bertkit.data import LabelMap
from bertkit.errors import CheckpointError
from bertkit.prediction.predictor import (
    CONFIG_FILE, WEIGHTS_FILE, Predictor, _softmax, backbone_from_predictor_config,
    register_predictor_loader)
from bertkit.prediction.predictor import save_predictor_files
from bertkit.prediction.saving import load_model_weights
from bertkit.tasks.aggregator import ChunkAggregator, pack_chunks
from bertkit.tasks.chunking import DocumentChunker
from bertkit.tasks.classifier import TextClassifier

if TYPE_CHECKING:
    from bertkit.evaluation import ClassificationReport

TASK = "document_classification"
AGGREGATOR_FILE = "aggregator.safetensors"


def feature_model(model: TextClassifier) -> keras.Model:
    """The classifier up to its head: text -> the pooled vector its output layer reads."""
    return keras.Model(model.input, model.get_layer("head_dropout").input,
                       name="chunk_features")


def run_sorted(fn: Any, tokenizer: Any, texts: Sequence[str], max_len: int,
               batch_size: int) -> np.ndarray:
    """``fn(model_inputs)`` over ``texts`` in batches of similar length; rows in input order."""
    if not texts:
        raise ValueError("no texts to encode")
    order = np.argsort([len(t) for t in texts], kind="stable")[::-1]
    out: np.ndarray | None = None
    for start in range(0, len(texts), batch_size):
        idx = order[start:start + batch_size]
        batch = tokenizer.encode_batch([texts[i] for i in idx], max_len=max_len)
        values = np.asarray(keras.ops.convert_to_numpy(fn(batch.model_inputs())), np.float32)
        if out is None:
            out = np.zeros((len(texts), *values.shape[1:]), np.float32)
        out[idx] = values
    assert out is not None
    return out


class DocumentPredictor:
    """Predicts a label per whole document (any length).

    Args:
        model: the `TextClassifier` fine-tuned on chunks (or on truncated documents).
        tokenizer: its tokenizer.
        label_map: the labels.
        chunker: how documents become pieces (its ``strategy`` picks the method).
        aggregator: the trained `ChunkAggregator` (strategy ``chunks`` only).
        batch_size: chunks encoded at a time, and documents aggregated at a time.
    """

    task = TASK

    def __init__(self, model: TextClassifier, tokenizer: Any, label_map: LabelMap,
                 chunker: DocumentChunker, aggregator: ChunkAggregator | None = None,
                 batch_size: int = 64) -> None:
        if len(label_map.names) != model.num_classes or model.task != "single_label":
            raise ValueError(f"a document classifier needs a single_label model with "
                             f"{len(label_map.names)} classes; got {model.task} with "
                             f"{model.num_classes}.")
        if (chunker.strategy == "chunks") != (aggregator is not None):
            raise ValueError("strategy 'chunks' needs an aggregator; truncation takes none.")
        self.model = model
        self.tokenizer = tokenizer
        self.label_map = label_map
        self.chunker = chunker
        self.aggregator = aggregator
        self.batch_size = batch_size
        self._features: keras.Model | None = None

    @property
    def labels(self) -> list[str]:
        return list(self.label_map.names)

    @property
    def strategy(self) -> str:
        return self.chunker.strategy

    @property
    def max_len(self) -> int:
        return self.chunker.max_len

    # ---- stages ----------------------------------------------------------------------------
    def chunk_vectors(self, documents: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """``(vectors (n_chunks, H), doc_index (n_chunks,))`` of all chunks of ``documents``."""
        if self._features is None:
            self._features = feature_model(self.model)
        features = self._features
        pieces, owner = self.chunker.split(self._check(documents))
        vectors = run_sorted(lambda x: features(x, training=False), self.tokenizer, pieces,
                             self.max_len, self.batch_size)
        return vectors, owner

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

    def _check(self, documents: Sequence[str]) -> list[str]:
        if isinstance(documents, str):
            raise TypeError("predict takes a list of documents; wrap a single one in a list.")
        documents = list(documents)
        for i, doc in enumerate(documents):
            if not isinstance(doc, str) or not doc.strip():
                raise ValueError(f"document {i} is {'empty' if isinstance(doc, str) else type(doc).__name__}"
                                 f"; every document must be a non-empty string.")
        return documents

    # ---- prediction ------------------------------------------------------------------------
    def logits(self, documents: Sequence[str]) -> np.ndarray:
        documents = self._check(documents)
        if not documents:
            return np.zeros((0, self.model.num_classes), np.float32)
        if self.strategy != "chunks":
            pieces = self.chunker.truncate(documents)
            return run_sorted(lambda x: self.model(x, training=False), self.tokenizer, pieces,
                              self.max_len, self.batch_size)
        vectors, owner = self.chunk_vectors(documents)
        return self.aggregate(vectors, owner, len(documents))

    def predict_proba(self, documents: Sequence[str]) -> np.ndarray:
        """Class probabilities ``(len(documents), num_labels)``, columns in `labels` order."""
        return _softmax(self.logits(documents))

    def predict(self, documents: Sequence[str]) -> list[Any]:
        """The predicted label of each document."""
        return [self.labels[j] for j in self.predict_proba(documents).argmax(1)]

    def evaluate(self, documents: Sequence[str], labels: Sequence[Any],
                 second_texts: Sequence[str] | None = None) -> "ClassificationReport":
        """Accuracy, per-class precision/recall/F1 and the confusion matrix."""
        from bertkit.evaluation import classification_report

        if second_texts is not None:
            raise ValueError("a document predictor takes one document per example, not pairs.")

        truth = self.label_map.encode(labels)
        return classification_report(truth, self.predict_proba(documents).argmax(1), self.labels)

    def chunk_predictor(self) -> Predictor:
        """The stage-1 classifier alone, as a plain `Predictor` of pieces of ``max_len``."""
        return Predictor(self.model, self.tokenizer, self.label_map, max_len=self.max_len,
                         batch_size=self.batch_size)

    # ---- saving ----------------------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        config = self.chunk_predictor().get_config()
        config["task"] = TASK
        config["document"] = {"chunker": self.chunker.get_config(),
                              "aggregator": (self.aggregator.get_config()
                                             if self.aggregator is not None else None)}
        return config

    def save(self, directory: str | os.PathLike) -> str:
        """Write the predictor to ``directory`` (config last: complete = present)."""
        extra = {AGGREGATOR_FILE: self.aggregator} if self.aggregator is not None else None
        return save_predictor_files(directory, self.model, self.tokenizer, self.get_config(),
                                    extra_weights=extra)


def _load_document_classification(directory: str, config: dict[str, Any],
                                  batch_size: int | None) -> DocumentPredictor:
    from bertkit.tokenization import Tokenizer

    where = os.path.join(directory, CONFIG_FILE)
    for key in ("labels", "document"):
        if key not in config:
            raise CheckpointError(f"{where}: the config lacks {key!r}; the file is damaged.")
    head = config["head"]
    model = TextClassifier(backbone_from_predictor_config(directory, config),
                           num_classes=head["num_classes"], task=head["task"],
                           pooling=head["pooling"], dropout=head["dropout"])
    load_model_weights(model, os.path.join(directory, WEIGHTS_FILE))
    tokenizer = Tokenizer.from_directory(directory)
    chunker = DocumentChunker.from_config(tokenizer, config["document"]["chunker"])
    aggregator = None
    if config["document"].get("aggregator"):
        aggregator = ChunkAggregator.from_config(config["document"]["aggregator"])
        path = os.path.join(directory, AGGREGATOR_FILE)
        if not os.path.isfile(path):
            raise CheckpointError(f"{path}: missing; the predictor's save did not finish.")
        load_model_weights(aggregator, path)
    return DocumentPredictor(model, tokenizer, LabelMap.from_dict(config["labels"]), chunker,
                             aggregator, batch_size=batch_size or config.get("batch_size", 64))


register_predictor_loader(TASK, _load_document_classification)
