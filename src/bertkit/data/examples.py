"""Labelled texts in memory (:class:`TextExamples`) and label names <-> ids (:class:`LabelMap`).

Labels are strings. A single-label example has one label (``"pos"``); a multi-label example has a
list of labels (``["sport", "politics"]``, possibly empty). Integer labels (``0``/``1``) are
accepted everywhere and turned into their string form (``"0"``/``"1"``), so a model trained on
``[0, 1, 1]`` decodes back to ``["0", "1", "1"]``.

>>> ex = TextExamples(["good", "bad", "fine", "awful"], ["pos", "neg", "pos", "neg"])
>>> len(ex), ex.is_multi_label
(4, False)
>>> lm = LabelMap.from_labels(ex.labels)
>>> lm.names, lm.encode(ex.labels).tolist()
(['neg', 'pos'], [1, 0, 1, 0])
>>> lm.decode([0, 1])
['neg', 'pos']
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

import numpy as np

from bertkit.errors import DataError, DataNotFoundError

__all__ = ["DataError", "DataNotFoundError", "LabelMap", "TextExamples", "clean_label"]


class LabelProblem(Exception):
    """Internal: a label value that cannot be used; the caller adds where it was found."""


# --------------------------------------------------------------------------------------------
# Label values
# --------------------------------------------------------------------------------------------


def _scalar_label(value: Any) -> str | None:
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
        f"the label {value!r} is a {type(value).__name__}; a label must be a string (or an int)"
    )


def _is_label_list(value: Any) -> bool:
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
    if _is_label_list(value):
        if multi_label is False:
            raise LabelProblem(
                f"the label is a list ({list(value)!r}) but the data is single-label; pass "
                f"multi_label=True (or give one label per example)"
            )
        out: list[str] = []
        for item in value:
            name = _scalar_label(item)
            if name is None:
                raise LabelProblem(f"the label list {list(value)!r} holds an empty label")
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
        name = _scalar_label(value)
        return [] if name is None else [name]
    name = _scalar_label(value)
    if name is None:
        raise LabelProblem(
            "the label is empty; give every example a label (or pass on_bad_rows='skip' to drop "
            "such rows)"
        )
    return name


def _label_sort_key(names: Iterable[str]) -> list[str]:
    """Sorted label names: numerically when every name is an integer ("2" before "10")."""
    names = list(names)
    try:
        return sorted(names, key=lambda s: (int(s), s))
    except ValueError:
        return sorted(names)


def _normalize_labels(labels: Sequence[Any]) -> list[str] | list[list[str]]:
    """Labels as all strings, or (when any is a list) all lists; raises DataError naming the index."""
    multi = any(_is_label_list(label) for label in labels)
    out: list[Any] = []
    for i, label in enumerate(labels):
        try:
            out.append(clean_label(label, multi_label=multi, separator=""))
        except LabelProblem as exc:
            raise DataError(f"example {i}: {exc}") from None
    return out


# --------------------------------------------------------------------------------------------
# TextExamples
# --------------------------------------------------------------------------------------------


@dataclass(repr=False)
class TextExamples:
    """Texts in memory, with their labels (or ``None`` when unlabelled) and optional second texts.

    Attributes:
        texts: the texts.
        labels: one label per text: a string (single-label) or a list of strings (multi-label);
            ``None`` for unlabelled data. Ints are turned into strings.
        second_texts: the second text of each pair, for sentence-pair tasks; else ``None``.
        skipped: how many bad rows the loader skipped (``on_bad_rows="skip"``).

    >>> ex = TextExamples(["a b", "c"], labels=[["x", "y"], []])
    >>> ex.is_multi_label, ex.subset([1]).texts
    (True, ['c'])
    """

    texts: list[str]
    labels: list[str] | list[list[str]] | None = None
    second_texts: list[str] | None = None
    skipped: int = field(default=0, compare=False)

    def __post_init__(self) -> None:
        self.texts, self.second_texts = _checked_texts(self.texts, self.second_texts,
                                                       "TextExamples")
        n = len(self.texts)
        if self.labels is not None:
            if isinstance(self.labels, (str, bytes)) or not isinstance(self.labels, Iterable):
                raise DataError(
                    f"TextExamples: labels must be a list with one label per text, got "
                    f"{type(self.labels).__name__}"
                )
            labels = list(self.labels)
            if len(labels) != n:
                raise DataError(
                    f"TextExamples: {n} texts but {len(labels)} labels; give one label per text"
                )
            self.labels = _normalize_labels(labels)

    @classmethod
    def _trusted(
        cls,
        texts: list[str],
        labels: list[Any] | None,
        second_texts: list[str] | None,
        skipped: int = 0,
    ) -> TextExamples:
        """Build without re-validating (inputs already checked by a loader or by subset)."""
        obj = cls.__new__(cls)
        obj.texts, obj.labels, obj.second_texts, obj.skipped = texts, labels, second_texts, skipped
        return obj

    def __len__(self) -> int:
        return len(self.texts)

    def __repr__(self) -> str:
        kind = (
            "unlabelled" if self.labels is None
            else "multi-label" if self.is_multi_label else "single-label"
        )
        pairs = ", pairs" if self.second_texts is not None else ""
        skipped = f", skipped={self.skipped}" if self.skipped else ""
        return f"TextExamples({len(self)} texts, {kind}{pairs}{skipped})"

    @property
    def is_multi_label(self) -> bool:
        """True when the labels are lists of labels."""
        return bool(self.labels) and isinstance(self.labels[0], list)  # type: ignore[index]

    @property
    def is_labelled(self) -> bool:
        return self.labels is not None

    def subset(self, indices: Sequence[int] | np.ndarray) -> TextExamples:
        """The examples at ``indices`` (ints, or a boolean mask as long as the data), in that order.

        >>> TextExamples(["a", "b", "c"], ["x", "y", "x"]).subset([2, 0]).texts
        ['c', 'a']
        """
        idx = np.asarray(indices)
        if idx.dtype == bool:
            if idx.shape != (len(self),):
                raise DataError(
                    f"subset: a boolean mask must have one entry per example ({len(self)}), got "
                    f"shape {idx.shape}"
                )
            idx = np.flatnonzero(idx)
        elif idx.size == 0:
            idx = idx.astype(np.int64)
        elif not np.issubdtype(idx.dtype, np.integer) or idx.ndim != 1:
            raise DataError(f"subset: indices must be a 1-D list of ints, got {idx.dtype} {idx.shape}")
        n = len(self)
        if idx.size and (idx.min() < -n or idx.max() >= n):
            raise DataError(f"subset: indices must lie in [0, {n}), got {idx.min()}..{idx.max()}")
        pick = idx.tolist()
        texts = [self.texts[i] for i in pick]
        labels = None if self.labels is None else [self.labels[i] for i in pick]
        seconds = None if self.second_texts is None else [self.second_texts[i] for i in pick]
        return TextExamples._trusted(texts, labels, seconds)

    def split(
        self, valid_fraction: float = 0.1, seed: int = 0, stratify: bool = True
    ) -> tuple[TextExamples, TextExamples]:
        """Split into ``(train, valid)``: seeded, deterministic, stratified by label.

        Each class (the first label for multi-label data, "no label" for an empty list) gives
        ``valid_fraction`` of its examples to the validation part, rounded so that the total is
        ``round(len * valid_fraction)``; both parts keep the original order. Unlabelled data, or
        ``stratify=False``, is split at random.

        >>> ex = TextExamples([str(i) for i in range(10)], ["a"] * 5 + ["b"] * 5)
        >>> train, valid = ex.split(0.2, seed=1)
        >>> len(train), len(valid), sorted(valid.labels)
        (8, 2, ['a', 'b'])
        """
        if isinstance(valid_fraction, bool) or not isinstance(valid_fraction, (int, float)) or not (
            0.0 < float(valid_fraction) < 1.0
        ):
            raise DataError(
                f"split: valid_fraction must be a number strictly between 0 and 1 (e.g. 0.1), got "
                f"{valid_fraction!r}"
            )
        n = len(self)
        if n < 2:
            raise DataError(f"split: need at least 2 examples to split, got {n}")
        n_valid = min(max(int(round(n * valid_fraction)), 1), n - 1)
        rng = np.random.default_rng(seed)
        if not stratify or self.labels is None:
            valid_idx = rng.permutation(n)[:n_valid]
        else:
            keys = [
                (label[0] if label else "") if isinstance(label, list) else label
                for label in self.labels
            ]
            groups: dict[str, list[int]] = {}
            for i, key in enumerate(keys):
                groups.setdefault(key, []).append(i)
            names = sorted(groups)
            exact = np.array([len(groups[k]) * n_valid / n for k in names])
            take = np.floor(exact).astype(int)
            # Largest remainders get the leftover places (ties: larger class, then name order).
            remainder = exact - take
            sizes = np.array([len(groups[k]) for k in names])
            by_rest = sorted(range(len(names)), key=lambda j: (-remainder[j], -sizes[j], j))
            for j in by_rest[: n_valid - int(take.sum())]:
                take[j] += 1
            chosen = []
            for j, name in enumerate(names):
                members = np.asarray(groups[name])
                chosen.append(members[rng.permutation(members.size)[: take[j]]])
            valid_idx = np.concatenate(chosen)
        mask = np.zeros(n, dtype=bool)
        mask[valid_idx] = True
        return self.subset(~mask), self.subset(mask)


def _as_text_list(values: Any, name: str, owner: str = "TextExamples") -> list[str]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise DataError(f"{owner}: {name} must be a list of strings, got {type(values).__name__}")
    out = list(values)
    for i, text in enumerate(out):
        if not isinstance(text, str):
            raise DataError(f"{owner}: {name}[{i}] is a {type(text).__name__} ({text!r}), not a str")
    return out


def _checked_texts(texts: Any, second_texts: Any, owner: str
                   ) -> tuple[list[str], list[str] | None]:
    """``texts`` (and ``second_texts`` for pairs, one per text) as lists of str, or a
    `DataError` naming ``owner`` and what is wrong."""
    texts = _as_text_list(texts, "texts", owner)
    if second_texts is not None:
        second_texts = _as_text_list(second_texts, "second_texts", owner)
        if len(second_texts) != len(texts):
            raise DataError(f"{owner}: {len(texts)} texts but {len(second_texts)} second_texts; "
                            "give one second text per text")
    return texts, second_texts


# --------------------------------------------------------------------------------------------
# LabelMap
# --------------------------------------------------------------------------------------------


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
                label = _scalar_label(name)
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
                value = clean_label(label, multi_label=True if _is_label_list(label) else False,
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
        return cls(_label_sort_key(seen), multi_label=multi)

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
            label = _scalar_label(name)
        except LabelProblem as exc:
            raise DataError(str(exc)) from None
        if label not in self._index:
            raise DataError(self._unknown(label))
        return self._index[label]

    def _unknown(self, label: Any, where: str = "") -> str:
        shown = self.names if len(self.names) <= 20 else self.names[:20] + ["..."]
        return (
            f"{where}unknown label {label!r}; the {len(self.names)} known labels are {shown}. "
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
                    if _is_label_list(label):
                        raise DataError(
                            f"example {i}: the label is a list ({list(label)!r}) but this LabelMap "
                            f"is single-label; build it with multi_label=True for multi-label data"
                        )
                    try:
                        name = _scalar_label(label)
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
            items = label if _is_label_list(label) else [label]
            for item in items:
                j = index.get(item) if isinstance(item, str) else None
                if j is None:
                    try:
                        name = _scalar_label(item)
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
