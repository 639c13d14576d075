"""The tables that say which generation serves: ``qa.store`` (schema version), ``qa.generations``
(one row per build, its manifest) and ``qa.active`` (one row: the generation readers use).

A generation's rows live in their own schema ``qa_g<N>``::

    passages   (row, doc, length, passage)   passage = the Passage as JSON; length = BM25 tokens
    vectors    (row, embedding vector(dim))  HNSW (cosine) above the manifest's threshold, over
                                             ``embedding::halfvec(dim)`` (before 3 December over
                                             ``embedding``: the reader asks whichever the table has)
    sentences  (row, owner, embedding)       the passages' sentences, in passage order
    terms      (id, term, df)                BM25 vocabulary and document frequencies
    columns    (term, rows, tfs)             a term's postings packed: int32 passage rows and term frequencies
    arrays     (passage_docs, lengths, sentence_owner)  one row: those per-row numbers packed (int32)

Switching ``qa.active`` is one transaction, so a reader sees a whole generation or the one
before; a build holds an advisory lock for its whole run, released when its session ends,
killed or not.
"""

from __future__ import annotations

import json
from typing import Any

from qa.errors import BuildInProgressError, IndexCorruptError, IndexNotFoundError, StaleIndexError
from qa.index.database.connection import StoreUnavailableError, hint
from qa.index.location import redacted

SCHEMA_VERSION = 3  # 2: the packed ``columns`` and ``arrays``; 3: no ``postings`` table (``columns`` only)
TABLES = ("passages", "vectors", "sentences", "terms", "columns", "arrays")
# pg_advisory_lock key: "qa build" as a number, the same in every process.
BUILD_LOCK = 0x71615F6275696C64

CATALOG = """
CREATE EXTENSION IF NOT EXISTS vector;
CREATE SCHEMA IF NOT EXISTS qa;
CREATE TABLE IF NOT EXISTS qa.store (schema_version int NOT NULL);
CREATE TABLE IF NOT EXISTS qa.generations (
    id bigserial PRIMARY KEY,
    state text NOT NULL CHECK (state IN ('building', 'ready')),
    manifest text,
    created timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS qa.active (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    generation bigint NOT NULL REFERENCES qa.generations (id)
);
"""


def schema_name(generation: int) -> str:
    """The schema of one generation (from its number only, never from user text)."""
    return f"qa_g{int(generation)}"


def table(generation: int, name: str) -> Any:
    """``qa_g<N>.name`` as a quoted SQL identifier."""
    from psycopg import sql

    return sql.Identifier(schema_name(generation), name)


def create_catalog(connection: Any, url: str) -> None:
    """Create the catalog (and the vector extension) if missing; refuse another schema version."""
    import psycopg

    try:
        connection.execute(CATALOG)
    except psycopg.errors.InsufficientPrivilege as exc:
        raise StoreUnavailableError(
            f"{redacted(url)}: not allowed to create the index tables ({exc}); "
            "connect as the database's owner or ask the administrator to `CREATE EXTENSION vector`."
        ) from None
    found = connection.execute("SELECT schema_version FROM qa.store").fetchall()
    if not found:
        connection.execute("INSERT INTO qa.store (schema_version) VALUES (%s)", (SCHEMA_VERSION,))
    elif found[0][0] != SCHEMA_VERSION:
        raise StaleIndexError(_other_version(url, found[0][0]))


def _other_version(url: str, version: object) -> str:
    return (
        f"{redacted(url)} holds index tables of schema version {version}, this code reads "
        f"{SCHEMA_VERSION}; drop the schema qa and the qa_g* schemas, then {hint(url)}."
    )


def lock_builds(connection: Any, url: str) -> None:
    """Take the build lock for this session, or raise ``BuildInProgressError`` at once."""
    row = connection.execute("SELECT pg_try_advisory_lock(%s)", (BUILD_LOCK,)).fetchone()
    if not row[0]:
        raise BuildInProgressError(
            f"Another build is writing {redacted(url)} right now (PostgreSQL advisory lock {BUILD_LOCK}); "
            "wait for it to finish and try again."
        )


def active_generation(rows: Any, url: str, wanted: int | None = None) -> tuple[int, dict[str, Any]]:
    """The generation readers use (or ``wanted``) and its manifest.

    ``rows(query, params)`` runs a query. Raises ``IndexNotFoundError`` when the database
    has no index yet, ``StaleIndexError`` for another schema version.
    """
    generation, text = _generation(rows, url, wanted, with_manifest=True)
    try:
        return generation, json.loads(text or "")
    except json.JSONDecodeError as exc:
        raise IndexCorruptError(
            f"The manifest in {redacted(url)} is not valid JSON ({exc}); {hint(url)}."
        ) from None


def serving_generation(rows: Any, url: str, wanted: int | None = None) -> int:
    """The number of the generation readers use (or ``wanted``), without reading its manifest
    (a record for every document); raises as ``active_generation``."""
    return _generation(rows, url, wanted, with_manifest=False)[0]


def _generation(rows: Any, url: str, wanted: int | None, *, with_manifest: bool) -> tuple[int, str | None]:
    """The serving (or ``wanted``) generation's number, and its manifest if ``with_manifest``."""
    import psycopg

    try:
        version = rows("SELECT schema_version FROM qa.store")
        if version and version[0][0] != SCHEMA_VERSION:
            raise StaleIndexError(_other_version(url, version[0][0]))
        found = rows(
            "SELECT g.id, g.manifest IS NOT NULL, CASE WHEN %s THEN g.manifest END FROM qa.generations g"
            " WHERE g.id = coalesce(%s, (SELECT generation FROM qa.active))",
            (with_manifest, wanted),
        )
    except psycopg.errors.UndefinedTable:
        found = []
    if not found or not found[0][1]:
        raise IndexNotFoundError(f"No index in {redacted(url)} yet; {hint(url)}.")
    return int(found[0][0]), found[0][2]
