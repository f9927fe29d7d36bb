"""Command-line plumbing shared by the tasks' ``cli.py`` modules.

A task's ``cli.py`` declares ``COMMANDS`` (a list of `Command`) and the functions
``predict(args, predictor)`` and ``evaluate(args, predictor)``; `bertkit.cli` builds the
``bertkit`` command from those of every registered task. A `Command` whose ``when`` is set is a
*variant* of a command another task defines: it adds its options to that command's parser and
runs instead of it when ``when(args)`` is true (``bertkit train --label-columns ...`` runs the
multi-head task's training).

This module also holds the options and steps the training commands share (`add_run_options`,
`add_training_options`, `learner_options`, `train_and_save`). The data-file options are in
`bertkit.tasks.common.tables`, how ``predict`` reads inputs and writes outputs in
`bertkit.tasks.common.inputs`.
"""

from __future__ import annotations

import argparse
import json
import os
from dataclasses import dataclass
from typing import Any, Callable

from bertkit._logging import get_logger

log = get_logger(__name__)


@dataclass(frozen=True)
class Command:
    """A ``bertkit`` subcommand (or a variant of one: see the module docstring)."""

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]
    #: for a variant: when it takes over the command
    when: Callable[[argparse.Namespace], bool] | None = None


# ---- training commands --------------------------------------------------------------------


def add_run_options(parser: argparse.ArgumentParser, data_help: str,
                    default_model: str | None = None) -> None:
    """``--data --valid --valid-fraction --model --out``, which every training command takes."""
    parser.add_argument("--data", required=True, help=data_help)
    parser.add_argument("--valid", default=None, help="validation data (default: split --data)")
    parser.add_argument("--valid-fraction", type=float, default=0.1)
    parser.add_argument("--model", required=default_model is None, default=default_model,
                        help="pretrained encoder: directory, checkpoint or preset name")
    parser.add_argument("--out", required=True, help="directory for the predictor")
    parser.add_argument("--overwrite", action="store_true",
                        help="start afresh when --out holds the training state of another run "
                             "(default: resume the same run, refuse another one)")


def add_training_options(parser: argparse.ArgumentParser, *, max_len: int = 128,
                         batch_size: int = 32, lr: float = 5e-5, epochs: int = 2) -> None:
    """``--epochs --lr --schedule --max-len --batch-size --accumulate --head-lr-multiplier
    --bf16 --seed`` (defaults per command where given)."""
    parser.add_argument("--epochs", type=int, default=epochs)
    parser.add_argument("--lr", type=float, default=lr)
    parser.add_argument("--schedule", choices=("linear", "onecycle", "constant"),
                        default="linear")
    parser.add_argument("--max-len", type=int, default=max_len)
    parser.add_argument("--batch-size", type=int, default=batch_size)
    parser.add_argument("--accumulate", type=int, default=1, help="gradient accumulation steps")
    parser.add_argument("--head-lr-multiplier", type=float, default=1.0,
                        help="the new head's learning rate over the encoder's (e.g. 10 when "
                             "training steps are few)")
    parser.add_argument("--bf16", action="store_true", help="mixed bfloat16 precision")
    parser.add_argument("--seed", type=int, default=0)


def learner_options(args: argparse.Namespace) -> dict[str, Any]:
    """The keyword arguments of ``*Learner.for_*`` that `add_training_options` sets."""
    if args.bf16:
        from bertkit.hardware import fast_bfloat16

        if not fast_bfloat16():
            log.warning("warning: --bf16 on hardware without bfloat16 support (no AMX/AVX512-"
                        "BF16 CPU or Ampere+ GPU) is much slower than float32.")
    return {"dtype": "mixed_bfloat16" if args.bf16 else None, "batch_size": args.batch_size,
            "max_len": args.max_len, "seed": args.seed,
            "gradient_accumulation_steps": args.accumulate,
            "head_lr_multiplier": args.head_lr_multiplier}


def split_or_read_valid(examples: Any, args: argparse.Namespace,
                        load: Callable[[str], Any]) -> tuple[Any, Any]:
    """``(train, valid)``: ``--valid`` read with ``load``, or a seeded split of ``examples``."""
    if args.valid:
        return examples, load(args.valid)
    return examples.split(args.valid_fraction, seed=args.seed)


def train_and_save(learner: Any, args: argparse.Namespace, what: str = "predictor") -> int:
    """Fit (resumable from ``OUT/checkpoint``: the same run resumes, another is refused unless
    ``--overwrite``), evaluate on the validation data, save the predictor, its plots and
    ``validation.json`` in ``--out``."""
    learner.fit(args.lr, args.epochs, schedule=args.schedule,
                checkpoint_dir=os.path.join(args.out, "checkpoint"), overwrite=args.overwrite)
    predictor = learner.get_predictor()
    report = predictor.evaluate(learner.valid_data)
    log.info("%s", report)
    os.makedirs(args.out, exist_ok=True)
    for path in report.plot(args.out):
        log.info("%s saved", path)
    predictor.save(args.out)
    report.to_json(os.path.join(args.out, "validation.json"))
    print(f"{what} saved to {args.out}")
    return 0


def print_json(record: dict[str, Any]) -> None:
    """One JSON line on standard output (Chinese kept readable)."""
    print(json.dumps(record, ensure_ascii=False))
