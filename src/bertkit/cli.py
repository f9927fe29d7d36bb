"""The ``bertkit`` command line.

    bertkit info MODEL                      what a checkpoint holds, and whether it loads
    bertkit tokenize MODEL TEXT [TEXT2]     tokens, ids, segments and character offsets
    bertkit convert MODEL OUT [--to hf|bertkit]   rewrite a checkpoint in another format

MODEL is a directory (Google TF checkpoint, Hugging Face, bertkit save), a checkpoint prefix, a
``.keras`` file or a preset name such as ``all-MiniLM-L6-v2``.
"""

from __future__ import annotations

import argparse
import json
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bertkit", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

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
