"""``bertkit train --label-columns A,B`` (one head per label column on a shared encoder, a
variant of ``bertkit train``) and what ``predict`` / ``evaluate`` do with a multi-head predictor.

    bertkit train --data news.csv --label-columns group,category,sentiment --out DIR
        [--hierarchy h.json] [--loss-weights sentiment=0.5] [--head-tasks sentiment=binary]
    bertkit predict --model DIR "国足晋级世界杯"
    bertkit evaluate --model DIR --data news.csv [--plot cm.png]
"""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

from bertkit.data import load_examples
from bertkit.errors import ConfigError
from bertkit.tasks.common.cli import Command, learner_options, print_json, train_and_save
from bertkit.tasks.common.inputs import input_record, read_text_pairs
from bertkit.tasks.common.tables import load_table_examples, split_names, table_options
from bertkit.tasks.multi_head.learner import MultiHeadLearner


def _add_train_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--loss-weights", default=None, metavar="A=1,B=0.5",
                        help="multi-head: weight of each head's loss")
    parser.add_argument("--head-tasks", default=None, metavar="B=binary",
                        help="multi-head: a head's task when not inferred")
    parser.add_argument("--hierarchy", default=None, metavar="FILE.json",
                        help='multi-head: {"child": ["parent", {"child_label": "parent_label"}]}')


def _pairs(args: argparse.Namespace, flag: str, cast: Any) -> dict[str, Any]:
    """``--flag a=1,b=0.5`` as ``{"a": cast("1"), "b": cast("0.5")}``."""
    pairs = {}
    option = "--" + flag.replace("_", "-")
    for item in split_names(getattr(args, flag)):
        name, sep, value = item.partition("=")
        if not sep:
            raise ConfigError(f"{option} takes head=value pairs separated by commas (e.g. "
                              f"category=1,sentiment=0.5), got {item!r}.")
        try:
            pairs[name.strip()] = cast(value.strip())
        except ValueError:
            raise ConfigError(f"{option}: {item!r} is not head=number.") from None
    return pairs


def _hierarchy(path: str | None) -> dict[str, Any] | None:
    if not path:
        return None
    try:
        with open(path, encoding="utf-8") as f:
            relations = json.load(f)
    except (OSError, ValueError) as err:
        raise ConfigError(
            f"--hierarchy {path}: cannot read it as JSON ({err}); write "
            '{"child_head": ["parent_head", {"child_label": "parent_label", ...}]}.') from None
    return {child: tuple(rel) if isinstance(rel, list) else rel
            for child, rel in relations.items()}


def _train(args: argparse.Namespace) -> int:
    train, valid = load_table_examples(args)
    learner = MultiHeadLearner.for_multi_head(
        args.model, train, valid, pooling=args.pooling, hierarchy=_hierarchy(args.hierarchy),
        loss_weights=_pairs(args, "loss_weights", float) or None,
        tasks=_pairs(args, "head_tasks", str) or None, **learner_options(args))
    return train_and_save(learner, args)


COMMANDS = [Command("train", "several heads on one encoder: one per --label-columns column",
                    _add_train_arguments, _train, when=lambda args: bool(args.label_columns))]


def predict(args: argparse.Namespace, predictor: Any) -> int:
    """Per input: every head's label and probabilities, JSON lines."""
    inputs = read_text_pairs(args)
    for item, heads in zip(inputs, predictor.predict_details(inputs)):
        print_json({"text": input_record(item)["text"],
                    "labels": {h: d["label"] for h, d in heads.items()},
                    "probabilities": {h: d["probabilities"] for h, d in heads.items()}})
    return 0


def evaluate(args: argparse.Namespace, predictor: Any) -> int:
    """A report per head; ``--plot STEM.png`` saves ``STEM_<head>.png`` for every head."""
    data = load_examples(args.data, **table_options(args, predictor.heads))
    report = predictor.evaluate(data)
    print(report)
    if args.plot:
        stem, ext = os.path.splitext(os.path.abspath(args.plot))
        for path in report.plot(os.path.dirname(stem), os.path.basename(stem), ext or ".png"):
            print(f"confusion matrix saved to {path}")
    return 0
