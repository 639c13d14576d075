"""BM25 from the database's postings: the same tokens, k1, b, IDF and float32 sums as the folder's.

Only the passages' lengths and BM25 length norms are held in the process (16 bytes a passage);
terms, document frequencies and postings are read per question (one query: ``columns``), the
terms and the weighted postings of recurring terms cached.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from qa.cache import LruCache
from qa.errors import IndexCorruptError
from qa.index.bm25 import LexicalIndex, bm25_idf, bm25_length_norms, bm25_weights_normed
from qa.index.database.connection import hint
from qa.index.location import redacted
from qa.index.maxscore import Postings
from qa.index.token_table import TokenTable, spans_of
from qa.text.normalise import match_form
from qa.text.tokens import CJK_RUN, ChineseTokenizer, pair_token

_CACHED_TERMS = 200_000
# 8 bytes a posting: 128M postings, about 35 median questions' worth at 1M passages. At 1.34M
# passages 256 MB held too few of the common words: bench/search_stages.py --stand-in, postings
# read p50 31 -> 16 ms, search() 136 -> 119 ms with 1 GB (docs/scale.md). Filled only as
# questions read postings: a small collection holds less.
_CACHED_POSTINGS_BYTES = 1 << 30
_ABSENT = (-1, 0)  # cached: no passage has the term
_READ_POSTINGS = 1 << 24  # postings read by one query of ``token_table`` (about 128 MB)
_NEAR = 3  # pairs of characters up to this far apart are looked up at once for transposition_fix


class DatabaseLexicalIndex(LexicalIndex):
    """``LexicalIndex`` over ``terms`` (id, term, df) and ``columns`` (term, packed rows and tfs) tables."""

    def __init__(
        self, database: Any, tables: dict[str, Any], lengths: np.ndarray, tokenizer: ChineseTokenizer
    ):
        super().__init__({"num_docs": len(lengths)}, {}, tokenizer)
        self.database = database
        self.tables = tables
        self.lengths = lengths.astype(np.int64)
        self.average = self.lengths.mean() if len(lengths) else 1.0
        settings = tokenizer.settings
        self.norms = bm25_length_norms(self.lengths, self.average, settings.k1, settings.b)
        self._terms: LruCache[str, tuple[int, int]] = LruCache(_CACHED_TERMS)
        self._weighted: LruCache[str, tuple[np.ndarray, np.ndarray]] = LruCache(
            _CACHED_POSTINGS_BYTES, weigh=lambda value: value[0].nbytes + value[1].nbytes
        )

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
        are the same as from freshly cut tokens. The postings are read in batches of terms
        into two arrays (4 bytes a posting each), never as one list of every row.
        """
        from psycopg import sql

        known = self.database.rows(
            sql.SQL("SELECT id, term, df FROM {} ORDER BY id").format(self.tables["terms"])
        )
        if [number for number, _, _ in known] != list(range(len(known))):
            raise self._corrupt(f"the term ids are not 0..{len(known) - 1}")
        vocab = [term for _, term, _ in known]
        starts = np.concatenate([[0], np.cumsum([df for _, _, df in known])]).astype(np.int64)
        rows = np.empty(int(starts[-1]), dtype=np.int32)
        tfs = np.empty(int(starts[-1]), dtype=np.int32)
        query = sql.SQL("SELECT term, rows, tfs FROM {} WHERE term >= %s AND term < %s").format(
            self.tables["columns"]
        )
        filled = 0
        for first, last in spans_of(starts, _READ_POSTINGS):
            for term, packed_rows, packed_tfs in self.database.rows(query, (first, last), binary=True):
                lo, hi = starts[term], starts[term + 1]
                if len(packed_rows) != 4 * (hi - lo) or len(packed_tfs) != 4 * (hi - lo):
                    raise self._corrupt(f"term {term}'s postings do not match its document frequency")
                rows[lo:hi] = np.frombuffer(packed_rows, dtype=">i4")
                tfs[lo:hi] = np.frombuffer(packed_tfs, dtype=">i4")
                filled += hi - lo
        if filled != len(rows):
            raise self._corrupt("some terms have no postings row")
        return TokenTable.from_postings(vocab, starts, rows, tfs, self.size)

    def _corrupt(self, what: str) -> IndexCorruptError:
        url = self.database.url
        return IndexCorruptError(f"{redacted(url)}: {what}; {hint(url)}.")

    def rows_with(self, token: str) -> np.ndarray:
        from psycopg import sql

        term = self.terms([token])[token]
        if term is None:
            return np.zeros(0, dtype=np.int64)
        query = sql.SQL("SELECT rows FROM {} WHERE term = %s").format(self.tables["columns"])
        found = self.database.rows(query, (term[0],), binary=True)
        return np.frombuffer(found[0][0], dtype=">i4").astype(np.int64) if found else np.zeros(0, np.int64)

    def document_frequency(self, token: str) -> int:
        term = self.terms([token])[token]
        return term[1] if term else 0

    def document_frequencies(self, tokens: Iterable[str]) -> dict[str, int]:
        return {token: term[1] if term else 0 for token, term in self.terms(list(tokens)).items()}

    def idf(self, token: str) -> float:
        frequency = self.document_frequency(token)
        return math.log(1 + (self.size - frequency + 0.5) / (frequency + 0.5))

    def knows(self, token: str) -> bool:
        form = match_form(token)
        return self.terms([form])[form] is not None

    def pair_count(self, pair: str) -> int:
        token = pair_token(pair)
        term = self.terms([token])[token]
        return term[1] if term else 0

    def transposition_fix(self, question: str, rare_share: float = 0.001) -> str | None:
        # Every pair the search may ask for, and the question's words (the gate's document
        # frequencies), looked up in one query instead of one each.
        pairs = [
            pair_token(run[i] + run[j])
            for run in (m.group() for m in CJK_RUN.finditer(match_form(question)))
            for i in range(len(run))
            for j in range(max(i - _NEAR, 0), min(i + _NEAR + 1, len(run)))
            if i != j
        ]
        self.terms(pairs + self.tokenizer.words(question))
        return super().transposition_fix(question, rare_share)

    def postings(self, tokens: list[str]) -> Postings:
        """Each of ``tokens`` some passage has: its passages (int32, ascending) and float32 BM25 weights;
        one query (``columns``) for those not cached.

        Kept per generation up to ``_CACHED_POSTINGS_BYTES``: the common words of a
        collection recur in most questions, and their postings are the bulk of a question's
        (at 1M passages the median question's terms have 3.7M postings, bench/pg_scale.py);
        only the others are read.
        """
        found = {token: self._weighted.get(token) for token in dict.fromkeys(tokens)}
        wanted = [token for token, value in found.items() if value is None]
        for token, (frequency, rows, tf) in (self.columns(wanted) if wanted else {}).items():
            idf = bm25_idf(np.array([frequency]), self.size)[0]
            found[token] = value = (rows, bm25_weights_normed(tf, self.norms[rows], idf))
            self._weighted.put(token, value)
        return {token: value for token, value in found.items() if value is not None}

    def columns(self, tokens: list[str]) -> dict[str, tuple[int, np.ndarray, np.ndarray]]:
        """Document frequency, rows (ascending) and term frequencies of each token some passage has."""
        from psycopg import sql

        query = sql.SQL(
            "SELECT t.term, t.id, t.df, c.rows, c.tfs FROM {} t JOIN {} c ON c.term = t.id "
            "WHERE t.term = ANY(%s)"
        ).format(self.tables["terms"], self.tables["columns"])
        found = {}
        wanted = list(dict.fromkeys(tokens))
        for term, number, frequency, rows, tfs in self.database.rows(query, (wanted,), binary=True):
            self._terms.put(term, (int(number), int(frequency)))
            packed = (np.frombuffer(rows, dtype=">i4").astype(np.int32), np.frombuffer(tfs, dtype=">i4"))
            found[term] = (int(frequency), *packed)
        for token in wanted:
            if token not in found:
                self._terms.put(token, _ABSENT)
        return found
