"""Open the active generation (or a given one) of a database as a ``LoadedIndex``.

Passages are read by row on demand (cached), vectors are searched by pgvector, BM25 comes
from the postings (``lexical``). The process holds only what the folder's index also maps
whole: each passage's document and length and each sentence's passage (4 bytes each).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from qa.cache import LruCache
from qa.errors import IndexCorruptError
from qa.index.database.catalog import TABLES, active_generation, schema_name, serving_generation, table
from qa.index.database.connection import Database, hint, split_generation
from qa.index.database.lexical import DatabaseLexicalIndex
from qa.index.location import redacted
from qa.index.table import RowSequence
from qa.passages.cutting import Passage

_CACHED_PASSAGES = 4096
_SCAN = 2000  # passages read per query when all are scanned
_BLOCK = 16  # passages read together when one is asked for
_CACHED_VECTORS = 32_768  # 48 MB of 384-dim float32 vectors, per table
_READ_VECTORS = 65_536  # vectors read by one query (96 MB of 384-dim float32)
# Filters selecting at most this many vectors are searched exactly (as FaissStore does).
EXACT_FILTER_LIMIT = 50_000

_databases: dict[str, Database] = {}


def database(url: str) -> Database:
    """The process's ``Database`` for ``url`` (connections are shared by every index read from it)."""
    return _databases.setdefault(url, Database(url))


def read_database_manifest(location: str) -> tuple[int, dict[str, Any]]:
    """The generation ``location`` serves (or names with ``#generation=N``) and its manifest."""
    url, wanted = split_generation(location)
    return active_generation(database(url).rows, url, wanted)


def database_stamp(location: str) -> tuple[int, int] | None:
    """The serving generation as a stamp that changes with every switch; None when unreachable.
    Asked before every question, so it reads the generation's number only."""
    from qa.errors import QAError

    url, wanted = split_generation(location)
    try:
        return serving_generation(database(url).rows, url, wanted), 0
    except QAError:
        return None


class DatabasePassages(RowSequence):
    """The passages of one generation, read by row and cached."""

    def __init__(self, db: Database, name: Any, count: int) -> None:
        self.db, self.name, self._count = db, name, count
        self._cache: LruCache[int, Passage] = LruCache(_CACHED_PASSAGES)

    def __len__(self) -> int:
        return self._count

    def _row(self, row: int) -> Passage:
        passage = self._cache.get(row)
        if passage is None:  # its neighbours too: a search reads a passage's document and section
            lo = row - row % _BLOCK
            for offset, found in enumerate(self._rows(lo, min(lo + _BLOCK, self._count))):
                self._cache.put(lo + offset, found)
                passage = found if lo + offset == row else passage
        assert passage is not None
        return passage

    def fetch(self, rows: Iterable[int]) -> list[Passage]:
        """The passages of ``rows``, in order: the uncached ones read in one query (a search's
        candidates, its hits, the passages holding a quoted phrase's words)."""
        from psycopg import sql

        rows = [int(row) for row in rows]
        found: dict[int, Passage] = {}
        for row in rows:
            if (passage := self._cache.get(row)) is not None:
                found[row] = passage
        wanted = [row for row in dict.fromkeys(rows) if row not in found]
        if wanted:
            query = sql.SQL("SELECT row, passage FROM {} WHERE row = ANY(%s)").format(self.name)
            for row, text in self.db.rows(query, (wanted,)):
                found[row] = Passage.from_json(json.loads(text))
                self._cache.put(row, found[row])
        missing = [row for row in wanted if row not in found]
        if missing:
            url = redacted(self.db.url)
            raise IndexCorruptError(f"{url}: no passages {missing[:5]}; {hint(self.db.url)}.")
        return [found[row] for row in rows]

    def __iter__(self) -> Iterator[Passage]:
        for lo in range(0, self._count, _SCAN):
            yield from self._rows(lo, min(lo + _SCAN, self._count))

    def _rows(self, lo: int, hi: int) -> list[Passage]:
        from psycopg import sql

        query = sql.SQL("SELECT passage FROM {} WHERE row >= %s AND row < %s ORDER BY row").format(self.name)
        found = [Passage.from_json(json.loads(text)) for (text,) in self.db.rows(query, (lo, hi))]
        if len(found) != hi - lo:
            raise IndexCorruptError(
                f"{redacted(self.db.url)}: passages {lo}..{hi} are missing; {hint(self.db.url)}."
            )
        return found


class DatabaseVectors:
    """A ``VectorStore`` over one vectors table: pgvector's HNSW (cosine) or an exact scan.

    ``halfvec``: the table's graph is over ``embedding::halfvec(dim)``, so the walk orders by
    that cast (a query ordering by ``embedding`` itself would scan every row); the rows it
    returns are scored by their float32 vectors, as the exact scan's.
    """

    def __init__(self, db: Database, name: Any, size: int, dim: int, halfvec: bool = False) -> None:
        self.db, self.name, self._size, self._dim = db, name, size, dim
        self.halfvec = halfvec
        # Vectors of one generation never change: those a search returned or read are kept.
        self._cache: LruCache[int, np.ndarray] = LruCache(_CACHED_VECTORS)

    @property
    def size(self) -> int:
        return self._size

    @property
    def dim(self) -> int:
        return self._dim

    def search(self, queries: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[Any, Any]:
        """Best ``k`` rows by cosine per query, as (scores, ids), ids < 0 padding; ``allowed`` filters."""
        from psycopg import sql

        k = max(min(k, self.size if allowed is None else len(allowed)), 1)
        scores = np.full((len(queries), k), -np.inf, dtype=np.float32)
        ids = np.full((len(queries), k), -1, dtype=np.int64)
        if allowed is None and self.halfvec:
            query = sql.SQL(
                "SELECT row, embedding FROM {} ORDER BY embedding::halfvec({dim}) <=> "
                "%s::vector::halfvec({dim}) LIMIT %s"
            ).format(self.name, dim=sql.Literal(self.dim))
        elif allowed is None:
            query = sql.SQL("SELECT row, embedding FROM {} ORDER BY embedding <=> %s LIMIT %s").format(
                self.name
            )
        else:  # exact among the allowed rows: a graph walk with a filter may miss a small set
            # The allowed rows are whole documents, whose rows are consecutive: one index range
            # scan over neighbouring heap pages per run, not one index probe per row. Only the
            # distances are kept and sorted, the k best's vectors read after: 148,581 allowed of
            # 1.24M rows, 406-467 -> 183-214 ms (bench/constraint_time.py). Materialised, so the
            # planner cannot turn it into a walk of the HNSW graph with a filter.
            query = sql.SQL(
                "WITH chosen AS MATERIALIZED (SELECT v.row, v.embedding <=> %s AS distance "
                "FROM unnest(%s::int[], %s::int[]) AS run(lo, hi), "
                "LATERAL (SELECT row, embedding FROM {vectors} WHERE row BETWEEN run.lo AND run.hi) v), "
                "best AS (SELECT row, distance FROM chosen ORDER BY distance LIMIT %s) "
                "SELECT v.row, v.embedding FROM best JOIN {vectors} v ON v.row = best.row"
            ).format(vectors=self.name)
            firsts, lasts = row_runs(allowed)
        for i, q in enumerate(np.asarray(queries, dtype=np.float32)):
            params = (q, k) if allowed is None else (q, firsts, lasts, k)
            found = self.db.rows(query, params, binary=True)
            if not found:
                continue
            rows = np.array([row for row, _ in found], dtype=np.int64)
            stored = np.stack([_array(v) for _, v in found])
            for row, vector in zip(rows.tolist(), stored, strict=True):
                self._cache.put(row, vector.copy())  # a view would keep all of ``stored`` alive
            cosines = stored @ q
            order = np.argsort(-cosines, kind="stable")
            scores[i, : len(order)], ids[i, : len(order)] = cosines[order], rows[order]
        return scores, ids

    def vectors(self, rows: np.ndarray) -> np.ndarray:
        """The stored vectors of ``rows``, in that order (float32, shape (len(rows), dim)).

        Those not cached are read in queries of ``_READ_VECTORS`` rows straight into one array;
        they are cached only when they fit the cache (a search's few, not a build's every
        vector: at 1.34M rows one array each and their stacking took more memory than the
        machine had beside its server).
        """
        from psycopg import sql

        rows = np.asarray(rows, dtype=np.int64)
        out = np.empty((len(rows), self.dim), dtype=np.float32)
        missing = []  # places in ``rows`` not cached
        for place, row in enumerate(rows.tolist()):
            vector = self._cache.get(row)
            if vector is None:
                missing.append(place)
            else:
                out[place] = vector
        if not missing:
            return out
        wanted = np.unique(rows[missing])
        fetched = np.empty((len(wanted), self.dim), dtype=np.float32)
        read = np.zeros(len(wanted), dtype=bool)
        keep = len(wanted) <= _CACHED_VECTORS
        query = sql.SQL("SELECT row, embedding FROM {} WHERE row = ANY(%s)").format(self.name)
        for lo in range(0, len(wanted), _READ_VECTORS):
            batch = wanted[lo : lo + _READ_VECTORS]
            for row, value in self.db.rows(query, (batch.tolist(),), binary=True):
                place = lo + int(np.searchsorted(batch, row))
                fetched[place], read[place] = _array(value), True
                if keep:
                    self._cache.put(row, fetched[place].copy())  # a view would keep ``fetched`` alive
        if not read.all():
            absent = wanted[~read][:5].tolist()
            raise IndexCorruptError(
                f"{redacted(self.db.url)}: no vectors for rows {absent}; {hint(self.db.url)}."
            )
        if len(missing) == len(rows) and np.array_equal(wanted, rows):  # a build's: every row once, in order
            return fetched
        out[missing] = fetched[np.searchsorted(wanted, rows[missing])]
        return out


def row_runs(rows: np.ndarray) -> tuple[list[int], list[int]]:
    """The first and last row of each run of consecutive values in ``rows`` (any order, repeats
    allowed), ascending: ``[3, 4, 5, 9]`` gives ``([3, 9], [5, 9])``."""
    rows = np.unique(np.asarray(rows, dtype=np.int64))
    if not len(rows):
        return [], []
    breaks = np.flatnonzero(np.diff(rows) != 1)
    firsts = np.concatenate([rows[:1], rows[breaks + 1]])
    lasts = np.concatenate([rows[breaks], rows[-1:]])
    return firsts.tolist(), lasts.tolist()


def open_tables(location: str, manifest: dict[str, Any], generation: int, tokenizer: Any) -> dict[str, Any]:
    """The parts of a ``LoadedIndex`` read from generation ``generation`` of ``location``."""
    from psycopg import sql

    url, _ = split_generation(location)
    db = database(url)
    names = {name: table(generation, name) for name in TABLES}
    query = sql.SQL("SELECT passage_docs, lengths, sentence_owner FROM {}").format(names["arrays"])
    found = db.rows(query, binary=True)
    if len(found) != 1:
        raise IndexCorruptError(f"{redacted(url)}: generation {generation} has no arrays row; {hint(url)}.")
    passage_docs, lengths, sentence_owner = (np.frombuffer(b, dtype=">i4").astype(np.int32) for b in found[0])
    dim = int(manifest["model"]["dim"])
    halved = halfvec_graphs(db, generation)
    return {
        "passages": DatabasePassages(db, names["passages"], len(passage_docs)),
        "passage_docs": passage_docs,
        "vectors": DatabaseVectors(db, names["vectors"], len(passage_docs), dim, "vectors" in halved),
        "sentences": DatabaseVectors(db, names["sentences"], len(sentence_owner), dim, "sentences" in halved),
        "sentence_owner": sentence_owner,
        "lexical": DatabaseLexicalIndex(db, names, lengths, tokenizer),
    }


def halfvec_graphs(db: Database, generation: int) -> set[str]:
    """The tables of ``generation`` whose HNSW graph is over halfvec casts (one catalog query)."""
    found = db.rows(
        "SELECT tablename FROM pg_indexes WHERE schemaname = %s "
        "AND indexdef LIKE '%% USING hnsw %%' AND indexdef LIKE '%%halfvec%%'",
        (schema_name(generation),),
    )
    return {name for (name,) in found}


def _array(value: Any) -> np.ndarray:
    """A pgvector ``Vector`` (or anything array-like) as float32."""
    return np.asarray(value.to_numpy() if hasattr(value, "to_numpy") else value, dtype=np.float32)
