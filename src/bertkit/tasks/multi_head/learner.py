"""`MultiHeadLearner`: train several heads on one encoder, from data labelled per head.

>>> data = bertkit.load_examples("news.csv", label_columns=["category", "sentiment"])  # doctest: +SKIP
>>> train, valid = data.split(0.1)                                         # doctest: +SKIP
>>> learner = MultiHeadLearner.for_multi_head(                             # doctest: +SKIP
...     "all-MiniLM-L6-v2", train, valid, loss_weights={"sentiment": 0.5},
...     hierarchy={"category": ("group", {"足球": "体育", "股票": "财经"})})
>>> learner.fit(5e-5, epochs=2)           # progress bar: category_accuracy, sentiment_accuracy  # doctest: +SKIP
>>> learner.validate()                    # a report and a confusion-matrix PNG per head  # doctest: +SKIP
>>> learner.get_predictor().save("news_predictor")                         # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any, Mapping

from bertkit.data import LabelMap, MultiHeadExamples
from bertkit.data.multi_head import load_multi_head_examples
from bertkit.errors import TrainingError
from bertkit.pretrained import load_backbone, load_tokenizer
from bertkit.tasks.multi_head.data import MultiHeadBatches
from bertkit.tasks.multi_head.hierarchy import Hierarchy
from bertkit.tasks.multi_head.metrics import MultiHeadReport
from bertkit.tasks.multi_head.model import MultiHeadClassifier
from bertkit.tasks.multi_head.predictor import MultiHeadPredictor
from bertkit.training.base import BaseLearner, _FitBatches
from bertkit.training.seeding import seed_everything


class MultiHeadLearner(BaseLearner):
    """Trains a `MultiHeadClassifier`; per-head metrics while training and in `validate`.

    Args:
        model: the multi-head model (see `for_multi_head` to build one from a checkpoint).
        tokenizer: the encoder's tokenizer.
        train_data, valid_data: `MultiHeadExamples` (``load_examples(..., label_columns=[...])``).
        label_maps: ``{head: LabelMap}``; built from ``train_data`` when not given.
        hierarchy: ``{child_head: (parent_head, {child_label: parent_label})}``: checked now
            (every child label needs a known parent) and applied by the predictor.
        Other arguments: as for `bertkit.Learner`.
    """

    def __init__(self, model: MultiHeadClassifier, tokenizer: Any, train_data: Any,
                 valid_data: Any = None, *, label_maps: Mapping[str, LabelMap] | None = None,
                 hierarchy: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(model, tokenizer, **kwargs)
        self.train_data = self._as_examples(train_data, model.head_names)
        self.valid_data = (self._as_examples(valid_data, model.head_names)
                           if valid_data is not None else None)
        label_maps = dict(label_maps) if label_maps is not None else self.train_data.label_maps()
        for head, spec in model.heads.items():
            if head not in label_maps:
                raise TrainingError(f"the model has a head {head!r} but the data has no label "
                                   f"column for it (its heads are {list(label_maps)}).")
            if len(label_maps[head].names) != spec["num_classes"]:
                raise TrainingError(
                    f"head {head!r}: the data has {len(label_maps[head].names)} labels "
                    f"({', '.join(label_maps[head].names[:10])}) but the model has "
                    f"{spec['num_classes']} classes.")
        self.label_maps = {head: label_maps[head] for head in model.heads}
        self.hierarchy = Hierarchy(hierarchy, self.label_maps) if hierarchy else None

    # ---- construction ----------------------------------------------------------------------
    @classmethod
    def for_multi_head(cls, model_path: str, train_data: Any, valid_data: Any = None, *,
                       tasks: Mapping[str, str] | None = None,
                       loss_weights: Mapping[str, float] | None = None,
                       pooling: str = "pooled", dropout: float = 0.1, dtype: Any = None,
                       **kwargs: Any) -> "MultiHeadLearner":
        """Load a pretrained encoder and tokenizer and put one head per label column on it.

        Each head's task is inferred (``multi_label`` when its labels are lists, else
        ``single_label``) unless ``tasks={"head": "binary", ...}`` says otherwise.
        """
        seed_everything(kwargs.get("seed", 0))  # the new head and dropout: reproducible
        train = cls._as_examples(train_data, None)
        label_maps = kwargs.pop("label_maps", None) or train.label_maps()
        heads = {}
        for head, label_map in label_maps.items():
            task = (tasks or {}).get(head) or ("multi_label" if label_map.multi_label
                                               else "single_label")
            heads[head] = {"num_classes": len(label_map.names), "task": task}
        backbone = load_backbone(model_path, dtype=dtype)
        model = MultiHeadClassifier(backbone, heads, loss_weights=loss_weights, pooling=pooling,
                                    dropout=dropout, name="multi_head_classifier")
        return cls(model, load_tokenizer(model_path), train, valid_data, label_maps=label_maps,
                   **kwargs)

    @staticmethod
    def _as_examples(data: Any, heads: Any) -> MultiHeadExamples:
        if isinstance(data, MultiHeadExamples):
            return data
        if heads is None:
            raise TrainingError(
                "multi-head training data must be MultiHeadExamples: load it with "
                "bertkit.load_examples(source, label_columns=['category', 'sentiment']).")
        return load_multi_head_examples(data, heads)

    def _task_identity(self) -> dict[str, Any]:
        return {"labels": {head: m.to_dict() for head, m in self.label_maps.items()},
                "hierarchy": self.hierarchy.to_dict() if self.hierarchy is not None else None}

    # ---- training --------------------------------------------------------------------------
    def _binary_heads(self) -> list[str]:
        return [h for h, spec in self.model.heads.items() if spec["task"] == "binary"]

    def _batches(self, data: Any, training: bool) -> _FitBatches:
        batches = MultiHeadBatches(
            data, self.tokenizer, self.label_maps, binary_heads=self._binary_heads(),
            batch_size=self.batch_size if training else self.eval_batch_size,
            max_len=self.max_len, shuffle=training, seed=self.seed)
        return _FitBatches(batches)

    # ---- evaluation ------------------------------------------------------------------------
    def _examples(self, data: Any) -> MultiHeadExamples:
        return self._as_examples(data, self.model.head_names)

    def validate(self, data: Any = None, *, print_report: bool = True,
                 plot_dir: str | None = ".") -> MultiHeadReport:
        """A classification report per head (on the texts labelled for it), the hierarchy's
        inconsistency without masking, and ``confusion_matrix_<head>.png`` in ``plot_dir``."""
        return super().validate(data, print_report=print_report,  # type: ignore[return-value]
                                plot_dir=plot_dir)

    # ---- prediction ------------------------------------------------------------------------
    def get_predictor(self, batch_size: int | None = None) -> MultiHeadPredictor:
        """A `MultiHeadPredictor` sharing this learner's model (``.save(directory)``)."""
        return MultiHeadPredictor(self.model, self.tokenizer, self.label_maps,
                                  hierarchy=self.hierarchy, max_len=self.max_len,
                                  batch_size=batch_size or self.eval_batch_size)
