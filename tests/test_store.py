"""Vector stores, the on-disk passage table and the token table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from qa.errors import IndexCorruptError
from qa.index.store import FaissStore, choose_kind
from qa.index.table import PassageTable, write_passages
from qa.index.token_table import TokenTable
from qa.passages.cutting import Passage


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


@pytest.mark.parametrize("kind, exact_limit", [("flat", 50_000), ("hnsw", 50_000), ("hnsw", 0)])
def test_filtered_search_only_returns_allowed_rows_best_first(
    kind: str, exact_limit: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    import qa.index.store

    # 0: the graph walk with a selector
    monkeypatch.setattr(qa.index.store, "EXACT_FILTER_LIMIT", exact_limit)
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


@pytest.mark.parametrize("per_slice", [1, 7, 1 << 25])
def test_a_token_table_from_its_postings_has_each_passages_tokens_in_id_order(per_slice: int) -> None:
    rng = np.random.default_rng(3)
    words = [f"词{i}" for i in range(40)]
    passages = [[words[i] for i in rng.integers(0, 40, rng.integers(0, 30))] for _ in range(60)]
    table = TokenTable.of(passages)
    starts, placed = table.by_term(passages_per_slice=8)
    rows = np.empty(int(starts[-1]), dtype=np.int32)
    counts = np.empty(int(starts[-1]), dtype=np.int32)
    for places, _, row, count in placed:
        rows[places], counts[places] = row, count
    again = TokenTable.from_postings(table.vocab, starts, rows, counts, len(table), per_slice)
    assert len(again) == len(passages) and again.ids.dtype == np.uint32
    for row, tokens in enumerate(passages):
        assert again.tokens(row) == [table.vocab[i] for i in sorted(table.vocab.index(t) for t in tokens)]


class NumpyStore:
    """A ``VectorStore`` that is not FAISS: what a Milvus or Qdrant adapter would stand in for."""

    def __init__(self, vectors: np.ndarray) -> None:
        self._vectors = vectors

    @property
    def size(self) -> int:
        return len(self._vectors)

    @property
    def dim(self) -> int:
        return self._vectors.shape[1]

    def search(self, queries: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[Any, Any]:
        rows = np.arange(self.size) if allowed is None else np.asarray(allowed)
        scores = queries @ self._vectors[rows].T
        order = np.argsort(-scores, axis=1)[:, :k]
        return np.take_along_axis(scores, order, axis=1), rows[order]

    def vectors(self, rows: np.ndarray) -> np.ndarray:
        return self._vectors[np.asarray(rows, dtype=np.int64)]


def test_the_retriever_answers_the_same_through_any_vector_store(retriever, embedder) -> None:
    from conftest import INDEX

    from qa.retrieve.retriever import Retriever

    other = Retriever(INDEX, embedder=embedder)
    for name in ("vectors", "sentences"):
        store = getattr(other.index, name)
        setattr(other.index, name, NumpyStore(store.vectors(np.arange(store.size))))
    assert not isinstance(other.index.vectors, FaissStore)
    source = retriever.index.documents[1].source
    for question, sources in [("政协委员怎样提高履职能力?", None), ("如何加强政协党的建设", [source])]:
        expected = [h.passage_id for h in retriever.search(question, k=5, sources=sources)]
        assert expected, question
        assert [h.passage_id for h in other.search(question, k=5, sources=sources)] == expected


@pytest.mark.parametrize("k1, b", [(0.9, 0.4), (1.5, 0.75)])
def test_bm25_matrix_is_the_one_bm25s_builds(k1: float, b: float) -> None:
    import bm25s

    from qa.index.bm25 import bm25_matrix

    rng = np.random.default_rng(3)
    passages = [[f"t{w}" for w in rng.zipf(1.3, size=rng.integers(0, 60)) if w < 500] for _ in range(300)]
    passages[7] = []  # a passage with no tokens
    table = TokenTable.of(passages)
    reference = bm25s.BM25(k1=k1, b=b, method="lucene")
    ids = [table.ids[table.offsets[i] : table.offsets[i + 1]].tolist() for i in range(len(table))]
    reference.index((ids, {t: i for i, t in enumerate(table.vocab)}), show_progress=False)
    ours = bm25_matrix(table, k1, b, chunk=37)  # chunks that cut the corpus anywhere
    assert ours["num_docs"] == reference.scores["num_docs"] == 300
    for name in ("indptr", "indices", "data"):
        assert ours[name].dtype == reference.scores[name].dtype, name
        assert np.array_equal(ours[name], reference.scores[name]), name


def test_lexical_index_scores_as_bm25s_does(tmp_path: Path) -> None:
    import bm25s

    from qa.index.bm25 import LexicalIndex
    from qa.index.layout import make_tokenizer
    from qa.text.tokens import LexicalSettings, default_user_dictionary

    tokenizer = make_tokenizer(LexicalSettings(), [], default_user_dictionary())
    texts = [
        "政协委员要提高履职能力",
        "加强政协党的建设",
        "履职能力建设要常抓不懈,政协委员要加强学习",
        "文史资料",
    ]
    ours = LexicalIndex.build(texts, tokenizer)
    ours.save(tmp_path)
    loaded = LexicalIndex.load(tmp_path, tokenizer)
    reference = bm25s.BM25(k1=tokenizer.settings.k1, b=tokenizer.settings.b, method="lucene")
    reference.index([tokenizer(t) for t in texts], show_progress=False)
    for question in ["政协委员怎样提高履职能力", "党的建设", "足球"]:
        tokens = [t for t in tokenizer(question) if t in reference.vocab_dict]
        expected = reference.get_scores(tokens) if tokens else np.zeros(len(texts))
        assert np.allclose(ours.scores(question), expected), question
        assert np.allclose(loaded.scores(question), expected), question


def test_the_committed_index_scores_as_bm25s_loading_it_does_to_the_bit() -> None:
    import bm25s

    from qa.index.bm25 import LexicalIndex
    from qa.index.load import load_index
    from qa.retrieve.evaluate import default_questions_path, load_questions

    index_dir = Path(__file__).resolve().parents[1] / "index"
    lexical = load_index(index_dir, None).lexical  # type: ignore[arg-type]
    ours = LexicalIndex.load(index_dir / "bm25", lexical.tokenizer, mmap=True)
    reference = bm25s.BM25.load(str(index_dir / "bm25"), show_progress=False)
    questions = [q.question for q in load_questions(default_questions_path())]
    assert len(questions) > 100
    for question in questions:
        tokens = [t for t in lexical.tokenizer(question) if t in reference.vocab_dict]
        expected = reference.get_scores(tokens) if tokens else np.zeros(ours.size, dtype=np.float32)
        assert np.array_equal(ours.scores(question), expected), question


def test_a_saved_lexical_index_is_one_bm25s_can_load(tmp_path: Path) -> None:
    import bm25s

    from qa.index.bm25 import LexicalIndex
    from qa.index.layout import make_tokenizer
    from qa.text.tokens import LexicalSettings, default_user_dictionary

    tokenizer = make_tokenizer(LexicalSettings(), [], default_user_dictionary())
    texts = ["政协委员要提高履职能力", "加强政协党的建设", "文史资料工作", "履职能力建设要常抓不懈"]
    LexicalIndex.build(texts, tokenizer).save(tmp_path)
    reference = bm25s.BM25.load(str(tmp_path), show_progress=False)
    ours = LexicalIndex.load(tmp_path, tokenizer)
    assert reference.scores["num_docs"] == ours.size == 4
    tokens = [t for t in tokenizer("履职能力建设") if t in reference.vocab_dict]
    assert np.array_equal(ours.scores("履职能力建设"), reference.get_scores(tokens))
