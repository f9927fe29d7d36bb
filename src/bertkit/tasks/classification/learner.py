"""`Learner`: fine-tune a text classifier in three lines, ktrain-style, without pickled state.

>>> train, valid = bertkit.load_examples("reviews.csv").split(0.1)        # doctest: +SKIP
>>> learner = bertkit.Learner.for_classification("all-MiniLM-L6-v2", train, valid)  # doctest: +SKIP
>>> learner.fit_onecycle(5e-5, epochs=2)                                  # doctest: +SKIP
>>> learner.validate()                                                    # doctest: +SKIP
>>> learner.get_predictor().save("my_predictor")                         # doctest: +SKIP
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from bertkit._logging import get_logger
from bertkit.data import LabelMap, StreamingBatches, StreamingExamples, TextBatches, TextExamples
from bertkit.data import load_examples
from bertkit.data.batch_inputs import positive_int
from bertkit.errors import TrainingError
from bertkit.pretrained import load_backbone, load_tokenizer
from bertkit.tasks.classification.metrics import ClassificationReport
from bertkit.tasks.classification.model import TextClassifier
from bertkit.tasks.classification.predictor import Predictor
from bertkit.training.base import BaseLearner, _FitBatches
from bertkit.training.seeding import seed_everything

log = get_logger(__name__)


class Learner(BaseLearner):
    """Trains a `TextClassifier` on labelled texts and evaluates it.

    Args:
        model: the classifier (see `Learner.for_classification` to build one from a checkpoint).
        tokenizer: the backbone's tokenizer.
        train_data: `TextExamples`, `StreamingExamples` (files larger than memory), or anything
            `load_examples` accepts (a path, a DataFrame, ``(texts, labels)``).
        valid_data: the same kinds, or None.
        label_map: label names; built from ``train_data`` when not given.
        batch_size, max_len: batches are padded to their longest text, at most ``max_len``.
        gradient_accumulation_steps: update weights every N batches (effective batch N×).
        layerwise_decay: e.g. 0.9: each lower layer learns 0.9× as fast as the one above.
        head_lr_multiplier: the head's learning rate over the encoder's (default 1).
        bucket_window: training batches are grouped by length inside windows of this many
            batches (fewer padding tokens, faster epochs); ``1`` gives random batches.
    """

    def __init__(self, model: TextClassifier, tokenizer: Any, train_data: Any,
                 valid_data: Any = None, *, label_map: LabelMap | None = None,
                 batch_size: int = 32, max_len: int = 128, eval_batch_size: int = 64,
                 seed: int = 0, weight_decay: float = 0.01, gradient_accumulation_steps: int = 1,
                 layerwise_decay: float | None = None, head_lr_multiplier: float = 1.0,
                 bucket_window: int = 50, workdir: str = "bertkit_runs") -> None:
        super().__init__(model, tokenizer, batch_size=batch_size, max_len=max_len,
                         eval_batch_size=eval_batch_size, seed=seed, weight_decay=weight_decay,
                         gradient_accumulation_steps=gradient_accumulation_steps,
                         layerwise_decay=layerwise_decay, head_lr_multiplier=head_lr_multiplier,
                         workdir=workdir)
        self.train_data = self._as_examples(train_data)
        self.valid_data = self._as_examples(valid_data) if valid_data is not None else None
        if label_map is None:
            label_map = self._label_map_from(self.train_data, model.task == "multi_label")
        if len(label_map.names) != model.num_classes:
            raise TrainingError(f"the data has {len(label_map.names)} labels "
                               f"({', '.join(label_map.names[:10])}) but the model has "
                               f"{model.num_classes} classes.")
        self.label_map = label_map
        self.bucket_window = positive_int(bucket_window, "bucket_window")

    # ---- construction ----------------------------------------------------------------------
    @classmethod
    def for_classification(cls, model_path: str, train_data: Any, valid_data: Any = None, *,
                           task: str | None = None, pooling: str = "pooled",
                           dropout: float = 0.1, dtype: Any = None,
                           **kwargs: Any) -> "Learner":
        """Load a pretrained encoder and its tokenizer, and put a classification head on it.

        ``task`` is inferred (``multi_label`` when examples carry lists of labels, else
        ``single_label``); ``dtype="mixed_bfloat16"`` trains in bfloat16 on CPUs and GPUs that
        accelerate it.
        """
        seed_everything(kwargs.get("seed", 0))  # the new head and dropout: reproducible
        train = cls._as_examples(train_data)
        multi = task == "multi_label" or (task is None and train.is_multi_label)
        label_map = kwargs.pop("label_map", None) or cls._label_map_from(train, multi)
        task = task or ("multi_label" if multi else "single_label")
        backbone = load_backbone(model_path, dtype=dtype)
        model = TextClassifier(backbone, num_classes=len(label_map.names), task=task,
                               pooling=pooling, dropout=dropout, name="text_classifier")
        return cls(model, load_tokenizer(model_path), train, valid_data, label_map=label_map,
                   **kwargs)

    @staticmethod
    def _as_examples(data: Any) -> TextExamples | StreamingExamples:
        if isinstance(data, (TextExamples, StreamingExamples)):
            return data
        return load_examples(data)

    @staticmethod
    def _label_map_from(data: Any, multi_label: bool) -> LabelMap:
        if isinstance(data, StreamingExamples):
            return LabelMap(data.label_names(), multi_label=multi_label)
        if data.labels is None:
            raise TrainingError("the training data has no labels.")
        return LabelMap.from_labels(data.labels, multi_label=multi_label)

    def _task_identity(self) -> dict[str, Any]:
        return {"labels": self.label_map.to_dict(), "bucket_window": self.bucket_window}

    # ---- data ------------------------------------------------------------------------------
    def _batches(self, data: Any, training: bool) -> Any:
        if isinstance(data, StreamingExamples):
            batches: Any = StreamingBatches(data, self.tokenizer, self.label_map,
                                            batch_size=self.batch_size, max_len=self.max_len,
                                            seed=self.seed, bucket_window=self.bucket_window)
        else:
            batches = TextBatches(data, self.tokenizer, self.label_map,
                                  batch_size=self.batch_size if training else self.eval_batch_size,
                                  max_len=self.max_len, shuffle=training, seed=self.seed,
                                  bucket_window=self.bucket_window)
        return _FitBatches(batches, binary=self.model.task == "binary")

    # ---- evaluation ------------------------------------------------------------------------
    def _examples(self, data: Any) -> TextExamples:
        data = self._as_examples(data)
        if isinstance(data, StreamingExamples):
            raise TrainingError("validate needs in-memory examples; load the file with "
                                "bertkit.load_examples(path).")
        if data.labels is None:
            raise TrainingError("the validation data has no labels.")
        return data

    def validate(self, data: Any = None, *, print_report: bool = True,
                 plot_path: str | None = "confusion_matrix.png") -> ClassificationReport:
        """Accuracy, per-class precision/recall/F1, macro/micro F1 and the confusion matrix.

        Logs the report and saves the confusion matrix as a PNG (``plot_path``).
        """
        report = super().validate(data, print_report=print_report)
        if plot_path:
            directory, name = os.path.split(os.path.abspath(plot_path))
            report.plot(directory, name)
            if print_report:
                log.info("confusion matrix saved to %s", plot_path)
        return report

    def top_losses(self, n: int = 5, data: Any = None) -> list[dict[str, Any]]:
        """The ``n`` examples the model gets most wrong (highest loss), worst first."""
        data = self._examples(self._validation_examples(data))
        probs = self.get_predictor().predict_proba(data.texts, data.second_texts)
        truth = self.label_map.encode(data.labels)
        eps = 1e-7
        if self.label_map.multi_label:
            losses = -(truth * np.log(probs + eps) + (1 - truth) * np.log(1 - probs + eps)).mean(1)
        else:
            losses = -np.log(probs[np.arange(len(truth)), truth] + eps)
        worst = np.argsort(-losses)[:n]
        predicted = self.label_map.decode(probs[worst])
        return [{"index": int(i), "text": data.texts[i], "label": data.labels[i],
                 "predicted": predicted[k], "loss": float(losses[i])}
                for k, i in enumerate(worst)]

    def view_top_losses(self, n: int = 5, data: Any = None, width: int = 200) -> None:
        """Show the worst-predicted examples (ktrain's ``view_top_losses``)."""
        for row in self.top_losses(n, data):
            text = row["text"] if len(row["text"]) <= width else row["text"][:width] + "…"
            log.info("#%d  loss %.3f  true: %s  predicted: %s\n    %s", row["index"],
                     row["loss"], row["label"], row["predicted"], text)

    # ---- prediction ------------------------------------------------------------------------
    def get_predictor(self, batch_size: int | None = None) -> Predictor:
        """A `Predictor` sharing this learner's model (save it with ``.save(directory)``)."""
        return Predictor(self.model, self.tokenizer, self.label_map, max_len=self.max_len,
                         batch_size=batch_size or self.eval_batch_size)
