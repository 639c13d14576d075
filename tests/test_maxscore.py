"""MaxScore's top k and scores are the full BM25 array's, to the bit and in the same order."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qa.index import maxscore
from qa.index.bm25 import LexicalIndex
from qa.index.maxscore import PrunedScores, ScoreArray, top_rows
from qa.text.tokens import default_tokenizer

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def random_collection(rng: np.random.Generator, passages: int, terms: int = 300) -> dict:
    """Postings with Zipf-like document frequencies and weights on a coarse grid (so that ties occur)."""
    postings = {}
    for t in range(terms):
        df = min(passages, int(passages / (1 + t) ** 0.9 * rng.uniform(0.2, 1.0)) + 1)
        rows = np.sort(rng.choice(passages, df, replace=False)).astype(np.int32)
        idf = np.log(1 + (passages - df + 0.5) / (df + 0.5))
        weights = (np.round(rng.uniform(0.2, 1.0, df) * 8) / 8 * idf).astype(np.float32)
        postings[f"t{t}"] = (rows, weights)
    return postings


def full_scores(tokens: list[str], postings: dict, allowed: np.ndarray) -> np.ndarray:
    """The retriever's array before MaxScore: each token's column added in the question's order."""
    out = np.zeros(len(allowed), dtype=np.float32)
    for token in tokens:
        if token in postings:
            rows, weights = postings[token]
            out[rows] += weights
    return np.where(allowed, out, -1.0)


@pytest.mark.parametrize("passages", [40, 20_000])
def test_the_top_k_and_the_scores_of_any_rows_are_the_full_arrays(passages: int, monkeypatch) -> None:
    monkeypatch.setattr(maxscore, "_PRUNE_FROM", 0)  # pruning at every size here
    whole = PrunedScores.full
    scored_all: list[int] = []  # a top k that added every posting after all
    monkeypatch.setattr(PrunedScores, "full", lambda self: scored_all.append(1) or whole(self))
    pruning = 0  # unfiltered tops found without adding every posting
    rng = np.random.default_rng(passages)
    postings = random_collection(rng, passages)
    filters = {
        "none": np.ones(passages, dtype=bool),
        "half": rng.random(passages) < 0.5,
        "few": rng.random(passages) < 0.01,
        "nothing": np.zeros(passages, dtype=bool),
    }
    for question in range(60):
        length = int(rng.integers(0, 25))
        # rare and common terms, some asked twice, some no passage has
        tokens = [f"t{int(t)}" for t in rng.integers(0, 300, length)] + ["unknown"] * (question % 3 == 0)
        for name, allowed in filters.items():
            full = full_scores(tokens, postings, allowed)
            pruned = PrunedScores(tokens, postings, allowed)
            assert np.array_equal(whole(pruned), full)
            for k in (1, 10, 100):
                expected = top_rows(full, k)
                before = len(scored_all)
                assert pruned.top(k).tolist() == expected.tolist(), (tokens, name, k)
                pruning += name == "none" and len(scored_all) == before
            rows = rng.choice(passages, min(passages, 150), replace=False)
            assert np.array_equal(pruned.at(rows), full[rows]), (tokens, name)
            assert pruned.at(rows).dtype == full.dtype
    if passages > 1000:  # the pruning itself was tested, not only its fallback
        assert pruning > 60 * 3 / 2


def test_fewer_scoring_passages_than_k_are_followed_by_the_others_in_row_order(monkeypatch) -> None:
    monkeypatch.setattr(maxscore, "_PRUNE_FROM", 0)
    postings = {"a": (np.array([3, 7], dtype=np.int32), np.array([1.0, 2.0], dtype=np.float32))}
    allowed = np.ones(10, dtype=bool)
    allowed[0] = False
    assert PrunedScores(["a"], postings, allowed).top(6).tolist() == [7, 3, 1, 2, 4, 5]
    assert PrunedScores(["a"], postings, allowed).top(10).tolist() == [7, 3, 1, 2, 4, 5, 6, 8, 9, 0]
    before = ScoreArray(full_scores(["a"], postings, allowed))
    assert before.top(10).tolist() == [7, 3, 1, 2, 4, 5, 6, 8, 9, 0]


def test_on_the_seeds_the_ranked_questions_equal_the_full_scores(monkeypatch) -> None:
    monkeypatch.setattr(maxscore, "_PRUNE_FROM", 0)
    tokenizer = default_tokenizer()
    texts = [
        paragraph
        for path in sorted(SEEDS.glob("*"))
        for paragraph in path.read_text(encoding="utf-8").split("\n")
        if len(paragraph) > 20
    ]
    lexical = LexicalIndex.build(texts, tokenizer)
    allowed = np.ones(lexical.size, dtype=bool)
    allowed[::3] = False
    questions = [text[i : i + 14] for text in texts[::7] for i in (0, 20)] + ["政协委员如何履职", "什么"]
    for question in questions:
        for mask in (np.ones(lexical.size, dtype=bool), allowed):
            full = np.where(mask, lexical.scores(question), -1.0)
            ranked = lexical.ranked(question, mask)
            assert ranked.top(20).tolist() == top_rows(full, 20).tolist(), question
            every = np.arange(lexical.size)
            assert np.array_equal(ranked.at(every), full), question
