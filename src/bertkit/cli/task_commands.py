"""The commands the tasks contribute, and ``predict`` / ``evaluate``, which hand a saved
predictor to its task's ``cli`` module.

Every registered task's ``cli.COMMANDS`` is read (see `bertkit.tasks.common.cli.Command`):
commands of one name are merged into one parser — the task without ``when`` defines it, the
others (variants) add their options in a group of their own and take over when their ``when``
holds.
"""

from __future__ import annotations

import argparse
from typing import Any, Callable

from bertkit.errors import ConfigError
from bertkit.prediction import load_predictor
from bertkit.prediction.registry import task_cli, task_names
from bertkit.tasks.common.cli import Command
from bertkit.tasks.common.inputs import add_evaluate_options, add_input_options


def _dispatch(base: Command, variants: list[Command]) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        chosen = [v for v in variants if v.when is not None and v.when(args)]
        if len(chosen) > 1:
            raise ConfigError(f"bertkit {base.name}: the options of {chosen[0].help!r} and "
                              f"{chosen[1].help!r} cannot be combined.")
        return (chosen[0] if chosen else base).run(args)

    return run


def add_task_commands(sub: Any) -> None:
    """One subcommand per command name the registered tasks declare."""
    commands: dict[str, list[Command]] = {}
    for task in task_names():
        for command in getattr(task_cli(task), "COMMANDS", ()):
            commands.setdefault(command.name, []).append(command)
    for name, group in commands.items():
        bases = [c for c in group if c.when is None]
        if len(bases) != 1:
            raise ConfigError(f"command {name!r} is defined by {len(bases)} tasks; exactly one "
                              "may define it, the others add variants (Command.when).")
        base = bases[0]
        variants = [c for c in group if c.when is not None]
        parser = sub.add_parser(name, help=base.help)
        base.add_arguments(parser)
        for variant in variants:
            variant.add_arguments(parser.add_argument_group(variant.help))
        parser.set_defaults(func=_dispatch(base, variants))


def _cmd_predict(args: argparse.Namespace) -> int:
    predictor = load_predictor(args.model, batch_size=args.batch_size)
    return task_cli(predictor.task).predict(args, predictor)


def _cmd_evaluate(args: argparse.Namespace) -> int:
    predictor = load_predictor(args.model, batch_size=args.batch_size)
    return task_cli(predictor.task).evaluate(args, predictor)


def add_prediction_commands(sub: Any) -> None:
    """``predict`` and ``evaluate``: any saved predictor, whatever its task."""
    predict = sub.add_parser(
        "predict", help="predict labels, entities, answers or triples (JSON lines on stdout)")
    predict.add_argument("--model", required=True, help="a saved predictor directory")
    add_input_options(predict)
    predict.add_argument("--batch-size", type=int, default=None)
    predict.set_defaults(func=_cmd_predict)

    evaluate = sub.add_parser("evaluate", help="evaluate a saved predictor on labelled data")
    evaluate.add_argument("--model", required=True, help="a saved predictor directory")
    add_evaluate_options(evaluate)
    evaluate.add_argument("--batch-size", type=int, default=None)
    evaluate.set_defaults(func=_cmd_evaluate)
