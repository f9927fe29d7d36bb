"""``bertkit train-relation`` and what ``predict`` / ``evaluate`` do with a relation predictor.

    bertkit train-relation --data duie_train.jsonl --model M --out DIR [--char]
    bertkit predict --model DIR "李雷出生于北京。"        ({"text", "spo_list": [...]} per line)
    bertkit evaluate --model DIR --data test.jsonl       (triple precision, recall, F1)
"""

from __future__ import annotations

import argparse
from typing import Any

from bertkit.data.extraction import load_relation_examples
from bertkit.tasks.common.cli import (Command, add_run_options, add_training_options,
                                      learner_options, print_json, train_and_save)
from bertkit.tasks.common.inputs import read_records
from bertkit.tasks.common.tables import add_encoding_options, encoding_options, read_train_valid
from bertkit.tasks.relation_extraction.learner import RelationLearner


def _add_train_arguments(parser: argparse.ArgumentParser) -> None:
    add_run_options(parser,
                    'DuIE JSON lines {"text", "spo_list": [{"subject", "predicate", "object"}]}')
    parser.add_argument("--char", action="store_true",
                        help="character tokens (one per character; Chinese)")
    add_training_options(parser, max_len=256)
    parser.add_argument("--skip-conflicts", action="store_true",
                        help="leave out examples whose gold spans the scheme cannot express, "
                             "instead of stopping")
    add_encoding_options(parser)


def _train(args: argparse.Namespace) -> int:
    train, valid = read_train_valid(args, load_relation_examples)
    print(f"{len(train)} training and {len(valid)} validation texts")
    learner = RelationLearner.for_relation_extraction(
        args.model, train, valid, mode="char" if args.char else None,
        on_conflict="skip" if args.skip_conflicts else "error", **learner_options(args))
    return train_and_save(learner, args)


COMMANDS = [Command("train-relation", "fine-tune relation extraction (subject, predicate, "
                    "object) and save a predictor", _add_train_arguments, _train)]


def predict(args: argparse.Namespace, predictor: Any) -> int:
    """Each text's triples, JSON lines."""
    texts = [r["text"] for r in read_records(args)]
    for text, triples in zip(texts, predictor.predict(texts)):
        print_json({"text": text, "spo_list": triples})
    return 0


def evaluate(args: argparse.Namespace, predictor: Any) -> int:
    """Triple precision, recall and F1, as JSON."""
    data = load_relation_examples(args.data, **encoding_options(args))
    print(predictor.evaluate(data).to_json())
    return 0
