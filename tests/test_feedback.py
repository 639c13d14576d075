"""Pseudo-relevance feedback (``qa.retrieve.feedback``) and the learned ranker inside a retriever,
on a tiny index with the fake embedder."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from qa.build.builder import build_index
from qa.retrieve.feedback import Feedback
from qa.retrieve.ranker import FEATURES, LinearRanker
from qa.retrieve.retriever import Retriever


def _retriever(tiny_seeds: Path, tmp_path: Path, fake_embedder: object) -> Retriever:
    build_index(tiny_seeds, tmp_path / "index", fake_embedder)  # type: ignore[arg-type]
    return Retriever(tmp_path / "index", embedder=fake_embedder)  # type: ignore[arg-type]


def test_rm3_adds_the_best_passages_words_to_bm25_and_rocchio_moves_the_question(
    tiny_seeds: Path, tmp_path: Path, fake_embedder: object
) -> None:
    retriever = _retriever(tiny_seeds, tmp_path, fake_embedder)
    index = retriever.index
    lexical = np.asarray(index.lexical.scores("提案质量"), dtype=np.float64)
    q = np.asarray(fake_embedder.encode_queries(["提案质量"]))  # type: ignore[attr-defined]
    ranked = np.argsort(-lexical, kind="stable")
    allowed = np.ones(len(lexical), dtype=bool)
    moved_q, expanded = Feedback(passages=1, dense_weight=0.5, terms=5).expand(
        index, q, lexical, ranked, allowed
    )
    assert expanded[ranked[0]] > lexical[ranked[0]]  # the best passage's own words lift it
    assert np.all(expanded >= lexical)
    assert np.isclose(np.linalg.norm(moved_q[0]), 1.0) and not np.allclose(moved_q, q)
    same_q, same = Feedback(dense_weight=0.0, lexical_weight=0.0).expand(index, q, lexical, ranked, allowed)
    assert np.array_equal(same, lexical) and np.array_equal(same_q, q)


def test_a_retriever_with_feedback_or_a_ranker_still_ranks_every_candidate(
    tiny_seeds: Path, tmp_path: Path, fake_embedder: object
) -> None:
    retriever = _retriever(tiny_seeds, tmp_path, fake_embedder)
    plain = retriever.rank("提高提案质量")
    retriever.feedback = Feedback()
    assert set(retriever.rank("提高提案质量").ids) >= set(plain.ids[:1])
    retriever.feedback = None
    n = len(FEATURES)
    best = int(plain.ids[np.argmax(plain.fused)])
    assert "提高提案质量" in retriever.passages[best].text
    avoid_phrase = np.zeros(n)
    avoid_phrase[FEATURES.index("phrase")] = -1.0  # a ranker that prefers passages without the words
    retriever.ranker = LinearRanker(avoid_phrase, np.zeros(n), np.ones(n))
    ranked = retriever.rank("提高提案质量")
    best = int(ranked.ids[np.argmax(ranked.fused)])
    assert "提高提案质量" not in retriever.passages[best].text
    assert sorted(ranked.ids) == sorted(plain.ids)
