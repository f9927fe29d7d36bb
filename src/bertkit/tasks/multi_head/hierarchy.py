"""Hierarchical labels across heads: a child head's labels each belong to one parent label.

``Hierarchy({"subcategory": ("category", {"足球": "体育", "股票": "财经", ...})}, label_maps)``
checks that every child label has a known parent, and at prediction time
`Hierarchy.constrain` keeps only the children of the predicted parent (the child head's other
probabilities are zeroed and the rest renormalised), so a prediction is never inconsistent.
`Hierarchy.inconsistency` says how often the unconstrained argmax would have been.

>>> from bertkit.data import LabelMap
>>> maps = {"group": LabelMap(["news", "fun"]), "topic": LabelMap(["games", "sport", "stocks"])}
>>> h = Hierarchy({"topic": ("group", {"sport": "news", "stocks": "news", "games": "fun"})}, maps)
>>> import numpy as np
>>> probs = {"group": np.array([[0.9, 0.1]]), "topic": np.array([[0.5, 0.2, 0.3]])}
>>> h.inconsistency(probs)["topic"]["inconsistent"]      # argmax 'games' is not a news topic
1
>>> fixed = h.constrain(probs)
>>> [maps["topic"].names[i] for i in fixed["topic"].argmax(1)]
['stocks']
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from bertkit.errors import ConfigError


class Hierarchy:
    """Parent/child relations between heads, checked against their label maps.

    Args:
        relations: ``{child_head: (parent_head, {child_label: parent_label})}``. Both heads must
            be single-label; chains (a grandchild head) are allowed, cycles are not.
        label_maps: ``{head: LabelMap}`` of the model.
    """

    def __init__(self, relations: Mapping[str, Any], label_maps: Mapping[str, Any]) -> None:
        if not isinstance(relations, Mapping):
            raise ConfigError(f"hierarchy must be a dict {{child_head: (parent_head, "
                              f"{{child_label: parent_label}})}}, got {type(relations).__name__}.")
        self.relations: dict[str, tuple[str, dict[str, str]]] = {}
        self.allowed: dict[str, np.ndarray] = {}
        for child, relation in relations.items():
            if (not isinstance(relation, (tuple, list)) or len(relation) != 2
                    or not isinstance(relation[1], Mapping)):
                raise ConfigError(f"hierarchy[{child!r}] must be (parent_head, {{child_label: "
                                  f"parent_label}}), got {relation!r}.")
            parent, mapping = str(relation[0]), {str(k): str(v) for k, v in relation[1].items()}
            for head in (child, parent):
                if head not in label_maps:
                    raise ConfigError(f"hierarchy names the head {head!r}, but the heads are "
                                      f"{list(label_maps)}.")
                if label_maps[head].multi_label:
                    raise ConfigError(f"hierarchy: head {head!r} is multi-label; parent and "
                                      "child heads must be single-label (or binary).")
            if child == parent:
                raise ConfigError(f"hierarchy: head {child!r} cannot be its own parent.")
            child_map, parent_map = label_maps[child], label_maps[parent]
            orphans = [name for name in child_map.names if name not in mapping]
            if orphans:
                raise ConfigError(
                    f"hierarchy[{child!r}]: the {child} labels {orphans[:10]} have no parent; "
                    f"give every {child} label a {parent} label in the mapping.")
            allowed = np.zeros((len(parent_map.names), len(child_map.names)), dtype=bool)
            for j, name in enumerate(child_map.names):
                if mapping[name] not in parent_map:
                    raise ConfigError(
                        f"hierarchy[{child!r}]: the parent of {name!r} is {mapping[name]!r}, "
                        f"which is not a {parent} label ({parent_map.names[:20]}).")
                allowed[parent_map.index(mapping[name]), j] = True
            self.relations[child] = (parent, {k: mapping[k] for k in child_map.names})
            self.allowed[child] = allowed
        self.order = self._topological_order()

    def _topological_order(self) -> list[str]:
        """Child heads, each after its parent when the parent is itself a child."""
        order: list[str] = []
        visiting: set[str] = set()

        def visit(head: str) -> None:
            if head in order or head not in self.relations:
                return
            if head in visiting:
                raise ConfigError(f"hierarchy: the heads form a cycle through {head!r}.")
            visiting.add(head)
            visit(self.relations[head][0])
            visiting.discard(head)
            order.append(head)

        for head in self.relations:
            visit(head)
        return order

    def to_dict(self) -> dict[str, list[Any]]:
        """JSON-ready ``{child: [parent, {child_label: parent_label}]}``."""
        return {child: [parent, dict(mapping)] for child, (parent, mapping)
                in self.relations.items()}

    def constrain(self, probs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Probabilities with each child head limited to the children of the predicted parent.

        Parents are decided first (a constrained parent constrains its own children).
        """
        out = {head: np.asarray(p, dtype=np.float32) for head, p in probs.items()}
        for child in self.order:
            parent = self.relations[child][0]
            keep = self.allowed[child][out[parent].argmax(1)]  # (N, child classes)
            masked = np.where(keep, out[child], 0.0)
            total = masked.sum(1, keepdims=True)
            # A parent without children would empty the row: keep the raw row then (not reached
            # when every parent label has a child, the usual case).
            out[child] = np.where(total > 0, masked / np.maximum(total, 1e-30), out[child])
        return out

    def inconsistency(self, probs: Mapping[str, np.ndarray]) -> dict[str, dict[str, Any]]:
        """How often the unconstrained argmax of each child disagrees with its parent's argmax.

        Returns ``{child: {"parent": head, "inconsistent": count, "total": n, "rate": float}}``.
        """
        out: dict[str, dict[str, Any]] = {}
        for child in self.order:
            parent = self.relations[child][0]
            child_pred = np.asarray(probs[child]).argmax(1)
            parent_pred = np.asarray(probs[parent]).argmax(1)
            bad = int((~self.allowed[child][parent_pred, child_pred]).sum())
            n = len(child_pred)
            out[child] = {"parent": parent, "inconsistent": bad, "total": n,
                          "rate": bad / n if n else 0.0}
        return out
