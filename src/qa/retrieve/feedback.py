"""Pseudo-relevance feedback: the question moved towards its best passages before a second search.

Dense side, Rocchio (1971): the question vector plus ``dense_weight`` times the mean vector of
the ``passages`` best fused candidates, normalised again. BM25 side, RM3 (Abdul-Jaleel et
al. 2004, as in Anserini): the ``terms`` tokens that weigh most in those passages (their
share of each passage's tokens times their IDF, summed over the passages) are added to the
question, each column's BM25 times ``lexical_weight`` times its share of the expansion weight.
Measured by ``bench/levers.py``; off by default (it did not pay on every set).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from qa.index.load import LoadedIndex


@dataclass(frozen=True)
class Feedback:
    """How far the question moves towards its ``passages`` best candidates on each side (0: not)."""

    passages: int = 3
    dense_weight: float = 0.3
    terms: int = 10
    lexical_weight: float = 0.3

    def expand(
        self, index: LoadedIndex, q: np.ndarray, lexical: np.ndarray, ranked: np.ndarray, allowed: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """The question vector (shape (1, dim)) and every passage's BM25 (shape (passages,)) after
        feedback from the rows ``ranked`` (best first); passages outside ``allowed`` keep -1."""
        best = ranked[: self.passages]
        if not len(best):
            return q, lexical
        if self.dense_weight:
            moved = q[0] + self.dense_weight * index.vectors.vectors(best).mean(axis=0)
            q = (moved / np.linalg.norm(moved)).astype(q.dtype)[None, :]
        if self.lexical_weight and self.terms:
            lexical = np.where(allowed, lexical + self.lexical_weight * self._expansion(index, best), -1.0)
        return q, lexical

    def _expansion(self, index: LoadedIndex, rows: np.ndarray) -> np.ndarray:
        """BM25 of every passage for the expansion terms of ``rows``, weighted (RM3's second query)."""
        lexical = index.lexical
        weights: dict[str, float] = {}
        for row in rows:
            tokens = lexical.tokenizer.words(index.passages[int(row)].text)
            counts = Counter(t for t in tokens if len(t) > 1)
            for token, n in counts.items():
                weights[token] = weights.get(token, 0.0) + n / max(len(tokens), 1) * lexical.idf(token)
        chosen = sorted(weights.items(), key=lambda item: (-item[1], item[0]))[: self.terms]
        total = sum(w for _, w in chosen) or 1.0
        out = np.zeros(lexical.size, dtype=np.float32)
        data, indices, indptr = lexical.matrix["data"], lexical.matrix["indices"], lexical.matrix["indptr"]
        for token, weight in chosen:
            column = lexical.vocab.get(token)
            if column is not None:
                lo, hi = indptr[column], indptr[column + 1]
                out[indices[lo:hi]] += data[lo:hi] * (weight / total)
        return out
