"""Checking one row of data, and what happens to a bad one.

* `clean_text` and `RowCleaner` validate a row's text, second text and label (normalising the
  label and checking it against ``labels=``); a bad row raises the internal `RowProblem`, to
  which the reader adds the file and line.
* `SkipLog` applies ``on_bad_rows``: raise a :class:`~bertkit.errors.DataError` on the first
  bad row (``"error"``), or count the skipped rows and report them in one warning (``"skip"``).
* `collect` gathers the cleaned rows of one source into :class:`~bertkit.data.TextExamples`.

>>> cleaner = RowCleaner(has_second=False, has_label=True, multi_label=None,
...                      label_separator="|", labels=["pos", "neg"])
>>> cleaner.clean("  good ", None, "pos")
('good', None, 'pos')
>>> log = SkipLog("skip", "reviews.csv")
>>> try:
...     cleaner.clean(" ", None, "pos")
... except RowProblem as exc:
...     log.bad("reviews.csv line 3", str(exc))
>>> log.count, log.first_problem
(1, 'reviews.csv line 3: the text is empty')
"""

from __future__ import annotations

import math
import warnings
from typing import Any, Iterable, Sequence

from bertkit._messages import option, shorten
from bertkit.data.examples import TextExamples
from bertkit.data.labels import LabelProblem, clean_label
from bertkit.errors import DataError

__all__ = [
    "RawRow", "RowCleaner", "RowProblem", "SkipLog", "check_on_bad_rows", "clean_text", "collect",
    "finish_labels",
]

_SHOW_LINES = 5  # how many skipped locations a warning lists

# One row as a file reader yields it, before cleaning: (where, (text, second, label), problem),
# the problem ``None`` for a row that could be read.
RawRow = tuple[str, tuple[Any, Any, Any], "str | None"]


class RowProblem(Exception):
    """Internal: what is wrong with one row; the caller adds the file and line."""


# --------------------------------------------------------------------------------------------
# Bad-row policy
# --------------------------------------------------------------------------------------------


class SkipLog:
    """Raise on the first bad row (``"error"``) or count them (``"skip"``)."""

    def __init__(self, on_bad_rows: str, source: str) -> None:
        self.skip = check_on_bad_rows(on_bad_rows)
        self.source = source
        self.count = 0
        self.where: list[str] = []
        self.first_problem: str | None = None

    def bad(self, where: str, problem: str) -> None:
        """One bad row at ``where``: a `DataError` (``"error"``), or counted (``"skip"``)."""
        if not self.skip:
            raise DataError(f"{where}: {problem}")
        self.count += 1
        if len(self.where) < _SHOW_LINES:
            self.where.append(where)
        if self.first_problem is None:
            self.first_problem = f"{where}: {problem}"

    def warn(self) -> None:
        """One warning listing the skipped rows, if any were skipped."""
        if self.count:
            more = ", ..." if self.count > len(self.where) else ""
            warnings.warn(
                f"{self.source}: skipped {self.count} bad row{'s' * (self.count != 1)} "
                f"({'; '.join(self.where)}{more}). First problem: {self.first_problem}",
                stacklevel=3,
            )

    def nothing_left(self, total_what: str) -> DataError:
        """The error for a source that gave no examples (``total_what``: "rows", "files")."""
        if self.count:
            return DataError(
                f"{self.source}: all {self.count} {total_what} were bad and skipped; the first "
                f"problem: {self.first_problem}"
            )
        return DataError(f"{self.source}: no examples found; it holds no {total_what}")


def check_on_bad_rows(value: str) -> bool:
    """Whether ``on_bad_rows`` is ``"skip"``; a `DataError` unless it is "error" or "skip"."""
    if value not in ("error", "skip"):
        raise DataError(f"on_bad_rows must be 'error' or 'skip', got {value!r}")
    return value == "skip"


# --------------------------------------------------------------------------------------------
# Cleaning one row
# --------------------------------------------------------------------------------------------


def clean_text(value: Any, role: str = "text") -> str:
    """The stripped text; :class:`RowProblem` when missing, empty or not a string."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        raise RowProblem(f"the {role} is missing")
    if not isinstance(value, str):
        raise RowProblem(f"the {role} is a {type(value).__name__} ({shorten(value)}), not a "
                         "string")
    text = value.strip()
    if not text:
        raise RowProblem(f"the {role} is empty")
    return text


class RowCleaner:
    """Validates ``(text, second, label)`` of one row and normalises the label."""

    def __init__(
        self,
        *,
        has_second: bool,
        has_label: bool,
        multi_label: bool | None,
        label_separator: str,
        labels: Sequence[Any] | None,
    ) -> None:
        self.has_second = has_second
        self.has_label = has_label
        self.multi_label = multi_label
        self.separator = label_separator
        self.allowed: set[str] | None = None
        self.allowed_list: list[str] = []
        if labels is not None:
            if isinstance(labels, str):
                raise DataError(f"labels must be a list of label names, got the string {labels!r}")
            for name in labels:
                try:
                    value = clean_label(name, multi_label=False)
                except LabelProblem as exc:
                    raise DataError(f"labels={list(labels)!r}: {exc}") from None
                if value not in self.allowed_list:
                    self.allowed_list.append(str(value))
            self.allowed = set(self.allowed_list)

    def clean(self, text: Any, second: Any, label: Any) -> tuple[str, str | None, Any]:
        """The cleaned ``(text, second, label)``; :class:`RowProblem` for a bad row."""
        t = clean_text(text, "text")
        s = clean_text(second, "second text") if self.has_second else None
        if not self.has_label:
            return t, s, None
        try:
            y = clean_label(label, self.multi_label, self.separator)
        except LabelProblem as exc:
            raise RowProblem(str(exc)) from None
        if self.allowed is not None:
            for name in y if isinstance(y, list) else (y,):
                if name not in self.allowed:
                    raise RowProblem(self.unknown(name))
        return t, s, y

    def unknown(self, name: str) -> str:
        """The problem of a label outside ``labels=``."""
        allowed = option("labels")
        return (
            f"unknown label {shorten(name)}; the {len(self.allowed_list)} allowed labels "
            f"({allowed}) are {shorten(self.allowed_list)}. Fix the row, add the label to "
            f"{allowed}, or pass {option('on_bad_rows', 'skip')}"
        )


def finish_labels(
    labels: list[Any], multi_label: bool | None, separator: str, source: str
) -> list[Any]:
    """Promote single labels to lists when other rows are lists; warn on a likely separator."""
    has_list = any(isinstance(y, list) for y in labels)
    if has_list and not all(isinstance(y, list) for y in labels):
        labels = [y if isinstance(y, list) else [y] for y in labels]
    if multi_label is None and not has_list and separator:
        joined = next((y for y in set(labels) if separator in y), None)
        if joined is not None:
            warnings.warn(
                f"{source}: labels such as {joined!r} contain {separator!r}; if the data is "
                f"multi-label, pass multi_label=True to split them",
                stacklevel=3,
            )
    return labels


def collect(
    rows: Iterable[tuple[str, str, str | None, Any]],
    log: SkipLog,
    cleaner: RowCleaner,
    multi_label: bool | None,
    separator: str,
    what: str,
) -> TextExamples:
    """The cleaned ``(where, text, second, label)`` rows as `TextExamples`; warns once about
    skipped rows, and raises `SkipLog.nothing_left` (``what``: "rows", ...) when none is left."""
    texts: list[str] = []
    seconds: list[str] | None = [] if cleaner.has_second else None
    labels: list[Any] | None = [] if cleaner.has_label else None
    for where, text, second, label in rows:
        texts.append(text)
        if seconds is not None:
            seconds.append(second)
        if labels is not None:
            labels.append(label)
    if not texts:
        raise log.nothing_left(what)
    if labels is not None:
        labels = finish_labels(labels, multi_label, separator, log.source)
    log.warn()
    return TextExamples._trusted(texts, labels, seconds, log.count)
