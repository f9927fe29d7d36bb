"""How ``bertkit predict`` and ``evaluate`` take their inputs: texts, pairs, JSON-lines records
from arguments and files (`bertkit.tasks.common.cli.print_json` writes the outputs)."""

from __future__ import annotations

import argparse
import json
from typing import Any, Iterator

from bertkit.errors import ConfigError, DataError
from bertkit.tasks.common.tables import add_encoding_options, add_table_options


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


def add_evaluate_options(parser: argparse.ArgumentParser) -> None:
    """``bertkit evaluate``'s options besides ``--model`` and ``--batch-size``."""
    parser.add_argument("--data", required=True,
                        help="labelled data; for a tagger, a char-tag or JSON-lines file")
    parser.add_argument("--plot", default=None, help="save the confusion matrix PNG here "
                        "(multi-head: one per head, named <stem>_<head>.png)")
    add_table_options(parser)
