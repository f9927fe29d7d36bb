"""``bertkit train --long-documents chunks|head|head_tail`` (documents longer than
``--max-len``; a variant of ``bertkit train``) and ``predict`` / ``evaluate`` on its predictor.

    bertkit train --data reviews.csv --long-documents chunks --aggregator attention --out DIR
    bertkit predict --model DIR --file documents.txt
"""

from __future__ import annotations

import argparse
from typing import Any

from bertkit.errors import ConfigError
from bertkit.tasks.classification import cli as classification_cli
from bertkit.tasks.common.cli import Command, learner_options, train_and_save
from bertkit.tasks.common.tables import load_table_examples
from bertkit.tasks.document.learner import DocumentClassifier


def _add_train_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--long-documents", choices=("chunks", "head", "head_tail"),
                        default=None, help="documents longer than --max-len: chunk + aggregate, "
                        "or truncate (head, head+tail)")
    parser.add_argument("--aggregator", choices=("attention", "mean", "max", "lstm"),
                        default="attention", help="with --long-documents chunks")
    parser.add_argument("--overlap", type=int, default=0, help="tokens shared by chunks")
    parser.add_argument("--sentences", action="store_true", help="chunks end on sentences")


def _train(args: argparse.Namespace) -> int:
    if args.stream:
        raise ConfigError("--long-documents needs documents in memory; drop --stream.")
    train, valid = load_table_examples(args)
    classifier = DocumentClassifier.for_documents(
        args.model, train, valid, strategy=args.long_documents, aggregator=args.aggregator,
        overlap=args.overlap, sentence_boundaries=args.sentences, pooling=args.pooling,
        **learner_options(args))
    return train_and_save(classifier, args, what="document predictor")


COMMANDS = [Command("train", "classify documents longer than --max-len",
                    _add_train_arguments, _train,
                    when=lambda args: args.long_documents is not None)]


def predict(args: argparse.Namespace, predictor: Any) -> int:
    """Per document: its label and every label's probability, JSON lines."""
    if args.pair or args.pairs_file:
        raise ConfigError("a document predictor takes single documents, not pairs.")
    return classification_cli.predict(args, predictor)


evaluate = classification_cli.evaluate
