"""``bertkit train`` (text classification; other tasks add variants: ``--label-columns``,
``--long-documents``) and what ``bertkit predict`` / ``evaluate`` do with a classifier.

    bertkit train --data reviews.csv --model all-MiniLM-L6-v2 --out DIR [--task multi_label]
    bertkit predict --model DIR "what a film" [--pair A B | --pairs-file F]
    bertkit evaluate --model DIR --data test.csv [--plot cm.png]
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from bertkit.data import load_examples
from bertkit.errors import ConfigError
from bertkit.tasks.classification.learner import Learner
from bertkit.tasks.common.cli import (Command, add_run_options, add_training_options,
                                      learner_options, print_json, train_and_save)
from bertkit.tasks.common.inputs import input_record, read_text_pairs
from bertkit.tasks.common.tables import add_table_options, load_table_examples, table_options


def _add_train_arguments(parser: argparse.ArgumentParser) -> None:
    add_run_options(parser, "CSV/TSV/JSONL file or a folder with one sub-folder per class",
                    default_model="all-MiniLM-L6-v2")
    add_training_options(parser)
    parser.add_argument("--task", choices=("single_label", "binary", "multi_label"),
                        default=None)
    parser.add_argument("--pooling", choices=("pooled", "cls", "mean"), default="pooled")
    parser.add_argument("--bucket-window", type=int, default=None, metavar="N",
                        help="group training batches by length within windows of N batches "
                             "(less padding, faster; default: the Learner's); 1 = random batches")
    parser.add_argument("--stream", action="store_true",
                        help="read --data row by row (files larger than memory); needs --valid")
    add_table_options(parser)


def _train(args: argparse.Namespace) -> int:
    train, valid = load_table_examples(args)
    learner = Learner.for_classification(
        args.model, train, valid, task=args.task, pooling=args.pooling,
        **({} if args.bucket_window is None else {"bucket_window": args.bucket_window}),
        **learner_options(args))
    return train_and_save(learner, args)


COMMANDS = [Command("train", "fine-tune a text classifier and save a predictor",
                    _add_train_arguments, _train)]


def predict(args: argparse.Namespace, predictor: Any) -> int:
    """Per input (text or pair): its label and every label's probability, JSON lines."""
    inputs = read_text_pairs(args)
    for item, details in zip(inputs, predictor.predict_details(inputs)):
        print_json({**input_record(item), **details})
    return 0


def evaluate(args: argparse.Namespace, predictor: Any) -> int:
    """The classification report on labelled texts; ``--plot`` saves the confusion matrix."""
    if args.label_columns:
        raise ConfigError(f"{args.model} is a single-head predictor; --label-columns is for "
                          "multi-head ones (use --label-column).")
    report = predictor.evaluate(load_examples(args.data, **table_options(args)))
    print(report)
    if args.plot:
        directory, name = os.path.split(os.path.abspath(args.plot))
        report.plot(directory, name)
        print(f"confusion matrix saved to {args.plot}")
    return 0
