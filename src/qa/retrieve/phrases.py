"""A quoted phrase's candidates: the passages holding it, bounded when there are many.

A quoted phrase is a requirement: only passages containing every phrase may be answers. A
common phrase is in a large share of a big archive (“懂政协” is in 106k of 1.34M passages in
bench/pg_scale.py's corpus), and reading, checking and ranking every one takes seconds.
So the holders are taken best first: the ``PHRASE_CANDIDATES`` the question's BM25 ranks
highest, and, once the dense search is back, those of its passages that hold the phrase too,
so a passage close in meaning but with few of the question's words is not lost to the bound.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from qa.index.load import LoadedIndex
from qa.index.maxscore import LexicalScores
from qa.retrieve.candidates import Dense
from qa.text.normalise import match_form
from qa.text.tokens import phrase_tokens

# At most this many of the passages holding a quoted phrase, those BM25 ranks best (as many as
# a question's candidates from BM25 and the dense search together, about).
PHRASE_CANDIDATES = 300


@dataclass(frozen=True)
class PhraseHolders:
    """Passages holding every quoted phrase of a question.

    ``rows``: the holders found, ascending (int64); ``likely``: per passage (bool), whether it
    holds every bigram of the phrases, which each holder does; ``complete``: whether ``rows``
    are all the holders (False when the bound cut them).
    """

    rows: np.ndarray
    likely: np.ndarray
    complete: bool


def holding(index: LoadedIndex, rows: Iterable[int], phrases: Sequence[str]) -> list[int]:
    """Those of ``rows`` whose text contains every phrase (in match form), in the given order."""
    rows = [int(row) for row in rows]
    texts = (match_form(passage.text) for passage in index.passages.fetch(rows))
    return [row for row, text in zip(rows, texts, strict=True) if all(p in text for p in phrases)]


def phrase_holders(
    index: LoadedIndex, phrases: Sequence[str], in_filter: np.ndarray, best: LexicalScores | None = None
) -> PhraseHolders:
    """The passages (within ``in_filter``, bool per passage) whose text contains every phrase:
    with ``best`` (the question's BM25), the ``PHRASE_CANDIDATES`` it scores best (ties by row);
    without, the first one found (whether there is one).

    The passages holding every bigram of the phrases are checked best first, a batch at a time,
    so a phrase in 100k passages reads a few hundred, not all of them.
    """
    lexical = index.lexical
    likely = in_filter.copy()
    for token in (token for phrase in phrases for token in phrase_tokens(phrase)):
        has = np.zeros(len(likely), dtype=bool)
        has[lexical.rows_with(token)] = True
        likely &= has
    rows = np.flatnonzero(likely)
    wanted = 1 if best is None else PHRASE_CANDIDATES
    if best is not None and len(rows) > wanted:
        rows = rows[np.lexsort((rows, -best.at(rows)))]
    kept: list[int] = []
    checked = 0
    for lo in range(0, len(rows), PHRASE_CANDIDATES):
        batch = rows[lo : lo + PHRASE_CANDIDATES]
        kept += holding(index, batch, phrases)
        checked = lo + len(batch)
        if len(kept) >= wanted:
            break
    complete = checked == len(rows) and len(kept) <= wanted
    return PhraseHolders(np.array(sorted(kept[:wanted]), dtype=np.int64), likely, complete)


def with_dense_holders(
    index: LoadedIndex, holders: PhraseHolders, phrases: Sequence[str], dense: Dense
) -> np.ndarray:
    """``holders.rows`` and those of the dense search's passages (``start_dense``'s result: its
    best passages and the passages of its best sentences) that hold every phrase too,
    ascending (int64)."""
    _, dense_ids, best_sentence = dense
    dense_rows = np.concatenate([dense_ids, np.fromiter(best_sentence, dtype=np.int64)])
    dense_rows = np.unique(dense_rows[dense_rows >= 0])
    unseen = dense_rows[holders.likely[dense_rows] & ~np.isin(dense_rows, holders.rows)]
    if len(unseen) == 0:
        return holders.rows
    found = np.array(holding(index, unseen, phrases), dtype=np.int64)
    return np.union1d(holders.rows, found)
