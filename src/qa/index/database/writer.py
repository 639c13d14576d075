"""Write one build into the database as a new generation, then switch readers to it at once.

``DatabaseWriter`` holds the build lock from the start of a build to its end; a build that
dies leaves its unfinished generation (state ``building``) behind, which the next build
drops, while ``qa.active`` still names the generation that was serving.
"""

from __future__ import annotations

import json
import logging
import struct
from collections.abc import Sequence
from types import TracebackType
from typing import Any

import numpy as np

from qa.index.database.catalog import TABLES, create_catalog, lock_builds, schema_name, table
from qa.index.database.connection import connect, with_vectors
from qa.index.location import redacted
from qa.index.token_table import TokenTable
from qa.passages.cutting import Passage

log = logging.getLogger(__name__)

# pgvector HNSW graph: links per node and candidates while building. With EF_SEARCH these reach
# recall@10 >= 0.97 against exact search, counting near-ties, up to 1.24M vectors (docs/scale.md).
# The graph holds 16-bit casts of the vectors (halfvec): half the memory of float32 at the same
# recall, its candidates re-ranked by the table's float32 vectors (docs/scale.md, "halfvec").
HNSW_M = 16
HNSW_EF_CONSTRUCTION = 100
_ROWS_PER_COPY = 50_000
_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack("!ii", 0, 0)
_COPY_TRAILER = struct.pack("!h", -1)

_TABLES = """
CREATE TABLE {passages} (row int NOT NULL, doc int NOT NULL, length int NOT NULL, passage text NOT NULL);
CREATE TABLE {vectors} (row int NOT NULL, embedding vector({dim}) NOT NULL);
CREATE TABLE {sentences} (row int NOT NULL, owner int NOT NULL, embedding vector({dim}) NOT NULL);
CREATE TABLE {terms} (id int NOT NULL, term text NOT NULL, df int NOT NULL);
CREATE TABLE {columns} (term int NOT NULL, rows bytea NOT NULL, tfs bytea NOT NULL);
ALTER TABLE {columns} ALTER rows SET STORAGE EXTERNAL, ALTER tfs SET STORAGE EXTERNAL;
CREATE TABLE {arrays} (passage_docs bytea NOT NULL, lengths bytea NOT NULL, sentence_owner bytea NOT NULL);
ALTER TABLE {arrays} ALTER passage_docs SET STORAGE EXTERNAL, ALTER lengths SET STORAGE EXTERNAL,
    ALTER sentence_owner SET STORAGE EXTERNAL;
"""
# Packed as big-endian int32 arrays, uncompressed (STORAGE EXTERNAL: reading one is a copy):
# ``columns``, each term's postings (rows ascending, their term frequencies), so that BM25 reads a
# question's terms in one query of a few rows instead of every posting as a row; ``arrays``, in one
# row, what a reader holds for the whole generation, so that opening an index reads a few MB
# instead of scanning the passages and the sentence vectors. Both are packed here, in NumPy: at 1M
# passages there are hundreds of millions of postings, which PostgreSQL would sort twice.
_KEYS = """
ALTER TABLE {passages} ADD PRIMARY KEY (row);
ALTER TABLE {vectors} ADD PRIMARY KEY (row);
ALTER TABLE {sentences} ADD PRIMARY KEY (row);
ALTER TABLE {terms} ADD PRIMARY KEY (id);
CREATE UNIQUE INDEX ON {terms} (term);
ALTER TABLE {columns} ADD PRIMARY KEY (term);
"""


def binary_rows(columns: Sequence[np.ndarray]) -> bytes:
    """Rows for ``COPY ... (FORMAT BINARY)`` without a per-row Python loop.

    Each column is int32 (1-d) or float32 vectors (2-d, pgvector's binary ``vector``: int16
    dim, int16 0, the floats); all big-endian, each field after its byte length.
    """
    fields: list[tuple[Any, ...]] = [("count", ">i2")]
    for i, column in enumerate(columns):
        if column.ndim == 1:
            fields += [(f"size{i}", ">i4"), (f"value{i}", ">i4")]
        else:
            fields += [(f"size{i}", ">i4"), (f"dim{i}", ">i2"), (f"zero{i}", ">i2")]
            fields += [(f"value{i}", ">f4", (column.shape[1],))]
    rows = np.zeros(len(columns[0]), dtype=np.dtype(fields))
    rows["count"] = len(columns)
    for i, column in enumerate(columns):
        if column.ndim == 1:
            rows[f"size{i}"], rows[f"value{i}"] = 4, column
        else:
            rows[f"size{i}"], rows[f"dim{i}"] = 4 + 4 * column.shape[1], column.shape[1]
            rows[f"value{i}"] = column
    return rows.tobytes()


def packed_postings(
    tokens: TokenTable, passages_per_slice: int = 4096
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every term's postings, grouped by term id: (starts, rows, tfs).

    Term ``t`` has the passages ``rows[starts[t]:starts[t + 1]]`` (ascending) with the term
    frequencies ``tfs[...]`` at the same places; both big-endian int32, ``starts`` int64 with
    one more entry than the vocabulary. Its document frequency is ``starts[t + 1] - starts[t]``.
    """
    starts, placed = tokens.by_term(passages_per_slice)
    rows = np.empty(int(starts[-1]), dtype=">i4")
    tfs = np.empty(int(starts[-1]), dtype=">i4")
    for places, _, row, count in placed:
        rows[places], tfs[places] = row, count
    return starts, rows, tfs


def hnsw_build_memory(rows: int, dim: int) -> str:
    """``maintenance_work_mem`` for pgvector's HNSW build of ``rows`` vectors: the graph in memory.

    pgvector builds much slower once the graph outgrows it ("hnsw graph no longer fits into
    maintenance_work_mem"); about the vector plus 1 KB of links and overhead per row (m 16),
    measured on 1M vectors of 384 dimensions in bench/pg_scale.py (4 GB was enough). At least
    1 GB, at most 16 GB.
    """
    wanted = rows * (4 * dim + 1024)
    return f"{min(max(wanted >> 20, 1024), 16 * 1024)}MB"


def _packed_row(term: int, rows: bytes, tfs: bytes) -> bytes:
    """One ``columns`` row for binary COPY: 3 fields, the term id (int4), two bytea."""
    return struct.pack("!hiii", 3, 4, term, len(rows)) + rows + struct.pack("!i", len(tfs)) + tfs


class DatabaseWriter:
    """A build's hold on one database: the lock, the new generation's tables, the switch."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.connection: Any = None

    def __enter__(self) -> DatabaseWriter:
        self.connection = connect(self.url, vectors=False)
        try:
            create_catalog(self.connection, self.url)
            with_vectors(self.connection, self.url)
            lock_builds(self.connection, self.url)  # held until this session ends
            self.prune()
        except BaseException:
            self.connection.close()
            raise
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.connection.close()  # also releases the advisory lock

    def prune(self) -> None:
        """Drop every generation but the active one and the one before it (a lagging replica's)."""
        sql = self.connection.execute
        active = sql("SELECT generation FROM qa.active").fetchall()
        keep: set[int] = set()
        if active:
            keep.add(int(active[0][0]))
            before = sql(
                "SELECT max(id) FROM qa.generations WHERE state = 'ready' AND id < %s", (active[0][0],)
            ).fetchone()
            if before and before[0] is not None:
                keep.add(int(before[0]))
        found = sql("SELECT nspname FROM pg_namespace WHERE nspname ~ '^qa_g[0-9]+$'").fetchall()
        from psycopg import sql as q

        for (name,) in found:
            if int(name[4:]) not in keep:
                log.info("Dropping %s in %s, an old or unfinished generation", name, redacted(self.url))
                sql(q.SQL("DROP SCHEMA {} CASCADE").format(q.Identifier(name)))
        sql("DELETE FROM qa.generations WHERE NOT (id = ANY(%s))", (sorted(keep),))

    def write(
        self,
        passages: Sequence[Passage],
        passage_docs: np.ndarray,
        vectors: np.ndarray,
        sentence_vectors: np.ndarray,
        owners: np.ndarray,
        tokens: TokenTable,
        graph: tuple[bool, bool],
    ) -> int:
        """Store one build as a new, not yet active generation; returns its number.

        ``graph``: whether the passage and the sentence vectors get an HNSW index (else
        search is exact, as the folder's flat FAISS index).
        """
        from psycopg import sql as q

        sql = self.connection.execute
        generation = int(
            sql("INSERT INTO qa.generations (state) VALUES ('building') RETURNING id").fetchone()[0]
        )
        names = {name: table(generation, name) for name in TABLES}
        sql(q.SQL("CREATE SCHEMA {}").format(q.Identifier(schema_name(generation))))
        dim = q.Literal(int(vectors.shape[1]))
        sql(q.SQL(_TABLES).format(dim=dim, **names))
        lengths = np.diff(tokens.offsets).astype(np.int32)
        with self.connection.cursor() as cursor:
            copy_sql = q.SQL("COPY {} (row, doc, length, passage) FROM STDIN").format(names["passages"])
            with cursor.copy(copy_sql) as copy:
                for row, passage in enumerate(passages):
                    text = json.dumps(passage.to_json(), ensure_ascii=False)
                    copy.write_row((row, int(passage_docs[row]), int(lengths[row]), text))
        rows = np.arange(len(vectors), dtype=np.int32)
        self._copy(names["vectors"], "row, embedding", [rows, vectors])
        self._copy(
            names["sentences"],
            "row, owner, embedding",
            [np.arange(len(owners), dtype=np.int32), owners, sentence_vectors],
        )
        starts, posting_rows, posting_tfs = packed_postings(tokens)
        with self.connection.cursor() as cursor:
            with cursor.copy(
                q.SQL("COPY {} (term, rows, tfs) FROM STDIN (FORMAT BINARY)").format(names["columns"])
            ) as copy:
                copy.write(_COPY_HEADER)
                for number in range(len(tokens.vocab)):
                    lo, hi = starts[number], starts[number + 1]
                    copy.write(
                        _packed_row(number, posting_rows[lo:hi].tobytes(), posting_tfs[lo:hi].tobytes())
                    )
                copy.write(_COPY_TRAILER)
            with cursor.copy(q.SQL("COPY {} (id, term, df) FROM STDIN").format(names["terms"])) as copy:
                for number, (term, frequency) in enumerate(
                    zip(tokens.vocab, np.diff(starts).tolist(), strict=True)
                ):
                    copy.write_row((number, term, frequency))
        del posting_rows, posting_tfs
        sql(
            q.SQL("INSERT INTO {} (passage_docs, lengths, sentence_owner) VALUES (%s, %s, %s)").format(
                names["arrays"]
            ),
            tuple(column.astype(">i4").tobytes() for column in (passage_docs, lengths, owners)),
        )
        sql(q.SQL(_KEYS).format(**names))
        sql(
            "SELECT set_config('maintenance_work_mem', %s, false)",
            (hnsw_build_memory(len(vectors), vectors.shape[1]),),
        )
        for wanted, name in zip(graph, ("vectors", "sentences"), strict=True):
            if wanted:
                sql(
                    q.SQL(
                        "CREATE INDEX ON {} USING hnsw ((embedding::halfvec({})) halfvec_cosine_ops) "
                        "WITH (m = {}, ef_construction = {})"
                    ).format(names[name], dim, q.Literal(HNSW_M), q.Literal(HNSW_EF_CONSTRUCTION))
                )
        for name in names.values():
            sql(q.SQL("ANALYZE {}").format(name))
        return generation

    def _copy(self, name: Any, columns: str, data: list[np.ndarray]) -> None:
        from psycopg import sql as q

        copy_sql = q.SQL("COPY {} (" + columns + ") FROM STDIN (FORMAT BINARY)").format(name)
        with self.connection.cursor() as cursor, cursor.copy(copy_sql) as copy:
            copy.write(_COPY_HEADER)
            for lo in range(0, len(data[0]), _ROWS_PER_COPY):
                copy.write(binary_rows([column[lo : lo + _ROWS_PER_COPY] for column in data]))
            copy.write(_COPY_TRAILER)

    def record(self, generation: int, manifest: dict[str, Any]) -> None:
        """Store ``generation``'s manifest (it is not serving yet)."""
        text = json.dumps(manifest, ensure_ascii=False)
        self.connection.execute("UPDATE qa.generations SET manifest = %s WHERE id = %s", (text, generation))

    def activate(self, generation: int, manifest: dict[str, Any]) -> None:
        """Make ``generation`` the one readers use, with its final manifest, in one transaction."""
        text = json.dumps(manifest, ensure_ascii=False)
        with self.connection.transaction():
            self.connection.execute(
                "UPDATE qa.generations SET state = 'ready', manifest = %s WHERE id = %s", (text, generation)
            )
            self.connection.execute(
                "INSERT INTO qa.active (only_row, generation) VALUES (true, %s) "
                "ON CONFLICT (only_row) DO UPDATE SET generation = EXCLUDED.generation",
                (generation,),
            )
        self.prune()
