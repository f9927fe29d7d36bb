"""``bertkit train-regression`` (a score per text or text pair) and what ``predict`` /
``evaluate`` do with a regressor.

    bertkit train-regression --data sts.csv --second-column sentence2 --label-column score \\
        --model M --out DIR
    bertkit predict --model DIR --pair "他很高兴" "他心情不错"     ({"text", "second", "score"})
    bertkit evaluate --model DIR --data test.csv                    (MSE, MAE, Pearson, Spearman)
"""

from __future__ import annotations

import argparse
from typing import Any

from bertkit.data import load_examples
from bertkit.tasks.common.cli import (Command, add_run_options, add_training_options,
                                      learner_options, print_json, train_and_save)
from bertkit.tasks.common.inputs import input_record, read_text_pairs
from bertkit.tasks.common.tables import add_table_options, table_options
from bertkit.tasks.regression.learner import RegressionLearner


def _add_train_arguments(parser: argparse.ArgumentParser) -> None:
    add_run_options(parser, "CSV/TSV/JSONL file: a text column (and --second-column for pairs) "
                            "and a numeric --label-column", default_model="all-MiniLM-L6-v2")
    add_training_options(parser)
    parser.add_argument("--pooling", choices=("pooled", "cls", "mean"), default="pooled")
    add_table_options(parser)


def _train(args: argparse.Namespace) -> int:
    examples = load_examples(args.data, **table_options(args))
    if args.valid:
        train, valid = examples, load_examples(args.valid, **table_options(args))
    else:  # scores are not classes: a random split, not a stratified one
        train, valid = examples.split(args.valid_fraction, seed=args.seed, stratify=False)
    print(f"{len(train)} training and {len(valid)} validation examples")
    learner = RegressionLearner.for_regression(args.model, train, valid, pooling=args.pooling,
                                               **learner_options(args))
    return train_and_save(learner, args)


COMMANDS = [Command("train-regression",
                    "fine-tune a regressor (a score per text or pair) and save a predictor",
                    _add_train_arguments, _train)]


def predict(args: argparse.Namespace, predictor: Any) -> int:
    """Each input's score, JSON lines."""
    inputs = read_text_pairs(args)
    for item, score in zip(inputs, predictor.predict(inputs)):
        print_json({**input_record(item), "score": round(float(score), 6)})
    return 0


def evaluate(args: argparse.Namespace, predictor: Any) -> int:
    """MSE, MAE, Pearson and Spearman on scored texts."""
    print(predictor.evaluate(load_examples(args.data, **table_options(args))))
    return 0
