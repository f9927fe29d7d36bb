"""`Predictor`: a trained model with its tokenizer and labels, saved as a plain directory.

A saved predictor is ``predictor.json`` (a versioned config: task, labels, max_len, tokenizer
settings, encoder config, head), ``model.safetensors`` (weights by Keras path) and the
tokenizer's files. No pickle: it loads in a fresh process, on another Keras backend, and after
a bertkit upgrade that keeps the format version.
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from bertkit._io import write_json_atomic
from bertkit.backbone.backbone import BertBackbone
from bertkit.backbone.config import BertConfig
from bertkit.data import LabelMap
from bertkit.errors import CheckpointError, CheckpointNotFoundError
from bertkit.prediction.saving import load_model_weights, save_model_weights
from bertkit.tasks.classifier import TextClassifier

if TYPE_CHECKING:
    from bertkit.evaluation import ClassificationReport

CONFIG_FILE = "predictor.json"
WEIGHTS_FILE = "model.safetensors"
FORMAT = "bertkit.predictor"
FORMAT_VERSION = 1


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(-1, keepdims=True)


def _sigmoid(logits: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-logits))


class Predictor:
    """Predicts labels for raw texts (or text pairs).

    Example:
    >>> predictor = learner.get_predictor()                      # doctest: +SKIP
    >>> predictor.predict(["a gripping, beautifully shot film"]) # doctest: +SKIP
    ['positive']
    >>> predictor.save("my_predictor")                           # doctest: +SKIP
    >>> bertkit.load_predictor("my_predictor").predict_proba(["dull"])  # doctest: +SKIP
    """

    task = "text_classification"

    def __init__(self, model: TextClassifier, tokenizer: Any, label_map: LabelMap,
                 max_len: int = 128, batch_size: int = 64, threshold: float = 0.5) -> None:
        if len(label_map.names) != model.num_classes:
            raise ValueError(f"the label map has {len(label_map.names)} labels but the model "
                             f"{model.num_classes} classes.")
        self.model = model
        self.tokenizer = tokenizer
        self.label_map = label_map
        self.max_len = max_len
        self.batch_size = batch_size
        self.threshold = threshold

    @property
    def labels(self) -> list[str]:
        return list(self.label_map.names)

    # ---- prediction ------------------------------------------------------------------------
    def _logits(self, texts: Sequence[str], second_texts: Sequence[str] | None) -> np.ndarray:
        if isinstance(texts, str):
            raise TypeError("predict takes a list of texts; wrap a single text in a list.")
        texts = list(texts)
        if second_texts is not None and len(second_texts) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(second_texts)} second texts.")
        if not texts:
            return np.zeros((0, self.model.num_classes if self.model.task != "binary" else 1),
                            np.float32)
        # Sort by length so each batch pads little; results go back to the input order.
        lengths = [len(t) + (len(second_texts[i]) if second_texts else 0)
                   for i, t in enumerate(texts)]
        order = np.argsort(lengths, kind="stable")[::-1]
        outputs = np.zeros((len(texts), self.model.outputs[0].shape[-1]), np.float32)
        for start in range(0, len(texts), self.batch_size):
            idx = order[start:start + self.batch_size]
            batch = self.tokenizer.encode_batch(
                [texts[i] for i in idx],
                second=[second_texts[i] for i in idx] if second_texts is not None else None,
                max_len=self.max_len)
            logits = self.model.predict_on_batch(batch.model_inputs())
            outputs[idx] = np.asarray(logits, dtype=np.float32)
        return outputs

    def predict_proba(self, texts: Sequence[str],
                      second_texts: Sequence[str] | None = None) -> np.ndarray:
        """Class probabilities, shape ``(len(texts), num_labels)``, columns in `labels` order."""
        logits = self._logits(texts, second_texts)
        if self.model.task == "single_label":
            return _softmax(logits)
        probs = _sigmoid(logits)
        if self.model.task == "binary":
            return np.concatenate([1.0 - probs, probs], axis=1)
        return probs

    def predict(self, texts: Sequence[str],
                second_texts: Sequence[str] | None = None) -> list[Any]:
        """Predicted label per text (a list of labels per text for multi-label tasks)."""
        probs = self.predict_proba(texts, second_texts)
        if self.model.task == "multi_label":
            return [[self.labels[j] for j in np.flatnonzero(row >= self.threshold)]
                    for row in probs]
        return [self.labels[j] for j in probs.argmax(1)]

    def evaluate(self, texts: Sequence[str], labels: Sequence[Any],
                 second_texts: Sequence[str] | None = None) -> "ClassificationReport":
        """Accuracy, per-class precision/recall/F1 and the confusion matrix on labelled texts."""
        from bertkit.evaluation import classification_report

        probs = self.predict_proba(texts, second_texts)
        truth = self.label_map.encode(labels)
        if self.label_map.multi_label:
            predicted = (probs >= self.threshold).astype(np.int64)
        else:
            predicted = probs.argmax(1)
        return classification_report(truth, predicted, self.labels)

    # ---- saving ----------------------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        model = self.model
        return predictor_config(
            self.task, model, self.tokenizer, max_len=self.max_len,
            batch_size=self.batch_size, labels=self.label_map.to_dict(), threshold=self.threshold,
            head={"num_classes": model.num_classes, "task": model.task,
                  "pooling": model.pooling, "dropout": model.dropout})

    def save(self, directory: str | os.PathLike) -> str:
        """Write the predictor to ``directory``; the config is written last (complete = present)."""
        return save_predictor_files(directory, self.model, self.tokenizer, self.get_config())


def predictor_config(task: str, model: Any, tokenizer: Any, *, max_len: int, batch_size: int,
                     head: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """The JSON config every predictor saves (``predictor.json``).

    The format header, ``task`` (which `load_predictor` dispatches on), ``max_len``,
    ``batch_size``, the tokenizer's and the encoder's configs, ``head`` (the task head's
    settings; the encoder's dtype policy is added) and the task's own ``fields`` (labels, tag
    scheme, thresholds, ...).
    """
    from bertkit._version import __version__

    backbone = model.backbone
    return {"format": FORMAT, "format_version": FORMAT_VERSION, "bertkit_version": __version__,
            "task": task, **fields, "max_len": max_len, "batch_size": batch_size,
            "tokenizer": tokenizer.get_config(), "encoder": backbone.bert_config.to_dict(),
            "head": {**head, "dtype": backbone.layer_dtype_policy.name}}


def save_predictor_files(directory: str | os.PathLike, model: Any, tokenizer: Any,
                         config: dict[str, Any],
                         extra_weights: dict[str, Any] | None = None) -> str:
    """Write a predictor directory: weights, tokenizer files, then ``predictor.json`` last (a
    directory holding the config is complete). Every task's predictor saves through this."""
    directory = os.fspath(directory)
    os.makedirs(directory, exist_ok=True)
    save_model_weights(model, os.path.join(directory, WEIGHTS_FILE))
    for name, extra_model in (extra_weights or {}).items():
        save_model_weights(extra_model, os.path.join(directory, name))
    tokenizer.save(directory)
    write_json_atomic(os.path.join(directory, CONFIG_FILE), config)
    return directory


def read_predictor_config(directory: str) -> dict[str, Any]:
    path = os.path.join(directory, CONFIG_FILE)
    if not os.path.isdir(directory):
        raise CheckpointNotFoundError(f"{directory}: no such predictor directory.")
    if not os.path.isfile(path):
        raise CheckpointNotFoundError(
            f"{path}: missing; {directory} is not a saved predictor (or its save did not finish).")
    try:
        with open(path, encoding="utf-8") as f:
            config = json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise CheckpointError(f"{path}: corrupted, not valid JSON ({err}).") from None
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise CheckpointError(f"{path}: not a bertkit predictor config (format "
                              f"{config.get('format') if isinstance(config, dict) else None!r}).")
    version = config.get("format_version")
    if version != FORMAT_VERSION:
        raise CheckpointError(
            f"{path}: predictor format_version {version!r} is not supported; this bertkit reads "
            f"version {FORMAT_VERSION}. Upgrade bertkit (pip install -U bertkit) to load it.")
    for key in ("encoder", "head", "tokenizer", "max_len"):
        if key not in config:
            raise CheckpointError(f"{path}: the config lacks {key!r}; the file is damaged.")
    return config


#: task name in ``predictor.json`` -> function(directory, config, batch_size) -> predictor.
#: Each task module registers its own loader with `register_predictor_loader`.
_LOADERS: dict[str, Any] = {}


def register_predictor_loader(task: str, loader: Any) -> None:
    """Let `load_predictor` load predictors whose ``predictor.json`` says ``"task": task``."""
    _LOADERS[task] = loader


def backbone_from_predictor_config(directory: str, config: dict[str, Any]) -> BertBackbone:
    """An encoder (weights not yet loaded) built from a saved predictor's config."""
    return BertBackbone.from_bert_config(
        BertConfig.from_dict(config["encoder"], source=os.path.join(directory, CONFIG_FILE)),
        dtype=config["head"].get("dtype"), name="backbone", for_loading=True)


def load_predictor(directory: str | os.PathLike, batch_size: int | None = None) -> Any:
    """Load a predictor saved with ``.save``, in any process and on any Keras backend.

    The kind of predictor (text classification, tagging, span extraction, ...) is read from
    ``predictor.json``.
    """
    import bertkit.tasks  # noqa: F401  (the task modules register their loaders)

    directory = os.fspath(directory)
    config = read_predictor_config(directory)
    task = config.get("task", "text_classification")
    if task not in _LOADERS:
        raise CheckpointError(
            f"{os.path.join(directory, CONFIG_FILE)}: unknown task {task!r}; this bertkit "
            f"loads {sorted(_LOADERS)}. Upgrade bertkit to load it.")
    return _LOADERS[task](directory, config, batch_size)


def _load_text_classification(directory: str, config: dict[str, Any],
                              batch_size: int | None) -> Predictor:
    from bertkit.tokenization import Tokenizer

    if "labels" not in config:
        raise CheckpointError(f"{os.path.join(directory, CONFIG_FILE)}: the config lacks "
                              "'labels'; the file is damaged.")
    head = config["head"]
    backbone = backbone_from_predictor_config(directory, config)
    model = TextClassifier(backbone, num_classes=head["num_classes"], task=head["task"],
                           pooling=head["pooling"], dropout=head["dropout"])
    load_model_weights(model, os.path.join(directory, WEIGHTS_FILE))
    tokenizer = Tokenizer.from_directory(directory)
    return Predictor(model, tokenizer, LabelMap.from_dict(config["labels"]),
                     max_len=config["max_len"],
                     batch_size=batch_size or config.get("batch_size", 64),
                     threshold=config.get("threshold", 0.5))


register_predictor_loader("text_classification", _load_text_classification)
