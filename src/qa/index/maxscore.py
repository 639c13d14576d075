"""The BM25 top k without scoring every passage: MaxScore (Turtle & Flood 1995).

A question's terms are ordered by the most any passage can get from them (their largest
weight times how often the question asks them). The passages holding the first few are the
candidates, each scored exactly: the float32 sum of its weights in the question's token
order, the bits ``LexicalIndex.scores`` gives. When the k-th best candidate scores more
than all the other terms together can give, no other passage reaches the top k; until then
the next term's passages join the candidates. Common words have long postings and small
weights, so most of a question's postings are only looked up for the candidates, never
added into an array of every passage (at 1M passages the median question has 3.7M
postings: docs/scale.md).

Same answers by construction: ``top(k)`` is ``top_rows`` of the full array (ties in row
order, padded with unscored passages in row order when fewer than ``k`` score), and
``at(rows)`` is that array at ``rows``; tests compare both with the full array.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

# token -> (passages ascending, their float32 BM25 weights): a column of ``LexicalIndex``
Postings = dict[str, tuple[np.ndarray, np.ndarray]]

# Fewer passages: one array of every score is faster (bench/maxscore.py, p50: 1.0 ms against
# 1.8 at 26.7k passages; 89 against 27 ms at 1.34M on the database, the postings read included).
_PRUNE_FROM = 100_000
# Float32 sums of a question's weights round; a bound this much looser stays an upper bound.
_ROUNDING = 1e-5
# Rows are looked up by binary search in postings this many times longer, else the postings are
# scanned: one search into 1M postings cost about what adding 9 postings does (NumPy 2.4 here:
# 50k searches 2.7 ms, 1M postings added 5.8 ms; measured once, a tuning constant).
_SEARCH_COST = 9


class LexicalScores(Protocol):
    """A question's BM25 over the passages: the top rows and the scores of any rows."""

    def top(self, k: int) -> np.ndarray:
        """The rows of the ``k`` best scores, best first, ties in row order (``top_rows``)."""
        ...

    def at(self, rows: np.ndarray) -> np.ndarray:
        """The scores of ``rows`` (float32; -1 outside the filter)."""
        ...

    def full(self) -> np.ndarray:
        """Every passage's score (float32; -1 outside the filter)."""
        ...


def top_rows(scores: np.ndarray, k: int) -> np.ndarray:
    """The rows of the ``k`` best scores, best first, ties in row order.

    The same as ``np.argsort(-scores, kind="stable")[:k]`` without sorting every passage
    (7 ms per question at 100k): one partition finds the k-th best score.
    """
    if len(scores) <= k:
        return np.argsort(-scores, kind="stable")
    kth = np.partition(scores, len(scores) - k)[len(scores) - k]
    above = np.flatnonzero(scores > kth)
    rows = np.concatenate([above, np.flatnonzero(scores == kth)[: k - len(above)]])
    return rows[np.argsort(-scores[rows], kind="stable")]


class ScoreArray:
    """``LexicalScores`` over an array of every passage's score."""

    def __init__(self, scores: np.ndarray) -> None:
        self.scores = scores

    def top(self, k: int) -> np.ndarray:
        return top_rows(self.scores, k)

    def at(self, rows: np.ndarray) -> np.ndarray:
        return self.scores[rows]

    def full(self) -> np.ndarray:
        return self.scores


class PrunedScores:
    """``LexicalScores`` from a question's ``tokens`` (in order, repeats counting), their
    ``postings`` and ``allowed`` (bool, one per passage: the filter)."""

    def __init__(self, tokens: list[str], postings: Postings, allowed: np.ndarray) -> None:
        self.tokens = [token for token in tokens if token in postings]
        self.postings = postings
        self.allowed = allowed
        self.asked = {token: self.tokens.count(token) for token in self.tokens}

    def at(self, rows: np.ndarray) -> np.ndarray:
        rows = np.asarray(rows, dtype=np.int64)
        out = np.zeros(len(rows), dtype=np.float32)
        slot = None  # row -> its place in ``rows``, for long postings
        for token in self.tokens:  # in the question's order: the same float32 sums as ``full``
            found, weights = self.postings[token]
            if len(found) == 0 or len(rows) == 0:
                continue
            if len(rows) * _SEARCH_COST < len(found):  # few rows: look each up
                out += _looked_up(found, weights, rows)
                continue
            if slot is None:
                slot = np.full(len(self.allowed), -1, dtype=np.int32)
                slot[rows] = np.arange(len(rows), dtype=np.int32)
            places = slot[found]
            held = places >= 0
            out[places[held]] += weights[held]  # rows are distinct: one add each
        return np.where(self.allowed[rows], out, -1.0)

    def full(self) -> np.ndarray:
        return np.where(self.allowed, summed(self.tokens, self.postings, len(self.allowed)), -1.0)

    def top(self, k: int) -> np.ndarray:
        n = len(self.allowed)
        if n < _PRUNE_FROM:
            return top_rows(self.full(), k)
        bound = {
            token: times * float(self.postings[token][1].max(initial=0.0))
            for token, times in self.asked.items()
        }
        terms = sorted(self.asked, key=lambda token: (-bound[token], token))
        # rest[j]: the most the terms from the j-th on can give a passage (rounding allowed for).
        rest = np.concatenate([np.cumsum([bound[t] for t in terms][::-1])[::-1], [0.0]]) * (1 + _ROUNDING)
        taken, postings = 0, 0
        while taken < len(terms) and postings < k:  # the rarest terms: the first candidates
            postings += len(self.postings[terms[taken]][0])
            taken += 1
        held = np.zeros(n, dtype=bool)  # the candidates: passages holding a term taken
        partial = np.zeros(n, dtype=np.float64)  # sums over the terms added so far
        exact = np.full(n, np.nan, dtype=np.float32)  # the scores ``at`` gave, kept for the next bound
        rows = self._take(held, partial, terms[:taken])
        kth = self._kth(rows, partial, exact, k)
        while taken < len(terms) and rest[taken] >= kth:  # a passage without these could still win
            rows = np.concatenate([rows, self._take(held, partial, [terms[taken]])])
            taken += 1
            kth = max(kth, self._kth(rows, partial, exact, k))
        if kth <= 0:  # fewer than k passages (of the filter's) score: every scoring one is in the top k
            return top_rows(self.full(), k)
        for j in range(taken, len(terms)):  # the other terms, for the candidates that can still win
            rows = rows[(partial[rows] + rest[j]) * (1 + _ROUNDING) >= kth]
            found, weights = self.postings[terms[j]]
            times = self.asked[terms[j]]
            if len(rows) * _SEARCH_COST < len(found):
                partial[rows] += _looked_up(found, weights, rows) * times
            else:  # many candidates: adding the whole column is cheaper than looking each up
                partial[found] += weights * times
        rows = rows[partial[rows] * (1 + _ROUNDING) >= kth]
        scores = self._exact(rows, exact)  # as the full array has them
        return rows[np.lexsort((rows, -scores))][:k]

    def _kth(self, rows: np.ndarray, partial: np.ndarray, exact: np.ndarray, k: int) -> float:
        """A lower bound of the k-th best score: the k-th best exact score of the 2k candidates
        with the largest ``partial`` sums (0 when fewer than k of them score)."""
        if len(rows) > 2 * k:
            rows = rows[np.argpartition(-partial[rows], 2 * k)[: 2 * k]]
        return _kth(self._exact(rows, exact), k)

    def _exact(self, rows: np.ndarray, exact: np.ndarray) -> np.ndarray:
        """``at(rows)``, looking up only the rows not in ``exact`` yet (NaN there) and keeping them."""
        new = rows[np.isnan(exact[rows])]
        if len(new):
            exact[new] = self.at(new)
        return exact[rows]

    def _take(self, held: np.ndarray, partial: np.ndarray, terms: list[str]) -> np.ndarray:
        """Add ``terms``' weights into ``partial`` and return the allowed passages holding them
        that were not ``held`` (ascending, int64), marking them held."""
        columns = []
        for term in terms:
            found, weights = self.postings[term]
            partial[found] += weights * self.asked[term]
            columns.append(found)
        # Only the postings' rows are touched, not arrays of every passage (a column is ascending).
        rows = (
            columns[0] if len(columns) == 1 else np.unique(np.concatenate([np.zeros(0, np.int64), *columns]))
        )
        rows = rows[self.allowed[rows] & ~held[rows]].astype(np.int64)
        held[rows] = True
        return rows


def summed(tokens: list[str], postings: Postings, size: int) -> np.ndarray:
    """Every passage's BM25 (float32, shape (size,)): each token's weights added in the
    question's order, repeats counting (``bm25s.BM25.get_scores`` to the bit)."""
    out = np.zeros(size, dtype=np.float32)
    for token in tokens:
        if token in postings:
            found, weights = postings[token]
            out[found] += weights  # a column's rows are distinct
    return out


def _looked_up(found: np.ndarray, weights: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The float32 weights of ``rows`` in a column (``found`` ascending, not empty), 0 where absent."""
    asked = rows.astype(found.dtype, copy=False)  # else searchsorted converts all of ``found``
    place = np.minimum(np.searchsorted(found, asked), len(found) - 1)
    return np.where(found[place] == asked, weights[place], np.float32(0))


def _kth(scores: np.ndarray, k: int) -> float:
    """The k-th best of ``scores`` (0 when fewer than ``k`` score above 0)."""
    if len(scores) < k:
        return 0.0
    return max(float(np.partition(scores, len(scores) - k)[len(scores) - k]), 0.0)
