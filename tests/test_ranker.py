"""The learned ranking function's file and scoring (``qa.retrieve.ranker``), without the model."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from qa.retrieve.ranker import (
    FEATURES,
    LinearRanker,
    _longest_piece,
    _proximity,
    default_ranker,
    ranker_identity,
    shipped_ranker_path,
)


def ranker(weights: list[float]) -> LinearRanker:
    n = len(FEATURES)
    padded = np.array(weights + [0.0] * (n - len(weights)))
    return LinearRanker(padded, np.zeros(n), np.ones(n), trained_on="test")


def test_rerank_orders_the_scored_candidates_by_the_model_and_keeps_the_rest_below_in_fused_order() -> None:
    fused = np.array([0.9, 0.8, 0.7, 0.1, 0.2])
    top = np.array([0, 1, 2])
    matrix = np.zeros((3, len(FEATURES)))
    matrix[:, 0] = [0.1, 0.5, 0.9]  # the model prefers the third
    out = ranker([1.0]).rerank(fused, top, matrix)
    assert list(np.argsort(-out, kind="stable")) == [2, 1, 0, 4, 3]


def test_a_saved_ranker_loads_the_same_and_its_identity_follows_its_weights(tmp_path: Path) -> None:
    path = tmp_path / "ranker.json"
    first = ranker([0.3, 0.7])
    first.save(path)
    loaded = LinearRanker.load(path)
    assert np.allclose(loaded.weights, first.weights)
    assert ranker_identity(loaded) == ranker_identity(first) != ranker_identity(ranker([0.3, 0.6]))
    assert ranker_identity(None) == ""


def test_a_ranker_for_other_features_is_refused_with_the_command_to_run(tmp_path: Path) -> None:
    path = tmp_path / "ranker.json"
    data = ranker([1.0]).to_json() | {"features": ["bm25"]}
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValueError, match=r"train/ranker\.py"):
        LinearRanker.load(path)
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match="Cannot read the ranker"):
        LinearRanker.load(path)


def test_the_shipped_ranker_loads_and_is_off_unless_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    assert LinearRanker.load(shipped_ranker_path()).names == FEATURES
    monkeypatch.delenv("QA_RANKER", raising=False)
    assert default_ranker() is None
    monkeypatch.setenv("QA_RANKER", str(shipped_ranker_path()))
    assert default_ranker() is not None
    monkeypatch.setenv("QA_RANKER", "off")
    assert default_ranker() is None


def test_phrase_and_proximity_features_read_the_passage() -> None:
    assert _longest_piece("协商民主怎么做", "发展协商民主体系") == 4
    assert _longest_piece("天气", "协商民主") == 0
    assert _proximity(["协商", "民主"], "推进协商民主") == 1.0
    assert _proximity(["协商", "团结"], "协商" + "。" * 16 + "团结") == pytest.approx(4 / 20)
    assert _proximity(["天气"], "协商民主") == 0.0
