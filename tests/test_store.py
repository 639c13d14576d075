"""Vector stores, the on-disk passage table and the token table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qa.errors import IndexCorruptError
from qa.lexical import TokenTable
from qa.passages import Passage
from qa.store import FaissStore, choose_kind
from qa.table import PassageTable, write_passages


def _unit(rows: int, dim: int = 32, seed: int = 0) -> np.ndarray:
    vectors = np.random.default_rng(seed).normal(size=(rows, dim)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_kind_is_exact_up_to_the_threshold() -> None:
    assert choose_kind(100, threshold=100) == "flat"
    assert choose_kind(101, threshold=100) == "hnsw"


@pytest.mark.parametrize("kind", ["flat", "hnsw"])
def test_store_returns_the_exact_neighbours_and_vectors(kind: str, tmp_path: Path) -> None:
    vectors = _unit(2000)
    store = FaissStore.build(vectors, 32, kind)  # type: ignore[arg-type]
    store.save(tmp_path / "v.faiss")
    store = FaissStore.load(tmp_path / "v.faiss", "rebuild")
    assert store.kind == kind and store.size == 2000 and store.dim == 32
    queries = _unit(20, seed=1)
    exact = np.argsort(-(queries @ vectors.T), axis=1)[:, :10]
    _, ids = store.search(queries, 10)
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(ids, exact, strict=True)])
    assert recall >= 0.98
    np.testing.assert_allclose(store.vectors(np.array([5, 3])), vectors[[5, 3]], atol=1e-6)


@pytest.mark.parametrize("kind", ["flat", "hnsw"])
def test_filtered_search_only_returns_allowed_rows_best_first(kind: str) -> None:
    vectors = _unit(500)
    store = FaissStore.build(vectors, 32, kind)  # type: ignore[arg-type]
    allowed = np.array([7, 70, 300, 499])
    query = _unit(1, seed=3)
    scores, ids = store.search(query, 10, allowed)
    assert sorted(ids[0].tolist()) == sorted(allowed.tolist())
    assert ids[0].tolist() == allowed[np.argsort(-(vectors[allowed] @ query[0]))].tolist()
    assert list(scores[0]) == sorted(scores[0], reverse=True)


def test_empty_store_searches_to_nothing() -> None:
    store = FaissStore.build(np.zeros((0, 8), dtype=np.float32), 8)
    _, ids = store.search(_unit(1, 8), 5)
    assert (ids < 0).all()
    assert store.vectors(np.zeros(0, dtype=np.int64)).shape == (0, 8)


def test_corrupt_store_file_raises_index_corrupt(tmp_path: Path) -> None:
    (tmp_path / "v.faiss").write_bytes(b"not faiss")
    with pytest.raises(IndexCorruptError, match=r"v\.faiss"):
        FaissStore.load(tmp_path / "v.faiss", "rebuild it")


def _passage(i: int) -> Passage:
    return Passage(f"d.txt#{i}.1", "d.txt", "题", None, None, (), i, i, 0, 5, f"第{i}段“文字”\n换行")


def test_passage_table_reads_rows_slices_and_iterates(tmp_path: Path) -> None:
    passages = [_passage(i) for i in range(1, 6)]
    offsets = write_passages(tmp_path / "p.jsonl", passages)
    table = PassageTable(tmp_path / "p.jsonl", offsets, "rebuild")
    assert len(table) == 5
    assert table[0] == passages[0] and table[-1] == passages[-1]
    assert table[1:3] == passages[1:3]
    assert list(table) == passages
    with pytest.raises(IndexError):
        table[5]


def test_passage_table_survives_its_file_being_replaced(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    table = PassageTable(path, write_passages(path, [_passage(1)]), "rebuild")
    path.unlink()  # a rebuild swaps the folder away while a search still holds the old table
    assert table[0].text.startswith("第1段")


def test_passage_table_with_a_damaged_line_raises_index_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    offsets = write_passages(path, [_passage(1), _passage(2)])
    data = bytearray(path.read_bytes())
    data[int(offsets[1])] = ord("x")
    path.write_bytes(bytes(data))
    table = PassageTable(path, offsets, "rebuild it")
    assert table[0].paragraph == 1
    with pytest.raises(IndexCorruptError, match="row 1"):
        table[1]


def test_token_table_assembles_reused_and_fresh_rows_with_a_compact_vocabulary(tmp_path: Path) -> None:
    old = TokenTable.of([["政协", "委员"], ["提案", "政协", "政协"], ["监督"]])
    old.save(tmp_path / "tokens")
    old = TokenTable.load(tmp_path / "tokens")
    table = TokenTable.assemble([(old, 1), ["新词", "政协"], (old, 2)])
    assert [table.tokens(i) for i in range(len(table))] == [
        ["提案", "政协", "政协"],
        ["新词", "政协"],
        ["监督"],
    ]
    assert sorted(table.vocab) == ["提案", "政协", "新词", "监督"], "委员 is used by no passage any more"
