"""Regression trees scored with numpy: the learned ranker's boosted trees without LightGBM.

``train/lambdarank.py`` trains LightGBM's ``lambdarank`` and turns its ``dump_model()`` JSON
into ``Trees``: every node of every tree in flat arrays (an internal node sends a row left
when its feature is ``<=`` the threshold, as LightGBM does for numerical splits; a leaf points
at itself and holds the value). Scoring walks all trees at once, one numpy step per level, so
serving needs neither LightGBM nor a Python loop over trees.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Trees:
    """A sum of regression trees in flat arrays (one entry per node, all trees together).

    ``feature``, ``threshold``, ``left``, ``right`` and ``value`` have one entry per node;
    ``roots`` one per tree; ``depth`` is the deepest path (levels to walk).
    """

    feature: np.ndarray  # int, column of the split (0 for a leaf)
    threshold: np.ndarray  # float, go left when x <= threshold (+inf for a leaf)
    left: np.ndarray  # int, node index (a leaf: itself)
    right: np.ndarray
    value: np.ndarray  # float, a leaf's output (0 for an internal node)
    roots: np.ndarray
    depth: int

    def predict(self, matrix: np.ndarray) -> np.ndarray:
        """The summed output of every tree for each row of ``matrix`` (rows × features): (rows,)."""
        x = np.asarray(matrix, dtype=np.float64)
        rows = np.arange(len(x))[:, None]
        node = np.broadcast_to(self.roots, (len(x), len(self.roots))).copy()
        for _ in range(self.depth):
            go_left = x[rows, self.feature[node]] <= self.threshold[node]
            node = np.where(go_left, self.left[node], self.right[node])
        return np.asarray(self.value[node].sum(axis=1), dtype=np.float64)

    @classmethod
    def from_lightgbm(cls, dump: dict) -> Trees:
        """Flatten LightGBM's ``Booster.dump_model()``; anything but numerical ``<=`` splits on
        features without a zero-as-missing rule is refused (``ValueError``)."""
        feature: list[int] = []
        threshold: list[float] = []
        left: list[int] = []
        right: list[int] = []
        value: list[float] = []
        roots: list[int] = []
        depth = 0

        def add(node: dict, level: int) -> int:
            nonlocal depth
            at = len(feature)
            feature.append(0)
            threshold.append(np.inf)
            left.append(at)
            right.append(at)
            value.append(0.0)
            if "leaf_value" in node:
                value[at] = float(node["leaf_value"])
                depth = max(depth, level)
                return at
            if node.get("decision_type") != "<=" or node.get("missing_type") not in ("None", "NaN"):
                raise ValueError(
                    f"A tree split of type {node.get('decision_type')} with missing values as "
                    f"{node.get('missing_type')} cannot be scored here: train without categorical "
                    "features or zero_as_missing."
                )
            feature[at] = int(node["split_feature"])
            threshold[at] = float(node["threshold"])
            left[at] = add(node["left_child"], level + 1)
            right[at] = add(node["right_child"], level + 1)
            return at

        for tree in dump["tree_info"]:
            roots.append(add(tree["tree_structure"], 0))
        return cls(
            np.array(feature, dtype=np.int64),
            np.array(threshold, dtype=np.float64),
            np.array(left, dtype=np.int64),
            np.array(right, dtype=np.int64),
            np.array(value, dtype=np.float64),
            np.array(roots, dtype=np.int64),
            depth,
        )

    def to_json(self) -> dict[str, object]:
        return {
            "feature": self.feature.tolist(),
            "threshold": [float(t) if np.isfinite(t) else None for t in self.threshold],
            "left": self.left.tolist(),
            "right": self.right.tolist(),
            "value": self.value.tolist(),
            "roots": self.roots.tolist(),
            "depth": self.depth,
        }

    @classmethod
    def from_json(cls, data: dict) -> Trees:
        """The inverse of ``to_json`` (a missing threshold is a leaf's +inf); ``KeyError`` when
        a field is missing."""
        threshold = [np.inf if t is None else t for t in data["threshold"]]
        return cls(
            np.asarray(data["feature"], dtype=np.int64),
            np.asarray(threshold, dtype=np.float64),
            np.asarray(data["left"], dtype=np.int64),
            np.asarray(data["right"], dtype=np.int64),
            np.asarray(data["value"], dtype=np.float64),
            np.asarray(data["roots"], dtype=np.int64),
            int(data["depth"]),
        )
