"""Prediction: the predictor base, the saved format, the task registry and `load_predictor`.

Every task's predictor (`bertkit.Predictor` for classification, `TaggingPredictor`, ...) is a
`BasePredictor`; `load_predictor` reads any saved predictor directory and returns the task's
predictor, found through the registry by the ``task`` its ``predictor.json`` names.

>>> predictor = bertkit.load_predictor("my_predictor")        # doctest: +SKIP
>>> predictor.predict(["a gripping film"])                     # doctest: +SKIP
['positive']
"""

from __future__ import annotations

import os
from typing import Any

from bertkit._io import load_consistently
from bertkit.prediction.base import BasePredictor
from bertkit.prediction.registry import predictor_class, register_task, task_names
from bertkit.prediction.report import Report
from bertkit.prediction.saved import CONFIG_FILE, read_predictor_config

__all__ = ["BasePredictor", "Report", "load_predictor", "register_task", "task_names"]


def load_predictor(directory: str | os.PathLike, batch_size: int | None = None) -> Any:
    """Load a predictor saved with ``.save``, in any process and on any Keras backend.

    The kind of predictor (text classification, tagging, span extraction, ...) is read from
    ``predictor.json``; ``batch_size`` overrides the saved one. A save that replaces the
    directory meanwhile makes it load again (never a mix of the two saves).
    """
    from bertkit.errors import CheckpointError, ConfigError

    directory = os.fspath(directory)

    def load() -> Any:
        config = read_predictor_config(directory)
        task = config.get("task", "text_classification")
        try:
            cls = predictor_class(task)
        except ConfigError as err:
            raise CheckpointError(f"{os.path.join(directory, CONFIG_FILE)}: {err}") from None
        return cls.load(directory, config, batch_size)

    return load_consistently(directory, load)
