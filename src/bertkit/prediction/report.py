"""`Report`: the base of every evaluation report a predictor or learner returns.

Every report prints as a readable table (``str(report)``), converts to plain JSON-able data
(``as_dict()``, also reachable by key: ``report["accuracy"]``), writes itself as JSON
(``to_json(path)``) and, where a picture helps, draws its plots into a folder (``plot(dir)``).

>>> from dataclasses import dataclass
>>> @dataclass
... class Scores(Report):
...     accuracy: float
...     def as_dict(self):
...         return {"accuracy": self.accuracy}
>>> report = Scores(0.875)
>>> report["accuracy"], report.to_json()
(0.875, '{\\n  "accuracy": 0.875\\n}')
"""

from __future__ import annotations

import json
import os
from typing import Any

import numpy as np


def _plain(value: Any) -> Any:
    """NumPy scalars and arrays as Python numbers and lists (for ``json.dumps``)."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON-serialisable")


class Report:
    """Base class of evaluation reports; subclasses implement ``as_dict`` (and ``__str__``)."""

    def as_dict(self) -> dict[str, Any]:
        raise NotImplementedError(f"{type(self).__name__} must implement as_dict().")

    def __getitem__(self, key: str) -> Any:
        return self.as_dict()[key]

    def to_json(self, path: str | os.PathLike | None = None) -> str:
        """The report as indented JSON (Chinese kept readable); written to ``path`` when given
        (atomically: a reader sees the old file or the new one)."""
        text = json.dumps(self.as_dict(), indent=2, ensure_ascii=False, default=_plain)
        if path is not None:
            from bertkit._io import write_text_atomic

            write_text_atomic(os.fspath(path), text + "\n")
        return text

    def plot(self, directory: str | os.PathLike) -> list[str]:
        """Draw the report's plots into ``directory``; returns the files written (none here)."""
        return []

    def __str__(self) -> str:
        return self.to_json()
