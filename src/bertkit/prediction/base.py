"""`BasePredictor`: what every task's predictor shares.

A predictor holds a trained task model, its tokenizer and the task's settings (labels, a tag
scheme, thresholds). The base owns:

- **input checks**: `check_texts` (a list of strings, never a bare string or ``None``) and
  `text_pairs` (texts, or ``(text, second)`` pairs);
- **batching**: `run_by_length` runs the model on batches of inputs of similar length (little
  padding) and puts every result back at its input's position;
- **saving and loading**: ``save(directory)`` writes the format of `bertkit.prediction.saved`;
  ``load`` (used by `bertkit.load_predictor`) rebuilds the encoder, the task model
  (``model_class.from_head_config``) and the tokenizer, then the task's ``from_saved`` reads its
  own fields.

The contract each task fulfils: ``predict(inputs)`` (one output per input, in the task's
documented input shape), ``predict_details(inputs)`` where the task has scores, and
``evaluate(examples) -> Report``.
"""

from __future__ import annotations

import os
from typing import Any, Callable, ClassVar, Iterator, Sequence

import numpy as np

from bertkit._io import file_records_checked
from bertkit._version import __version__
from bertkit.errors import (CheckpointError, ConfigError, DataError, PredictorError,
                            PredictorInputError)
from bertkit.prediction.report import Report
from bertkit.prediction.saved import (CONFIG_FILE, WEIGHTS_FILE, check_tokenizer,
                                      encoder_from_config, predictor_config,
                                      save_predictor_files)
from bertkit.weights.model_weights import load_model_weights


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_texts(texts: Any, what: str = "texts") -> list[str]:
    """``texts`` as a list of strings; a `PredictorInputError` names the first bad one.

    >>> check_texts(("a", "b"))
    ['a', 'b']
    >>> check_texts("a")
    Traceback (most recent call last):
    ...
    bertkit.errors.PredictorInputError: predict takes a list of texts; wrap a single text in a list.
    """
    if isinstance(texts, (str, bytes)):
        raise PredictorInputError(f"predict takes a list of {what}; wrap a single "
                                  f"{what.rstrip('s')} in a list.")
    try:
        items = list(texts)
    except TypeError:
        raise PredictorInputError(f"predict takes a list of {what}, got "
                                  f"{type(texts).__name__}.") from None
    for i, text in enumerate(items):
        if not isinstance(text, str):
            raise PredictorInputError(
                f"{what.rstrip('s')} {i} is {type(text).__name__} ({_describe(text)}), not a "
                f"string; every input must be a string.")
    return items


def text_pairs(inputs: Any, second_texts: Any = None) -> tuple[list[str], list[str] | None]:
    """``(texts, second_texts or None)`` from texts (with optional ``second_texts``), or from
    ``(text, second)`` pairs.

    >>> text_pairs(["a", "b"])
    (['a', 'b'], None)
    >>> text_pairs([("a", "x"), ["b", "y"]])
    (['a', 'b'], ['x', 'y'])
    >>> text_pairs(["a"], ["x"])
    (['a'], ['x'])
    """
    if second_texts is not None:
        texts, seconds = check_texts(inputs), check_texts(second_texts, "second texts")
        if len(seconds) != len(texts):
            raise PredictorError(f"{len(texts)} texts but {len(seconds)} second texts.")
        return texts, seconds
    if isinstance(inputs, (str, bytes)):
        check_texts(inputs)
    items = list(inputs)
    if not any(isinstance(x, (list, tuple)) for x in items):
        return check_texts(items), None
    texts, seconds = [], []
    for i, item in enumerate(items):
        if not (isinstance(item, (list, tuple)) and len(item) == 2
                and all(isinstance(t, str) for t in item)):
            raise PredictorInputError(
                f"input {i} is {_describe(item)}: give either texts or (text, second text) "
                "pairs of strings, not a mix.")
        texts.append(item[0])
        seconds.append(item[1])
    return texts, seconds


def batches_by_length(lengths: Sequence[int], batch_size: int) -> Iterator[np.ndarray]:
    """Indices in groups of at most ``batch_size``, longest inputs first (stable), so that each
    batch pads little.

    >>> [b.tolist() for b in batches_by_length([3, 9, 1, 9], 2)]
    [[1, 3], [0, 2]]
    """
    order = np.argsort(-np.asarray(lengths, np.int64), kind="stable")
    for start in range(0, len(order), batch_size):
        yield order[start:start + batch_size]


class BasePredictor:
    """Base class of every task's predictor; see the module docstring."""

    #: the task's registry name, written to ``predictor.json``
    task: ClassVar[str] = ""
    #: the task model class ``load`` rebuilds (a `bertkit.backbone.TaskModel`)
    model_class: ClassVar[Any] = None
    #: fields ``predictor.json`` must hold for this task, besides the common ones
    required_fields: ClassVar[tuple[str, ...]] = ()
    default_batch_size: ClassVar[int] = 64

    def __init__(self, model: Any, tokenizer: Any, *, max_len: int, batch_size: int) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.max_len = max_len
        self.batch_size = batch_size

    # ---- the task contract ------------------------------------------------------------------
    def predict(self, inputs: Any) -> list[Any]:
        raise NotImplementedError(f"{type(self).__name__} must implement predict.")

    def predict_details(self, inputs: Any) -> list[Any]:
        """Per input, the prediction with its scores (tasks that have scores override this)."""
        raise PredictorError(f"{self.task} predictors have no scores beyond what predict gives.")

    def evaluate(self, examples: Any) -> Report:
        raise NotImplementedError(f"{type(self).__name__} must implement evaluate.")

    def info(self) -> dict[str, Any]:
        """What this predictor is: task, encoder family, max_len, bertkit version, and the
        task's own settings (labels, entity types, ...)."""
        return {"task": self.task, "encoder_family": self.model.backbone.family,
                "max_len": self.max_len, "batch_size": self.batch_size,
                "bertkit_version": __version__, **self.task_fields()}

    # ---- batching ----------------------------------------------------------------------------
    def run_by_length(self, lengths: Sequence[int],
                      run_batch: Callable[[np.ndarray], Sequence[Any]]) -> list[Any]:
        """``run_batch(indices)`` on batches of similar length; its per-row results, put back
        in input order."""
        out: list[Any] = [None] * len(lengths)
        for indices in batches_by_length(lengths, self.batch_size):
            for i, result in zip(indices, run_batch(indices)):
                out[i] = result
        return out

    def encode_texts(self, texts: Sequence[str], second_texts: Sequence[str] | None,
                     indices: np.ndarray) -> dict[str, np.ndarray]:
        """Model inputs for ``texts[indices]`` (with their second texts), padded to the longest."""
        batch = self.tokenizer.encode_batch(
            [texts[i] for i in indices],
            second=None if second_texts is None else [second_texts[i] for i in indices],
            max_len=self.max_len)
        return batch.model_inputs()

    # ---- saving ------------------------------------------------------------------------------
    def task_fields(self) -> dict[str, Any]:
        """The task's own entries of ``predictor.json`` (labels, scheme, thresholds, ...)."""
        return {}

    def head_fields(self) -> dict[str, Any]:
        """Prediction settings saved beside the model's own in ``predictor.json``'s ``head``
        (decoding thresholds, ...)."""
        return {}

    def extra_weights(self) -> dict[str, Any]:
        """More models to save beside ``model.safetensors``: ``{file name: keras model}``."""
        return {}

    def get_config(self) -> dict[str, Any]:
        return predictor_config(self.task, self.model, self.tokenizer, max_len=self.max_len,
                                batch_size=self.batch_size,
                                head={**self.model.head_config(), **self.head_fields()},
                                **self.task_fields())

    def save(self, directory: str | os.PathLike) -> str:
        """Write the predictor to ``directory``, replacing any earlier save there as a whole (a
        reader sees the old predictor or the new one, never a mix)."""
        return save_predictor_files(directory, self.model, self.tokenizer, self.get_config(),
                                    self.extra_weights())

    # ---- loading -----------------------------------------------------------------------------
    @classmethod
    def load(cls, directory: str, config: dict[str, Any],
             batch_size: int | None = None) -> "BasePredictor":
        """The predictor saved in ``directory`` (``config``: its checked ``predictor.json``).

        The files must be those saved with the config (their recorded hashes), the tokenizer of
        the recorded size, and the task's fields (labels, tags) must fit the head: anything else
        is a `CheckpointError` naming the file."""
        from bertkit.tokenization import Tokenizer

        where = os.path.join(directory, CONFIG_FILE)
        cls.check_config(config, where)
        with file_records_checked(directory, config.get("files"), where):
            encoder = encoder_from_config(directory, config)
            try:
                model = cls.model_class.from_head_config(encoder, config["head"])
            except ConfigError as err:
                raise CheckpointError(f"{where}: the head cannot be built: {err}") from None
        load_model_weights(model, os.path.join(directory, WEIGHTS_FILE))
        tokenizer = Tokenizer.from_directory(directory)
        check_tokenizer(directory, config, tokenizer)
        try:
            return cls.from_saved(directory, config, model, tokenizer,
                                  batch_size or config.get("batch_size", cls.default_batch_size))
        except (PredictorError, DataError, ConfigError) as err:
            raise CheckpointError(
                f"{where}: {err} The task's settings there (labels, tags) do not fit the saved "
                "head: the file was edited or comes from another save. Save the predictor "
                "again.") from None

    @classmethod
    def check_config(cls, config: dict[str, Any], where: str) -> None:
        """Refuse a ``predictor.json`` (``where``) that lacks what this task needs."""
        for key in cls.required_fields:
            if key not in config:
                raise CheckpointError(f"{where}: the config lacks {key!r}; the file is damaged.")

    @classmethod
    def from_saved(cls, directory: str, config: dict[str, Any], model: Any, tokenizer: Any,
                   batch_size: int) -> "BasePredictor":
        """The predictor from its loaded parts and the task's fields of ``config``."""
        raise NotImplementedError(f"{cls.__name__} must implement from_saved.")
