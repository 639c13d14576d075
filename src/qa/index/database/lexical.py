"""BM25 from the database's postings: the same tokens, k1, b, IDF and float32 sums as the folder's.

Only the passages' lengths are held in the process (4 bytes a passage); terms, document
frequencies and postings are read per question, the terms cached.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from qa.cache import LruCache
from qa.index.bm25 import LexicalIndex, TokenTable, bm25_idf, bm25_weights
from qa.text.normalise import match_form
from qa.text.tokens import CJK_RUN, ChineseTokenizer, pair_token

_CACHED_TERMS = 200_000
_ABSENT = (-1, 0)  # cached: no passage has the term
_NEAR = 3  # pairs of characters up to this far apart are looked up at once for transposition_fix


class DatabaseLexicalIndex(LexicalIndex):
    """``LexicalIndex`` over ``terms`` (id, term, df) and ``postings`` (term, row, tf) tables."""

    def __init__(
        self, database: Any, tables: dict[str, Any], lengths: np.ndarray, tokenizer: ChineseTokenizer
    ):
        super().__init__({"num_docs": len(lengths)}, {}, tokenizer)
        self.database = database
        self.tables = tables
        self.lengths = lengths.astype(np.int64)
        self.average = self.lengths.mean() if len(lengths) else 1.0
        self._terms: LruCache[str, tuple[int, int]] = LruCache(_CACHED_TERMS)

    def terms(self, tokens: list[str]) -> dict[str, tuple[int, int] | None]:
        """(id, document frequency) of each token, None for a token no passage has; one query for all new."""
        from psycopg import sql

        cached = {token: self._terms.get(token) for token in dict.fromkeys(tokens)}
        missing = [token for token, value in cached.items() if value is None]
        if missing:
            query = sql.SQL("SELECT term, id, df FROM {} WHERE term = ANY(%s)").format(self.tables["terms"])
            known = {term: (int(i), int(df)) for term, i, df in self.database.rows(query, (missing,))}
            for token in missing:
                cached[token] = known.get(token, _ABSENT)
                self._terms.put(token, known.get(token, _ABSENT))
        return {token: None if value == _ABSENT else value for token, value in cached.items()}

    def token_table(self) -> TokenTable:
        """Every passage's tokens for the next build to reuse: each term repeated its frequency times.

        The order within a passage is lost; BM25 counts tokens, so the next build's postings
        are the same as from freshly cut tokens.
        """
        from psycopg import sql

        vocab = [
            term
            for (term,) in self.database.rows(
                sql.SQL("SELECT term FROM {} ORDER BY id").format(self.tables["terms"])
            )
        ]
        query = sql.SQL("SELECT row, term, tf FROM {} ORDER BY row, term").format(self.tables["postings"])
        found = np.array(self.database.rows(query, binary=True), dtype=np.int64).reshape(-1, 3)
        ids = np.repeat(found[:, 1], found[:, 2]).astype(np.uint32)
        per_row = np.bincount(found[:, 0], weights=found[:, 2], minlength=self.size).astype(np.int64)
        return TokenTable(vocab, ids, np.concatenate([[0], np.cumsum(per_row)]).astype(np.int64))

    def rows_with(self, token: str) -> np.ndarray:
        from psycopg import sql

        term = self.terms([token])[token]
        if term is None:
            return np.zeros(0, dtype=np.int64)
        query = sql.SQL("SELECT row FROM {} WHERE term = %s ORDER BY row").format(self.tables["postings"])
        return np.array([row for (row,) in self.database.rows(query, (term[0],))], dtype=np.int64)

    def idf(self, token: str) -> float:
        term = self.terms([token])[token]
        frequency = term[1] if term else 0
        return math.log(1 + (self.size - frequency + 0.5) / (frequency + 0.5))

    def knows(self, token: str) -> bool:
        form = match_form(token)
        return self.terms([form])[form] is not None

    def pair_count(self, pair: str) -> int:
        token = pair_token(pair)
        term = self.terms([token])[token]
        return term[1] if term else 0

    def transposition_fix(self, question: str, rare_share: float = 0.001) -> str | None:
        # Every pair the search may ask for, looked up in one query instead of one each.
        pairs = [
            pair_token(run[i] + run[j])
            for run in (m.group() for m in CJK_RUN.finditer(match_form(question)))
            for i in range(len(run))
            for j in range(max(i - _NEAR, 0), min(i + _NEAR + 1, len(run)))
            if i != j
        ]
        self.terms(pairs)
        return super().transposition_fix(question, rare_share)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every passage for ``query``: ``LexicalIndex.scores`` to the bit."""
        from psycopg import sql

        out = np.zeros(self.size, dtype=np.float32)
        tokens = self.tokenizer(query)
        terms = self.terms(tokens)
        ids = sorted({term[0] for term in terms.values() if term is not None})
        if not ids:
            return out
        query_sql = sql.SQL("SELECT term, row, tf FROM {} WHERE term = ANY(%s) ORDER BY term, row").format(
            self.tables["postings"]
        )
        found = np.array(self.database.rows(query_sql, (ids,), binary=True), dtype=np.int64).reshape(-1, 3)
        bounds = np.searchsorted(found[:, 0], [*ids, ids[-1] + 1])
        column = {term: (bounds[i], bounds[i + 1]) for i, term in enumerate(ids)}
        for token in tokens:
            term = terms[token]
            if term is None:
                continue
            lo, hi = column[term[0]]
            rows, tf = found[lo:hi, 1], found[lo:hi, 2]
            idf = bm25_idf(np.array([term[1]]), self.size)[0]
            settings = self.tokenizer.settings
            out[rows] += bm25_weights(tf, self.lengths[rows], self.average, idf, settings.k1, settings.b)
        return out
