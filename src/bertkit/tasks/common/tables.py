"""The text-table options of the commands that read data files, and how error messages name
them.

`add_table_options` / `table_options`: columns by name, or by position with ``--no-header``;
`add_encoding_options` / `encoding_options`: ``--encoding`` and ``--encoding-errors``;
`FlagSpelling`: error messages written while a command runs name these flags (``--text-column
0``), not Python arguments; `load_table_examples` / `read_train_valid`: the training and
validation data of a training command.
"""

from __future__ import annotations

import argparse
import shlex
from typing import Any, Callable

from bertkit._logging import get_logger
from bertkit._messages import UNSET, cut
from bertkit.errors import ConfigError
from bertkit.tasks.common.cli import split_or_read_valid

log = get_logger(__name__)


def add_encoding_options(parser: argparse.ArgumentParser) -> None:
    """``--encoding --encoding-errors``: how the data files' bytes are read."""
    parser.add_argument("--encoding", default="utf-8",
                        help="the files' text encoding (e.g. latin-1, cp1252, gbk; default "
                             "utf-8); a leading BOM is dropped")
    parser.add_argument("--encoding-errors", choices=("strict", "replace"), default="strict",
                        help="bytes that are not valid in --encoding: stop with the file and "
                             "line (strict), or read them as U+FFFD (replace)")


def encoding_options(args: argparse.Namespace) -> dict[str, str]:
    """The keyword arguments of the data readers that `add_encoding_options` sets."""
    return {"encoding": args.encoding, "encoding_errors": args.encoding_errors}


def read_train_valid(args: argparse.Namespace, read: Callable[..., Any]) -> tuple[Any, Any]:
    """``(train, valid)``: ``--data`` and ``--valid`` read with ``read(path, encoding=...,
    encoding_errors=...)``, or a seeded split of ``--data``."""
    def load(path: str) -> Any:
        return read(path, **encoding_options(args))

    return split_or_read_valid(load(args.data), args, load)


def add_table_options(parser: argparse.ArgumentParser) -> None:
    """Columns of CSV/TSV/JSON-lines data: ``--text-column --label-column --label-columns
    --second-column --no-header --skip-bad-rows --encoding --encoding-errors``."""
    parser.add_argument("--text-column", default="text",
                        help="its name in the header (default: text), or with --no-header its "
                             "position (0 = first column)")
    parser.add_argument("--label-column", default="label",
                        help="its name (default: label), or its position with --no-header")
    parser.add_argument("--label-columns", default=None, metavar="A,B",
                        help="several label columns, one head each (multi-head model); a blank "
                             "cell is a missing label")
    parser.add_argument("--second-column", default=None, help="second text of pairs")
    parser.add_argument("--no-header", action="store_true",
                        help="the CSV/TSV file has no header row: give the columns by position "
                             "(--text-column 1 --label-column 0)")
    parser.add_argument("--skip-bad-rows", action="store_true",
                        help="skip malformed rows (counted) instead of stopping")
    add_encoding_options(parser)


def split_names(value: str | None) -> list[str]:
    """``"a, b,"`` -> ``["a", "b"]``."""
    return [name.strip() for name in value.split(",") if name.strip()] if value else []


_COLUMN_FLAGS = {"text_column": "--text-column", "label_column": "--label-column",
                 "second_column": "--second-column", "label_columns": "--label-columns"}
_FLAGS = {**_COLUMN_FLAGS, "encoding": "--encoding", "encoding_errors": "--encoding-errors"}


def _column(args: argparse.Namespace, name: str, value: Any) -> Any:
    """A column as `bertkit.load_examples` takes it: the name, or with ``--no-header`` the
    position (an int)."""
    if value is None or not args.no_header:
        return value
    try:
        return int(value)
    except ValueError:
        raise ConfigError(
            f"--no-header reads the columns by position: give {_COLUMN_FLAGS[name]} a number "
            f"(0 for the first column), not {cut(str(value))!r}.") from None


def table_options(args: argparse.Namespace, label_columns: list[str] | None = None
                  ) -> dict[str, Any]:
    """The keyword arguments of `bertkit.load_examples` that `add_table_options` sets
    (``label_columns``: the default of ``--label-columns``)."""
    kwargs: dict[str, Any] = {
        "text_column": _column(args, "text_column", args.text_column),
        "label_column": _column(args, "label_column", args.label_column),
        "second_column": _column(args, "second_column", args.second_column),
        "on_bad_rows": "skip" if args.skip_bad_rows else "error", **encoding_options(args)}
    columns = split_names(args.label_columns)
    if not columns and label_columns and args.no_header:
        raise ConfigError(f"--no-header reads the columns by position: give --label-columns the "
                          f"positions of the label columns {label_columns} (e.g. 1,2).")
    columns = [_column(args, "label_columns", c) for c in columns] or label_columns
    if columns:
        kwargs["label_columns"] = columns
    return kwargs


class FlagSpelling:
    """How error messages name the data options while a command runs (a
    `bertkit._messages.Spelling`): ``text_column=0`` reads ``--no-header --text-column 0``,
    ``on_bad_rows='skip'`` reads ``--skip-bad-rows``, ``encoding='gbk'`` ``--encoding gbk``."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.no_header = bool(getattr(args, "no_header", False))

    def option(self, name: str, value: Any = UNSET) -> str | None:
        return self.options(((name, value),))

    def options(self, pairs: tuple[tuple[str, Any], ...]) -> str | None:
        words = []
        for name, value in pairs:
            word = self._flag(name, value)
            if word is None:
                return None
            if word:
                words.append(word)
        positions = any(name in _COLUMN_FLAGS and isinstance(value, (int, list))
                        for name, value in pairs)
        if words and positions and not self.no_header:
            words.insert(0, "--no-header")
        return " ".join(words)

    @staticmethod
    def _flag(name: str, value: Any) -> str | None:
        if name == "on_bad_rows":
            return "--skip-bad-rows" if value == "skip" else ""
        if name == "labels":  # the labels a --valid file may hold: those of --data
            return "--data"
        flag = _FLAGS.get(name)
        if flag is None:
            return None
        if value is UNSET:
            return flag
        if value is None:
            return ""  # no flag sets a column to "none"
        if isinstance(value, list):
            value = ",".join(map(str, value))
        return f"{flag} {shlex.quote(cut(str(value), 60))}"


def _label_names(examples: Any) -> list[str] | None:
    """The labels of single-head training examples (which a ``--valid`` file may use), or
    ``None`` (unlabelled, scores, several heads)."""
    from bertkit.data import StreamingExamples

    if isinstance(examples, StreamingExamples):
        return examples.label_names() if examples.is_labelled else None
    labels = getattr(examples, "labels", None)
    if not isinstance(labels, list):
        return None
    return sorted({name for y in labels for name in (y if isinstance(y, list) else [y])})


def load_table_examples(args: argparse.Namespace) -> tuple[Any, Any]:
    """``(train, valid)`` text examples for ``bertkit train`` (``--stream`` reads ``--data``
    row by row); a label of ``--valid`` that ``--data`` lacks is a bad row, named by its line."""
    from bertkit.data import StreamingExamples, load_examples

    options = table_options(args)
    if args.stream:
        if not args.valid:
            raise ConfigError("--stream reads --data row by row and cannot split it: give "
                              "--valid FILE (e.g. the dev.tsv of build-dataset).")
        examples: Any = StreamingExamples(args.data, **options)
    else:
        examples = load_examples(args.data, **options)

    def load_valid(path: str) -> Any:
        known = _label_names(examples)
        return load_examples(path, **options, **({} if known is None else {"labels": known}))

    train, valid = split_or_read_valid(examples, args, load_valid)
    log.info("%d training and %d validation examples", len(train), len(valid))
    return train, valid
