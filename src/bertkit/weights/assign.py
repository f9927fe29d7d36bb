"""Copy named numpy tensors into a `BertBackbone`, checking every shape, and report what was used."""

from __future__ import annotations

import dataclasses
from typing import Callable

import numpy as np

from bertkit.backbone.backbone import BertBackbone
from bertkit.backbone.layers import initialize_randomly
from bertkit._logging import get_logger
from bertkit.errors import CheckpointError
from bertkit.weights.names import WeightName, weight_table

log = get_logger(__name__)


@dataclasses.dataclass
class LoadReport:
    """What a checkpoint load did: which weights were set and what was left over."""

    source: str
    format: str
    loaded: int = 0
    missing: list[str] = dataclasses.field(default_factory=list)
    unused: list[str] = dataclasses.field(default_factory=list)
    ignored: int = 0  # optimizer slots and buffers, which are never model weights

    def summary(self) -> str:
        parts = [f"loaded {self.loaded} weights from {self.source} ({self.format})"]
        if self.missing:
            parts.append(f"{len(self.missing)} left at random initialisation: "
                         + ", ".join(self.missing))
        if self.unused:
            parts.append(f"{len(self.unused)} checkpoint variables unused: "
                         + ", ".join(self.unused))
        if self.ignored:
            parts.append(f"{self.ignored} optimizer-state or buffer variables ignored "
                         "(adam_m, adam_v, global_step, position_ids)")
        return "; ".join(parts)


def backbone_variables(backbone: BertBackbone) -> dict[str, object]:
    """The backbone's weights by their Keras path (``transformer_layer_0/query/kernel``)."""
    return {w.path.split("/", 1)[1] if w.path.startswith(backbone.name + "/") else w.path: w
            for w in backbone.weights}


def assign_weights(
    backbone: BertBackbone,
    source: str,
    fmt: str,
    checkpoint_names: list[str],
    name_of: Callable[[WeightName], str],
    read: Callable[[str], np.ndarray],
    transpose_of: Callable[[WeightName], bool] = lambda row: False,
    optional: tuple[str, ...] = ("pooler_dense/",),
    is_ignored: Callable[[str], bool] = lambda name: False,
) -> LoadReport:
    """Set every backbone weight from the checkpoint through the name table.

    ``name_of(row)`` gives the checkpoint name of a table row and ``read(name)`` its array.
    Weights whose path starts with one of ``optional`` may be absent (sentence-transformers
    models often have no pooler): they keep their initialisation and are listed as missing.
    A shape mismatch raises `CheckpointError` naming the variable, expected and found shapes.
    """
    report = LoadReport(source=source, format=fmt)
    variables = backbone_variables(backbone)
    available = set(checkpoint_names)
    used: set[str] = set()
    for row in weight_table(backbone.bert_config.num_layers):
        name = name_of(row)
        variable = variables[row.path]
        if name not in available:
            if row.path.startswith(optional):
                initialize_randomly(variable, backbone.bert_config.initializer_range)
                report.missing.append(row.path)
                continue
            raise CheckpointError(
                f"{source}: variable {name!r} (for {row.path}) is missing from the checkpoint. "
                "Is this a BERT checkpoint of the architecture its config describes?")
        value = read(name)
        if transpose_of(row):
            value = value.T
        expected = tuple(variable.shape)
        if tuple(value.shape) != expected:
            raise CheckpointError(
                f"{source}: variable {name!r} has shape {tuple(value.shape)} but the config "
                f"expects {expected} for {row.path}. Does the config file belong to these weights?")
        if not np.issubdtype(value.dtype, np.floating):
            raise CheckpointError(f"{source}: variable {name!r} has non-float dtype {value.dtype}.")
        variable.assign(value.astype(np.float32, copy=False))
        used.add(name)
        report.loaded += 1
    for name in sorted(available - used):
        if is_ignored(name):
            report.ignored += 1
        else:
            report.unused.append(name)
    # DEBUG: the summary is what `load_backbone(..., return_report=True)` and `bertkit info`
    # give; commands whose standard output is data must not get it there.
    log.debug("%s", report.summary())
    return report
