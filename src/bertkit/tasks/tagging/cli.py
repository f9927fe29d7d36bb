"""``bertkit train-tagger`` and what ``predict`` / ``evaluate`` do with an entity tagger.

    bertkit train-tagger --data msra_train.txt --model M --out DIR --scheme BMES --head crf --char
    bertkit predict --model DIR "我在北京工作"          ({"text", "entities": [...]} per line)
    bertkit evaluate --model DIR --data test.txt        (entity P/R/F1 per type)
"""

from __future__ import annotations

import argparse
from typing import Any

from bertkit.tasks.common.cli import (Command, add_run_options, add_training_options,
                                      learner_options, print_json, train_and_save)
from bertkit.tasks.common.inputs import read_texts
from bertkit.tasks.common.tables import add_encoding_options, encoding_options, read_train_valid
from bertkit.tasks.tagging.data import load_tagged
from bertkit.tasks.tagging.learner import TaggingLearner


def _add_train_arguments(parser: argparse.ArgumentParser) -> None:
    add_run_options(parser, "char-tag column file (BIO/BMES, e.g. MSRA) or JSON lines "
                            '{"text", "entities": [{"start", "end", "type"}]}')
    parser.add_argument("--head", choices=("crf", "softmax"), default="crf")
    parser.add_argument("--scheme", choices=("BIO", "BMES"), default="BIO")
    parser.add_argument("--char", action="store_true",
                        help="character mode: one token per character (Chinese, BERT vocab)")
    parser.add_argument("--split-chars", action="store_true",
                        help="one token per character with any vocabulary (e.g. e5/XLM-R on "
                             "Chinese, whose pieces span several characters)")
    parser.add_argument("--repair-tags", action="store_true",
                        help="repair ill-formed tag sequences in char-tag files instead of "
                             "stopping (a stray I-/M-/E- tag begins an entity)")
    add_training_options(parser)
    add_encoding_options(parser)


def _train(args: argparse.Namespace) -> int:
    # strict: char-tag files only (JSON lines give spans, not tags to repair)
    train, valid = read_train_valid(
        args, lambda path, **encoding: load_tagged(path, strict=not args.repair_tags, **encoding))
    print(f"{len(train)} training and {len(valid)} validation texts; entity types "
          f"{train.types}")
    learner = TaggingLearner.for_tagging(
        args.model, train, valid, scheme=args.scheme, head=args.head,
        tokenizer_mode="char" if args.char else None, split_chars=args.split_chars,
        **learner_options(args))
    return train_and_save(learner, args)


COMMANDS = [Command("train-tagger", "fine-tune an entity tagger (NER) and save a predictor",
                    _add_train_arguments, _train)]


def predict(args: argparse.Namespace, predictor: Any) -> int:
    """Each text's entities, JSON lines."""
    texts = read_texts(args)
    for text, entities in zip(texts, predictor.predict(texts)):
        print_json({"text": text, "entities": entities})
    return 0


def evaluate(args: argparse.Namespace, predictor: Any) -> int:
    """Entity precision, recall and F1 per type."""
    print(predictor.evaluate(load_tagged(args.data, **encoding_options(args))))
    return 0
