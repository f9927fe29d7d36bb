"""The span and relation extraction commands (``bertkit train-span``, ``train-relation``,
and ``predict``/``evaluate`` on their predictors).

    bertkit train-span --data train.jsonl --model M --out DIR [--char] [--no-answer-not-allowed]
    bertkit train-relation --data duie_train.jsonl --model M --out DIR [--char]
    bertkit predict --model DIR --query "文中提到了哪个人？" TEXT ...   (span predictor)
    bertkit predict --model DIR TEXT ...                               (relation predictor)
    bertkit evaluate --model DIR --data test.jsonl                     (EM/char F1 or triple P/R/F1)
"""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

from bertkit.cli.options import add_training_options, learner_options


def _split(examples: Any, args: argparse.Namespace, load: Any) -> tuple[Any, Any]:
    if args.valid:
        return examples, load(args.valid)
    return examples.split(args.valid_fraction, seed=args.seed)


def _finish(learner: Any, args: argparse.Namespace) -> int:
    learner.fit(args.lr, args.epochs, schedule=args.schedule,
                checkpoint_dir=os.path.join(args.out, "checkpoint"))
    report = learner.validate()
    os.makedirs(args.out, exist_ok=True)
    learner.get_predictor().save(args.out)
    with open(os.path.join(args.out, "validation.json"), "w", encoding="utf-8") as f:
        json.dump(report, f, indent=2, ensure_ascii=False)
    print(f"predictor saved to {args.out}")
    return 0


def _cmd_train_span(args: argparse.Namespace) -> int:
    from bertkit.data.extraction import load_span_examples
    from bertkit.training.span_learner import SpanLearner

    train, valid = _split(load_span_examples(args.data), args, load_span_examples)
    print(f"{len(train)} training and {len(valid)} validation examples")
    learner = SpanLearner.for_span_extraction(
        args.model, train, valid, mode="char" if args.char else None,
        allow_no_answer=not args.always_answer, max_answer_len=args.max_answer_len,
        **learner_options(args))
    return _finish(learner, args)


def _cmd_train_relation(args: argparse.Namespace) -> int:
    from bertkit.data.extraction import load_relation_examples
    from bertkit.training.relation_learner import RelationLearner

    train, valid = _split(load_relation_examples(args.data), args, load_relation_examples)
    print(f"{len(train)} training and {len(valid)} validation texts")
    learner = RelationLearner.for_relation_extraction(
        args.model, train, valid, mode="char" if args.char else None,
        on_conflict="skip" if args.skip_conflicts else "error", **learner_options(args))
    return _finish(learner, args)


def _records(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Texts from the arguments and ``--file`` (plain lines, or JSON lines with a ``text``)."""
    records = [{"text": t} for t in args.texts]
    if args.file:
        with open(args.file, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                if not line.strip():
                    continue
                if line.lstrip().startswith("{"):
                    try:
                        record = json.loads(line)
                    except json.JSONDecodeError as err:
                        raise SystemExit(f"{args.file} line {number}: not valid JSON ({err}).")
                    if "text" not in record and "context" in record:
                        record["text"] = record["context"]
                    if "text" not in record:
                        raise SystemExit(f"{args.file} line {number}: no 'text' field.")
                    records.append(record)
                else:
                    records.append({"text": line.rstrip("\n")})
    if not records:
        raise SystemExit("bertkit predict: give texts as arguments or --file FILE.")
    return records


def predict_spans(args: argparse.Namespace, predictor: Any) -> int:
    """``bertkit predict`` on a span predictor: the answer to each (query, text), JSON lines."""
    records = _records(args)
    texts = [r["text"] for r in records]
    queries = [r.get("query", r.get("question", args.query)) for r in records]
    if not all(queries):
        raise SystemExit("bertkit predict: a span predictor needs a query: pass --query Q, "
                         "or JSON lines with a 'query' field.")
    for query, text, answer in zip(queries, texts, predictor.predict(queries, texts)):
        print(json.dumps({"query": query, "text": text, **answer}, ensure_ascii=False))
    return 0


def predict_triples(args: argparse.Namespace, predictor: Any) -> int:
    """``bertkit predict`` on a relation predictor: each text's triples, JSON lines."""
    texts = [r["text"] for r in _records(args)]
    for text, triples in zip(texts, predictor.predict(texts)):
        print(json.dumps({"text": text, "spo_list": triples}, ensure_ascii=False))
    return 0


def evaluate_extraction(args: argparse.Namespace, predictor: Any) -> int:
    print(json.dumps(predictor.evaluate(args.data), indent=2, ensure_ascii=False))
    return 0


def add_extraction_commands(sub: Any) -> None:
    """Add ``train-span`` and ``train-relation`` to the ``bertkit`` subcommands."""
    for name, func, help_text, data_help in (
            ("train-span", _cmd_train_span,
             "fine-tune span extraction (query + text -> answer) and save a predictor",
             'JSON lines {"query", "text", "answers": [{"text", "start"}]}'),
            ("train-relation", _cmd_train_relation,
             "fine-tune relation extraction (subject, predicate, object) and save a predictor",
             'DuIE JSON lines {"text", "spo_list": [{"subject", "predicate", "object"}]}')):
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--data", required=True, help=data_help)
        p.add_argument("--valid", default=None, help="validation data (default: split --data)")
        p.add_argument("--valid-fraction", type=float, default=0.1)
        p.add_argument("--model", required=True,
                       help="pretrained encoder: directory, checkpoint or preset name")
        p.add_argument("--out", required=True, help="directory for the predictor")
        p.add_argument("--char", action="store_true",
                       help="character tokens (one per character; Chinese)")
        add_training_options(p, max_len=256)
        if name == "train-span":
            p.add_argument("--always-answer", action="store_true",
                           help="every example has an answer (no 'no answer' position)")
            p.add_argument("--max-answer-len", type=int, default=30,
                           help="longest answer in tokens")
        else:
            p.add_argument("--skip-conflicts", action="store_true",
                           help="leave out examples whose gold spans the scheme cannot "
                                "express, instead of stopping")
        p.set_defaults(func=func)


