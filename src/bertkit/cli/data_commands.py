"""``bertkit demo`` (the main job on the shipped model and data) and ``bertkit build-dataset``
(class folders -> seeded train/dev/test files to stream)."""

from __future__ import annotations

import argparse
from typing import Any


def _cmd_demo(args: argparse.Namespace) -> int:
    from bertkit.cli.demo import run_demo

    run_demo(out=args.out, epochs=args.epochs, limit=args.limit)
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


def add_demo_command(sub: Any) -> None:
    demo = sub.add_parser("demo", help="the main job on the shipped model and data")
    demo.add_argument("--out", default="bertkit_demo")
    demo.add_argument("--epochs", type=int, default=2)
    demo.add_argument("--limit", type=int, default=None,
                      help="use only this many sentences (quick look)")
    demo.set_defaults(func=_cmd_demo)


def add_build_dataset_command(sub: Any) -> None:
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
