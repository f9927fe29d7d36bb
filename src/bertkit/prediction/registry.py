"""The task registry: task name -> the package that implements it, imported only when needed.

The name is what a saved ``predictor.json`` says under ``"task"``. A task package (see
ARCHITECTURE.md) defines ``PREDICTOR``, its predictor class (a `BasePredictor` whose ``task``
is the name), and has a ``cli`` module with its commands. `load_predictor`, the ``bertkit``
command and the server find tasks here; nothing registers itself on import.

>>> "span_extraction" in task_names()
True
>>> predictor_class("token_tagging").__name__
'TaggingPredictor'
>>> register_task("my_task", "my_package.my_task")   # a task of your own        # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

from bertkit.errors import ConfigError

#: the built-in tasks, in the order the command line lists them
_TASKS: dict[str, str] = {
    "text_classification": "bertkit.tasks.classification",
    "multi_head_classification": "bertkit.tasks.multi_head",
    "document_classification": "bertkit.tasks.document",
    "text_regression": "bertkit.tasks.regression",
    "token_tagging": "bertkit.tasks.tagging",
    "span_extraction": "bertkit.tasks.span_extraction",
    "relation_extraction": "bertkit.tasks.relation_extraction",
}


def register_task(name: str, package: str) -> None:
    """Make the task ``name`` (as saved in ``predictor.json``) load from ``package``."""
    if not name.isidentifier():
        raise ConfigError(f"task names are identifiers such as 'text_classification', got "
                          f"{name!r}.")
    _TASKS[name] = package


def task_names() -> list[str]:
    """The registered task names."""
    return list(_TASKS)


def task_package(name: str) -> ModuleType:
    """The package implementing task ``name``; an unknown name is a `ConfigError` that lists
    the known ones."""
    if name not in _TASKS:
        raise ConfigError(f"unknown task {name!r}; this bertkit knows {task_names()}. A newer "
                          "bertkit may know it (pip install -U bertkit).")
    return importlib.import_module(_TASKS[name])


def predictor_class(name: str) -> Any:
    """The predictor class of task ``name``."""
    return task_package(name).PREDICTOR


def task_cli(name: str) -> ModuleType:
    """The ``cli`` module of task ``name`` (its commands, ``predict`` and ``evaluate``)."""
    return importlib.import_module(_TASKS[name] + ".cli")
