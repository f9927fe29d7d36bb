"""Label values: what a label may be, and how it is normalised.

Labels are strings. A single-label example has one label (``"pos"``); a multi-label example has a
list of labels (``["sport", "politics"]``, possibly empty). Integer labels (``0``/``1``) are
accepted everywhere and turned into their string form (``"0"``/``"1"``), so a model trained on
``[0, 1, 1]`` decodes back to ``["0", "1", "1"]``.

>>> clean_label(" pos "), clean_label(1), clean_label(["a", "b", "a"])
('pos', '1', ['a', 'b'])
>>> sorted_label_names(["10", "2", "1"])
['1', '2', '10']
"""

from __future__ import annotations

import math
from typing import Any, Iterable, Sequence

import numpy as np

from bertkit._messages import option, shorten
from bertkit.errors import DataError

__all__ = [
    "LabelProblem", "clean_label", "is_label_list", "normalize_labels", "scalar_label",
    "sorted_label_names",
]


class LabelProblem(Exception):
    """Internal: a label value that cannot be used; the caller adds where it was found."""



def scalar_label(value: Any) -> str | None:
    """One label as a string; ``None`` when missing (``None``, ``NaN``, blank string)."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if value is None:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return None
        # pandas turns an int column with a missing value into floats: 1.0 means label "1".
        return str(int(value)) if value.is_integer() else repr(value)
    raise LabelProblem(
        f"the label {shorten(value)} is a {type(value).__name__}; a label must be a string (or "
        f"an int)"
    )


def is_label_list(value: Any) -> bool:
    """Whether ``value`` is a list of labels (list, tuple, set or array): multi-label."""
    return isinstance(value, (list, tuple, set, frozenset, np.ndarray))


def clean_label(
    value: Any, multi_label: bool | None = None, separator: str = "|"
) -> str | list[str]:
    """Normalise one label value.

    * a list (or tuple, set, array) of labels gives a multi-label list (deduplicated, in order);
    * with ``multi_label=True`` a string is split on ``separator`` (``"a|b"`` -> ``["a", "b"]``,
      ``""`` -> ``[]``);
    * otherwise a string is stripped, an int becomes its string form.

    Raises ``LabelProblem`` (internal; callers turn it into a :class:`DataError` naming the
    row) for a missing label or a list given where ``multi_label=False``.

    >>> clean_label(" pos "), clean_label(1), clean_label("a|b|a", multi_label=True)
    ('pos', '1', ['a', 'b'])
    """
    if is_label_list(value):
        if multi_label is False:
            raise LabelProblem(
                f"the label is a list ({shorten(list(value))}) but the data is single-label; pass "
                f"multi_label=True (or give one label per example)"
            )
        out: list[str] = []
        for item in value:
            name = scalar_label(item)
            if name is None:
                raise LabelProblem(f"the label list {shorten(list(value))} holds an empty label")
            if name not in out:
                out.append(name)
        return out
    if multi_label:
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(separator)] if separator else [value.strip()]
            out = []
            for p in parts:
                if p and p not in out:
                    out.append(p)
            return out
        name = scalar_label(value)
        return [] if name is None else [name]
    name = scalar_label(value)
    if name is None:
        raise LabelProblem(
            f"the label is empty; give every example a label (or pass "
            f"{option('on_bad_rows', 'skip')} to drop such rows)"
        )
    return name


def sorted_label_names(names: Iterable[str]) -> list[str]:
    """Sorted label names: numerically when every name is an integer ("2" before "10")."""
    names = list(names)
    try:
        return sorted(names, key=lambda s: (int(s), s))
    except ValueError:
        return sorted(names)


def normalize_labels(labels: Sequence[Any]) -> list[str] | list[list[str]]:
    """Labels as all strings, or (when any is a list) all lists; raises DataError naming the index."""
    multi = any(is_label_list(label) for label in labels)
    out: list[Any] = []
    for i, label in enumerate(labels):
        try:
            out.append(clean_label(label, multi_label=multi, separator=""))
        except LabelProblem as exc:
            raise DataError(f"example {i}: {exc}") from None
    return out
