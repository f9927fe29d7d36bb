"""Command-line options every training command shares, and the learner arguments they give."""

from __future__ import annotations

import argparse
from typing import Any


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
    return {"dtype": "mixed_bfloat16" if args.bf16 else None, "batch_size": args.batch_size,
            "max_len": args.max_len, "seed": args.seed,
            "gradient_accumulation_steps": args.accumulate,
            "head_lr_multiplier": args.head_lr_multiplier}
