"""Label names <-> class ids: :class:`LabelMap`, for single-label (ids) or multi-label
(multi-hot) data.

>>> ex = TextExamples(["good", "bad", "fine", "awful"], ["pos", "neg", "pos", "neg"])
>>> lm = LabelMap.from_labels(ex.labels)
>>> lm.names, lm.encode(ex.labels).tolist()
(['neg', 'pos'], [1, 0, 1, 0])
>>> lm.decode([0, 1])
['neg', 'pos']
"""

from __future__ import annotations

from typing import Any, Iterable, Sequence

import numpy as np

from bertkit.data.examples import TextExamples
from bertkit.data.labels import (
    LabelProblem, clean_label, is_label_list, scalar_label, sorted_label_names)
from bertkit._messages import shorten
from bertkit.errors import DataError

__all__ = ["LabelMap"]


class LabelMap:
    """Label names <-> class ids, for single-label (ids) or multi-label (multi-hot) data.

    >>> lm = LabelMap(["neg", "pos"])
    >>> lm.encode(["pos", "neg"]).tolist(), lm.decode([[0.2, 0.8]])
    ([1, 0], ['pos'])
    >>> ml = LabelMap.from_labels([["b", "a"], ["c"], []])
    >>> ml.names, ml.multi_label, ml.encode([["a", "c"]]).tolist()
    (['a', 'b', 'c'], True, [[1.0, 0.0, 1.0]])
    >>> ml.decode([[0.9, 0.1, 0.7]])
    [['a', 'c']]
    """

    def __init__(self, names: Sequence[str], multi_label: bool = False) -> None:
        if isinstance(names, str) or not isinstance(names, Iterable):
            raise DataError(f"LabelMap: names must be a list of label names, got {names!r}")
        clean: list[str] = []
        for name in names:
            try:
                label = scalar_label(name)
            except LabelProblem as exc:
                raise DataError(f"LabelMap: {exc}") from None
            if label is None:
                raise DataError(f"LabelMap: label names must be non-empty, got {list(names)!r}")
            if label in clean:
                raise DataError(f"LabelMap: label {label!r} is listed twice in {list(names)!r}")
            clean.append(label)
        if not clean:
            raise DataError("LabelMap: no label names given; a classifier needs at least one class")
        if not multi_label and len(clean) < 2:
            raise DataError(
                f"LabelMap: a single-label classifier needs at least 2 classes, got {clean!r}; "
                f"check the label column of the data"
            )
        self.names: list[str] = clean
        self.multi_label: bool = bool(multi_label)
        self._index = {name: i for i, name in enumerate(clean)}

    @classmethod
    def from_labels(cls, labels: Iterable[Any], multi_label: bool | None = None) -> LabelMap:
        """The sorted unique labels of ``labels`` (numeric order when all are integers).

        ``multi_label`` defaults to whether the labels are lists.

        >>> LabelMap.from_labels(["b", "a", "b"]).names
        ['a', 'b']
        >>> LabelMap.from_labels([2, 10, 1]).names
        ['1', '2', '10']
        """
        if isinstance(labels, TextExamples):
            if labels.labels is None:
                raise DataError("LabelMap.from_labels: these TextExamples have no labels")
            labels = labels.labels
        seen: set[str] = set()
        any_list = False
        for i, label in enumerate(labels):
            try:
                value = clean_label(label, multi_label=True if is_label_list(label) else False,
                                    separator="")
            except LabelProblem as exc:
                raise DataError(f"LabelMap.from_labels: example {i}: {exc}") from None
            if isinstance(value, list):
                any_list = True
                seen.update(value)
            else:
                seen.add(value)
        multi = any_list if multi_label is None else bool(multi_label)
        if any_list and not multi:
            raise DataError(
                "LabelMap.from_labels: the labels are lists (multi-label) but multi_label=False"
            )
        return cls(sorted_label_names(seen), multi_label=multi)

    @property
    def num_classes(self) -> int:
        return len(self.names)

    def __len__(self) -> int:
        return len(self.names)

    def __contains__(self, name: object) -> bool:
        return name in self._index

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, LabelMap)
            and self.names == other.names
            and self.multi_label == other.multi_label
        )

    def __repr__(self) -> str:
        kind = ", multi_label=True" if self.multi_label else ""
        return f"LabelMap({self.names!r}{kind})"

    def index(self, name: Any) -> int:
        """The id of one label name; :class:`DataError` naming the known labels if unknown."""
        try:
            label = scalar_label(name)
        except LabelProblem as exc:
            raise DataError(str(exc)) from None
        if label not in self._index:
            raise DataError(self._unknown(label))
        return self._index[label]

    def _unknown(self, label: Any, where: str = "") -> str:
        return (
            f"{where}unknown label {shorten(label)}; the {len(self.names)} known labels are "
            f"{shorten(self.names)}. "
            f"Fix the data, or build the LabelMap from all labels (LabelMap.from_labels of the "
            f"training and validation labels together)"
        )

    def encode(self, labels: Iterable[Any]) -> np.ndarray:
        """Class ids ``int32 (N,)``, or multi-hot ``float32 (N, num_classes)`` when multi-label.

        Raises :class:`DataError` naming the example index and the known labels when a label is
        unknown.

        >>> LabelMap(["a", "b", "c"], multi_label=True).encode([["c"], "a", []]).tolist()
        [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
        """
        if isinstance(labels, (str, bytes)):
            raise DataError(
                f"LabelMap.encode takes a list of labels (one per example), got the string "
                f"{labels!r}; wrap it in a list"
            )
        index = self._index
        if not self.multi_label:
            values = labels if isinstance(labels, list) else list(labels)
            out = np.empty(len(values), dtype=np.int32)
            for i, label in enumerate(values):
                j = index.get(label) if isinstance(label, str) else None
                if j is None:
                    if is_label_list(label):
                        raise DataError(
                            f"example {i}: the label is a list ({list(label)!r}) but this LabelMap "
                            f"is single-label; build it with multi_label=True for multi-label data"
                        )
                    try:
                        name = scalar_label(label)
                    except LabelProblem as exc:
                        raise DataError(f"example {i}: {exc}") from None
                    j = index.get(name) if name is not None else None
                    if j is None:
                        if name is None:
                            raise DataError(f"example {i}: the label is missing (got {label!r})")
                        raise DataError(self._unknown(name, f"example {i}: "))
                out[i] = j
            return out
        values = labels if isinstance(labels, list) else list(labels)
        out_f = np.zeros((len(values), len(self.names)), dtype=np.float32)
        for i, label in enumerate(values):
            items = label if is_label_list(label) else [label]
            for item in items:
                j = index.get(item) if isinstance(item, str) else None
                if j is None:
                    try:
                        name = scalar_label(item)
                    except LabelProblem as exc:
                        raise DataError(f"example {i}: {exc}") from None
                    if name is None:
                        continue
                    j = index.get(name)
                    if j is None:
                        raise DataError(self._unknown(name, f"example {i}: "))
                out_f[i, j] = 1.0
        return out_f

    def decode(
        self, ids_or_probs: Any, threshold: float = 0.5
    ) -> list[str] | list[list[str]]:
        """Label names from class ids ``(N,)`` or scores ``(N, num_classes)``.

        Single-label: ids are looked up, scores (probabilities or logits) are arg-maxed.
        Multi-label: every class whose score is ``>= threshold`` (give probabilities, i.e. after
        the sigmoid).

        >>> LabelMap(["neg", "pos"]).decode([[2.0, -1.0], [0.1, 0.9]])
        ['neg', 'pos']
        """
        arr = np.asarray(ids_or_probs)
        c = len(self.names)
        if self.multi_label:
            if arr.ndim != 2 or arr.shape[1] != c:
                raise DataError(
                    f"LabelMap.decode: multi-label scores must have shape (N, {c}), got {arr.shape}"
                )
            return [[self.names[j] for j in np.flatnonzero(row >= threshold)] for row in arr]
        if arr.ndim == 2:
            if arr.shape[1] != c:
                raise DataError(
                    f"LabelMap.decode: scores must have shape (N, {c}) for the {c} classes "
                    f"{self.names}, got {arr.shape}"
                )
            ids = arr.argmax(axis=1) if arr.shape[0] else np.zeros(0, dtype=np.int64)
        elif arr.ndim == 1:
            if arr.size and not np.issubdtype(arr.dtype, np.integer):
                if np.all(np.mod(arr, 1) == 0):
                    arr = arr.astype(np.int64)
                else:
                    raise DataError(
                        f"LabelMap.decode: a 1-D input must hold class ids (ints), got {arr.dtype}; "
                        f"pass scores with shape (N, {c})"
                    )
            ids = arr.astype(np.int64)
            if ids.size and (ids.min() < 0 or ids.max() >= c):
                raise DataError(f"LabelMap.decode: class ids must lie in [0, {c}), got {ids.tolist()[:10]}")
        else:
            raise DataError(
                f"LabelMap.decode takes class ids (N,) or scores (N, {c}), got shape {arr.shape}"
            )
        return [self.names[int(j)] for j in ids]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready ``{"names": [...], "multi_label": bool}``."""
        return {"names": list(self.names), "multi_label": self.multi_label}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> LabelMap:
        """Inverse of :meth:`to_dict`."""
        if not isinstance(d, dict) or "names" not in d:
            raise DataError(
                f"LabelMap.from_dict needs a dict with 'names' (and 'multi_label'), got {d!r}"
            )
        return cls(d["names"], multi_label=bool(d.get("multi_label", False)))
