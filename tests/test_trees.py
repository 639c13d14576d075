"""The lambdarank trees scored in numpy (``qa.retrieve.trees``) and their ranker file, without LightGBM."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from qa.retrieve.ranker import FEATURES, LinearRanker, TreeRanker, load_ranker, ranker_identity
from qa.retrieve.trees import Trees


def leaf(value: float) -> dict:
    return {"leaf_index": 0, "leaf_value": value}


def split(feature: int, threshold: float, left: dict, right: dict) -> dict:
    return {
        "split_feature": feature,
        "threshold": threshold,
        "decision_type": "<=",
        "missing_type": "None",
        "default_left": True,
        "left_child": left,
        "right_child": right,
    }


# Two trees in LightGBM's dump_model() form: a stump on column 0, a depth-2 tree on columns 1 and 2.
DUMP = {
    "tree_info": [
        {"tree_structure": split(0, 0.5, leaf(-1.0), leaf(1.0))},
        {"tree_structure": split(1, 0.0, split(2, 2.0, leaf(0.25), leaf(0.5)), leaf(-0.5))},
    ]
}


def by_hand(row: np.ndarray) -> float:
    first = -1.0 if row[0] <= 0.5 else 1.0
    second = (0.25 if row[2] <= 2.0 else 0.5) if row[1] <= 0.0 else -0.5
    return first + second


def test_flattened_trees_score_every_row_as_walking_each_tree_by_hand_does() -> None:
    trees = Trees.from_lightgbm(DUMP)
    rows = np.array([[0.5, 0.0, 2.0], [0.6, 0.0, 2.1], [0.0, 1.0, 9.0], [9.0, -3.0, 0.0]])
    assert trees.depth == 2
    assert np.allclose(trees.predict(rows), [by_hand(r) for r in rows])  # ties go left, as in LightGBM
    again = Trees.from_json(json.loads(json.dumps(trees.to_json())))
    assert np.array_equal(again.predict(rows), trees.predict(rows))


def test_a_split_numpy_cannot_score_is_refused_when_exported() -> None:
    categorical = split(0, 1.0, leaf(0.0), leaf(1.0)) | {"decision_type": "=="}
    with pytest.raises(ValueError, match="categorical"):
        Trees.from_lightgbm({"tree_info": [{"tree_structure": categorical}]})
    zero_missing = split(0, 1.0, leaf(0.0), leaf(1.0)) | {"missing_type": "Zero"}
    with pytest.raises(ValueError, match="zero_as_missing"):
        Trees.from_lightgbm({"tree_info": [{"tree_structure": zero_missing}]})


def test_a_tree_ranker_file_loads_as_trees_a_linear_one_as_linear_and_their_identities_differ(
    tmp_path: Path,
) -> None:
    trees = TreeRanker(Trees.from_lightgbm(DUMP), trained_on="test")
    tree_file, linear_file = tmp_path / "trees.json", tmp_path / "linear.json"
    trees.save(tree_file)
    n = len(FEATURES)
    LinearRanker(np.ones(n), np.zeros(n), np.ones(n)).save(linear_file)
    loaded = load_ranker(tree_file)
    assert isinstance(loaded, TreeRanker)
    assert isinstance(load_ranker(linear_file), LinearRanker)
    matrix = np.zeros((3, n))
    matrix[:, 0] = [0.0, 1.0, 0.2]
    assert np.array_equal(loaded.score(matrix), trees.score(matrix))
    out = loaded.rerank(np.array([0.9, 0.8, 0.7, 0.1]), np.array([0, 1, 2]), matrix)
    assert int(np.argmax(out)) == 1 and out[3] < out[:3].min()  # the unscored candidate stays below
    assert ranker_identity(loaded) == ranker_identity(trees) != ranker_identity(load_ranker(linear_file))


def test_a_tree_ranker_for_other_features_or_with_broken_trees_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "trees.json"
    data = TreeRanker(Trees.from_lightgbm(DUMP)).to_json()
    path.write_text(json.dumps(data | {"features": ["bm25"]}), encoding="utf-8")
    with pytest.raises(ValueError, match=r"train/lambdarank\.py"):
        load_ranker(path)
    path.write_text(json.dumps(data | {"trees": {"feature": [0]}}), encoding="utf-8")
    with pytest.raises(ValueError, match="broken trees"):
        load_ranker(path)
