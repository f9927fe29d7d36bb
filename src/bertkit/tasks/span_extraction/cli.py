"""``bertkit train-span`` and what ``predict`` / ``evaluate`` do with a span predictor.

    bertkit train-span --data train.jsonl --model M --out DIR [--char] [--always-answer]
    bertkit predict --model DIR --query "文中提到了哪个人？" TEXT ...   (or JSON lines with "query")
    bertkit evaluate --model DIR --data test.jsonl                     (exact match, char F1)
"""

from __future__ import annotations

import argparse
from typing import Any

from bertkit.data.extraction import load_span_examples
from bertkit.errors import ConfigError
from bertkit.tasks.common.cli import (Command, add_run_options, add_training_options,
                                      learner_options, print_json, train_and_save)
from bertkit.tasks.common.inputs import read_records
from bertkit.tasks.common.tables import add_encoding_options, encoding_options, read_train_valid
from bertkit.tasks.span_extraction.learner import SpanLearner


def _add_train_arguments(parser: argparse.ArgumentParser) -> None:
    add_run_options(parser, 'JSON lines {"query", "text", "answers": [{"text", "start"}]}')
    parser.add_argument("--char", action="store_true",
                        help="character tokens (one per character; Chinese)")
    add_training_options(parser, max_len=256)
    parser.add_argument("--always-answer", action="store_true",
                        help="every example has an answer (no 'no answer' position)")
    parser.add_argument("--max-answer-len", type=int, default=30,
                        help="longest answer in tokens")
    add_encoding_options(parser)


def _train(args: argparse.Namespace) -> int:
    train, valid = read_train_valid(args, load_span_examples)
    print(f"{len(train)} training and {len(valid)} validation examples")
    learner = SpanLearner.for_span_extraction(
        args.model, train, valid, mode="char" if args.char else None,
        allow_no_answer=not args.always_answer, max_answer_len=args.max_answer_len,
        **learner_options(args))
    return train_and_save(learner, args)


COMMANDS = [Command("train-span",
                    "fine-tune span extraction (query + text -> answer) and save a predictor",
                    _add_train_arguments, _train)]


def predict(args: argparse.Namespace, predictor: Any) -> int:
    """The answer to each (query, text), JSON lines."""
    records = read_records(args)
    inputs = [(r.get("query", r.get("question", args.query)), r["text"]) for r in records]
    if not all(query for query, _ in inputs):
        raise ConfigError("a span predictor needs a query: pass --query Q, or JSON lines with a "
                          "'query' field.")
    for (query, text), answer in zip(inputs, predictor.predict(inputs)):
        print_json({"query": query, "text": text, **answer})
    return 0


def evaluate(args: argparse.Namespace, predictor: Any) -> int:
    """Exact match and character F1, as JSON."""
    print(predictor.evaluate(load_span_examples(args.data, **encoding_options(args))).to_json())
    return 0
