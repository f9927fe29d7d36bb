"""The tasks: one package per task, the same files in each (see ARCHITECTURE.md).

=============================  =================================  ==========================
task (``predictor.json``)      package                             model
=============================  =================================  ==========================
``text_classification``        `bertkit.tasks.classification`      `TextClassifier`
``multi_head_classification``  `bertkit.tasks.multi_head`          `MultiHeadClassifier`
``document_classification``    `bertkit.tasks.document`            `ChunkAggregator` (+ a classifier)
``text_regression``            `bertkit.tasks.regression`          `TextRegressor`
``token_tagging``              `bertkit.tasks.tagging`             `TokenTagger`
``span_extraction``            `bertkit.tasks.span_extraction`     `SpanExtractor`
``relation_extraction``        `bertkit.tasks.relation_extraction` `RelationExtractor`
=============================  =================================  ==========================

Each package holds ``model.py``, ``data.py``, ``learner.py``, ``predictor.py``, ``metrics.py``
and ``cli.py`` (those it needs) and names its predictor class ``PREDICTOR``; the registry
(`bertkit.prediction.registry`) maps task names to packages. `bertkit.tasks.common` holds what
several tasks share. Importing ``bertkit.tasks`` imports no task: the names below load their
package on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

#: names this package has always offered -> the task package that defines them
_EXPORTS = {
    "TASK_TYPES": "classification", "TextClassifier": "classification",
    "TextRegressor": "regression", "Hierarchy": "multi_head",
    "MultiHeadClassifier": "multi_head", "TokenTagger": "tagging",
    "SpanExtractor": "span_extraction", "RelationExtractor": "relation_extraction",
    "AGGREGATORS": "document", "ChunkAggregator": "document", "DocumentChunker": "document",
    "DocumentPredictor": "document",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'bertkit.tasks' has no attribute {name!r}")
    return getattr(importlib.import_module(f"bertkit.tasks.{_EXPORTS[name]}"), name)
