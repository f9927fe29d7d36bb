"""Command-line plumbing shared by the tasks' ``cli.py`` modules.

A task's ``cli.py`` declares ``COMMANDS`` (a list of `Command`) and the functions
``predict(args, predictor)`` and ``evaluate(args, predictor)``; `bertkit.cli` builds the
``bertkit`` command from those of every registered task. A `Command` whose ``when`` is set is a
*variant* of a command another task defines: it adds its options to that command's parser and
runs instead of it when ``when(args)`` is true (``bertkit train --label-columns ...`` runs the
multi-head task's training).

This module also holds the options and steps the training commands share (`add_run_options`,
`add_training_options`, `learner_options`, `train_and_save`), the text-table options
(`add_table_options`, `table_options`: columns by name, or by position with ``--no-header``;
``--encoding`` and ``--encoding-errors``), how error messages name those options
(`FlagSpelling`), and how ``predict`` reads its inputs (`read_texts`, `read_text_pairs`,
`read_records`) and writes its outputs (`print_json`).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from bertkit._logging import get_logger
from bertkit._messages import UNSET, cut
from bertkit.errors import ConfigError, DataError

log = get_logger(__name__)


@dataclass(frozen=True)
class Command:
    """A ``bertkit`` subcommand (or a variant of one: see the module docstring)."""

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]
    #: for a variant: when it takes over the command
    when: Callable[[argparse.Namespace], bool] | None = None


# ---- training commands --------------------------------------------------------------------


def add_run_options(parser: argparse.ArgumentParser, data_help: str,
                    default_model: str | None = None) -> None:
    """``--data --valid --valid-fraction --model --out``, which every training command takes."""
    parser.add_argument("--data", required=True, help=data_help)
    parser.add_argument("--valid", default=None, help="validation data (default: split --data)")
    parser.add_argument("--valid-fraction", type=float, default=0.1)
    parser.add_argument("--model", required=default_model is None, default=default_model,
                        help="pretrained encoder: directory, checkpoint or preset name")
    parser.add_argument("--out", required=True, help="directory for the predictor")
    parser.add_argument("--overwrite", action="store_true",
                        help="start afresh when --out holds the training state of another run "
                             "(default: resume the same run, refuse another one)")


def add_training_options(parser: argparse.ArgumentParser, *, max_len: int = 128,
                         batch_size: int = 32, lr: float = 5e-5, epochs: int = 2) -> None:
    """``--epochs --lr --schedule --max-len --batch-size --accumulate --head-lr-multiplier
    --bf16 --seed`` (defaults per command where given)."""
    parser.add_argument("--epochs", type=int, default=epochs)
    parser.add_argument("--lr", type=float, default=lr)
    parser.add_argument("--schedule", choices=("linear", "onecycle", "constant"),
                        default="linear")
    parser.add_argument("--max-len", type=int, default=max_len)
    parser.add_argument("--batch-size", type=int, default=batch_size)
    parser.add_argument("--accumulate", type=int, default=1, help="gradient accumulation steps")
    parser.add_argument("--head-lr-multiplier", type=float, default=1.0,
                        help="the new head's learning rate over the encoder's (e.g. 10 when "
                             "training steps are few)")
    parser.add_argument("--bf16", action="store_true", help="mixed bfloat16 precision")
    parser.add_argument("--seed", type=int, default=0)


def learner_options(args: argparse.Namespace) -> dict[str, Any]:
    """The keyword arguments of ``*Learner.for_*`` that `add_training_options` sets."""
    if args.bf16:
        from bertkit.hardware import fast_bfloat16

        if not fast_bfloat16():
            log.warning("warning: --bf16 on hardware without bfloat16 support (no AMX/AVX512-"
                        "BF16 CPU or Ampere+ GPU) is much slower than float32.")
    return {"dtype": "mixed_bfloat16" if args.bf16 else None, "batch_size": args.batch_size,
            "max_len": args.max_len, "seed": args.seed,
            "gradient_accumulation_steps": args.accumulate,
            "head_lr_multiplier": args.head_lr_multiplier}


def split_or_read_valid(examples: Any, args: argparse.Namespace,
                        load: Callable[[str], Any]) -> tuple[Any, Any]:
    """``(train, valid)``: ``--valid`` read with ``load``, or a seeded split of ``examples``."""
    if args.valid:
        return examples, load(args.valid)
    return examples.split(args.valid_fraction, seed=args.seed)


def train_and_save(learner: Any, args: argparse.Namespace, what: str = "predictor") -> int:
    """Fit (resumable from ``OUT/checkpoint``: the same run resumes, another is refused unless
    ``--overwrite``), evaluate on the validation data, save the predictor, its plots and
    ``validation.json`` in ``--out``."""
    learner.fit(args.lr, args.epochs, schedule=args.schedule,
                checkpoint_dir=os.path.join(args.out, "checkpoint"), overwrite=args.overwrite)
    predictor = learner.get_predictor()
    report = predictor.evaluate(learner.valid_data)
    log.info("%s", report)
    os.makedirs(args.out, exist_ok=True)
    for path in report.plot(args.out):
        log.info("%s saved", path)
    predictor.save(args.out)
    report.to_json(os.path.join(args.out, "validation.json"))
    print(f"{what} saved to {args.out}")
    return 0


# ---- text tables ----------------------------------------------------------------------------


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


# ---- prediction inputs and outputs ---------------------------------------------------------


def add_input_options(parser: argparse.ArgumentParser) -> None:
    """How ``bertkit predict`` takes inputs: texts, ``--file``, ``--pair``, ``--pairs-file``,
    ``--query``."""
    parser.add_argument("texts", nargs="*")
    parser.add_argument("--file", default=None,
                        help="one text per line (JSON lines with a 'text' field for span and "
                             "relation predictors)")
    parser.add_argument("--pair", nargs=2, action="append", metavar=("TEXT", "SECOND"),
                        help="a text pair for a pair classifier (repeatable)")
    parser.add_argument("--pairs-file", default=None,
                        help="text pairs, one per line, tab-separated")
    parser.add_argument("--query", default=None,
                        help="span predictors: the query asked of every text")
    add_encoding_options(parser)


def _file_lines(path: str, args: argparse.Namespace) -> Iterator[tuple[int, str]]:
    """``(line number, line)`` of each non-blank line of ``path`` (its end stripped), decoded
    with ``--encoding`` and ``--encoding-errors``; a line that does not decode is a
    `DataError` naming the file and line."""
    from bertkit.data.files import check_path, text_lines

    if check_path(path).is_dir():
        raise DataError(f"{path} is a folder; give a file of texts, one per line.")
    for number, line in text_lines(path, args.encoding, args.encoding_errors):
        yield number, line.rstrip("\r\n")


def _read_pairs(args: argparse.Namespace) -> list[tuple[str, str]]:
    pairs = [tuple(p) for p in (args.pair or [])]
    if args.pairs_file:
        for lineno, line in _file_lines(args.pairs_file, args):
            parts = line.split("\t")
            if len(parts) != 2:
                raise DataError(f"{args.pairs_file} line {lineno}: expected two "
                                f"tab-separated texts, found {len(parts)} field(s).")
            pairs.append((parts[0], parts[1]))
    return pairs  # type: ignore[return-value]


def read_texts(args: argparse.Namespace, pairs_allowed: bool = False) -> list[str]:
    """Texts from the arguments and ``--file`` (one per line)."""
    if not pairs_allowed and (args.pair or args.pairs_file):
        raise ConfigError("this predictor takes single texts, not pairs.")
    texts = list(args.texts)
    if args.file:
        texts += [line for _, line in _file_lines(args.file, args)]
    if not texts:
        raise ConfigError("give texts as arguments or --file FILE (one text per line).")
    return texts


def read_text_pairs(args: argparse.Namespace) -> list[Any]:
    """Texts, or ``(text, second)`` pairs from ``--pair`` / ``--pairs-file`` (not both)."""
    pairs = _read_pairs(args)
    if not pairs:
        return read_texts(args, pairs_allowed=True)
    if args.texts or args.file:
        raise ConfigError("give either texts (arguments, --file) or pairs (--pair, "
                          "--pairs-file), not both.")
    return pairs


def read_records(args: argparse.Namespace) -> list[dict[str, Any]]:
    """``{"text", ...}`` records from the arguments and ``--file`` (plain lines, or JSON lines
    with a ``text`` (or ``context``) field and any others, such as ``query``)."""
    records = [{"text": t} for t in args.texts]
    if args.file:
        for number, line in _file_lines(args.file, args):
            if not line.lstrip().startswith("{"):
                records.append({"text": line})
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as err:
                raise DataError(f"{args.file} line {number}: not valid JSON ({err}).") from None
            if "text" not in record and "context" in record:
                record["text"] = record["context"]
            if "text" not in record:
                raise DataError(f"{args.file} line {number}: no 'text' field.")
            records.append(record)
    if not records:
        raise ConfigError("give texts as arguments or --file FILE.")
    return records


def input_record(item: Any) -> dict[str, Any]:
    """The JSON record that echoes one input: ``{"text"}`` or ``{"text", "second"}``."""
    if isinstance(item, (tuple, list)):
        return {"text": item[0], "second": item[1]}
    return {"text": item}


def print_json(record: dict[str, Any]) -> None:
    """One JSON line on standard output (Chinese kept readable)."""
    print(json.dumps(record, ensure_ascii=False))


def add_evaluate_options(parser: argparse.ArgumentParser) -> None:
    """``bertkit evaluate``'s options besides ``--model`` and ``--batch-size``."""
    parser.add_argument("--data", required=True,
                        help="labelled data; for a tagger, a char-tag or JSON-lines file")
    parser.add_argument("--plot", default=None, help="save the confusion matrix PNG here "
                        "(multi-head: one per head, named <stem>_<head>.png)")
    add_table_options(parser)
