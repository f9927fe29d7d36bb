"""Labelled texts in memory: :class:`TextExamples`, with a seeded, stratified split.

Labels are normalised as `bertkit.data.labels` describes (strings, or lists of strings for
multi-label data); :class:`~bertkit.data.LabelMap` (`bertkit.data.label_map`) turns them into
class ids.

>>> ex = TextExamples(["good", "bad", "fine", "awful"], ["pos", "neg", "pos", "neg"])
>>> len(ex), ex.is_multi_label
(4, False)
>>> train, valid = ex.split(0.5, seed=0)
>>> sorted(valid.labels)
['neg', 'pos']
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

import numpy as np

from bertkit.data.labels import clean_label, normalize_labels
from bertkit.errors import DataError, DataNotFoundError

# DataError and DataNotFoundError (bertkit.errors) and clean_label (bertkit.data.labels) are
# re-exported: code and tests import them from here.
__all__ = ["DataError", "DataNotFoundError", "TextExamples", "clean_label"]


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
            self.labels = normalize_labels(labels)

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
