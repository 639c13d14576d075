"""Connections to the database, one per thread, with failures turned into messages naming the URL."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from qa.errors import IndexNotFoundError, QAError
from qa.index.location import redacted

log = logging.getLogger(__name__)

BUILD_HINT = "run `qa build --store {url}`"
# pgvector's HNSW search explores this many candidates (its maximum, hnsw.ef_search's range is
# 1..1000). Recall@10 against exact search (bench/pg_scale.py --vectors-only): 100k vectors 0.982
# at 400; 1M vectors 0.906 at 400, 0.972 at 800. On the 1.24M-passage database
# (bench/pg_graph.py, bench/pg_scale.py --serve; docs/scale.md) 1000 finds 0.971 / 0.977 of the
# exact top 10 counting near-ties (e5 / stand-in questions; 0.962 / 0.972 at 800) and the search's
# p50 did not grow: the walk runs beside BM25. Small indexes scan exactly and ignore it.
EF_SEARCH = 1000


class StoreUnavailableError(QAError):
    """The database cannot be reached or refused the connection."""


def hint(url: str) -> str:
    """The command that (re)builds the index in ``url``."""
    return BUILD_HINT.format(url=redacted(url))


def split_generation(url: str) -> tuple[str, int | None]:
    """``url`` without a ``#generation=N`` suffix (a build reads its own unfinished generation), and N."""
    base, _, fragment = url.partition("#")
    if fragment.startswith("generation=") and fragment[len("generation=") :].isdigit():
        return base, int(fragment[len("generation=") :])
    return base, None


def connect(url: str, autocommit: bool = True, vectors: bool = True) -> Any:
    """A psycopg connection to ``url``, with pgvector's types unless not ``vectors`` (the extension
    is yet to be created); raises ``StoreUnavailableError``."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    try:
        _ = urlsplit(url).port  # a port that is no number
        conninfo_to_dict(url)
        connection = psycopg.connect(url, autocommit=autocommit, connect_timeout=10)
    except (ValueError, psycopg.ProgrammingError) as exc:  # the URL itself cannot be parsed
        raise StoreUnavailableError(
            f"{redacted(url)} is not a valid PostgreSQL URL ({exc}); "
            "write it as postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE."
        ) from None
    except psycopg.OperationalError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise StoreUnavailableError(
            f"Cannot connect to {redacted(url)} ({reason}); start the database server or correct "
            "--store / QA_STORE / QA_STORE_READ."
        ) from None
    if vectors:
        with_vectors(connection, url)
    return connection


def with_vectors(connection: Any, url: str) -> None:
    """Teach ``connection`` pgvector's types and search setting; raises when the extension is missing."""
    import psycopg

    try:
        from pgvector.psycopg import register_vector

        register_vector(connection)
    except psycopg.ProgrammingError:
        connection.close()
        raise IndexNotFoundError(
            f"No index in {redacted(url)} yet (not even the pgvector extension); {hint(url)}, "
            "which creates it, or ask the administrator to `CREATE EXTENSION vector`."
        ) from None
    connection.execute("SELECT set_config('hnsw.ef_search', %s, false)", (str(EF_SEARCH),))


class Database:
    """One database URL; ``cursor()`` lends each thread its own connection (app servers are threaded)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._local = threading.local()
        self._all: list[Any] = []
        self._lock = threading.Lock()
        self.statements = 0  # run by ``rows`` so far, for benchmarks (bench/pg_scale.py)

    def _connection(self) -> Any:
        connection = getattr(self._local, "connection", None)
        if connection is None or connection.closed:
            connection = connect(self.url)
            self._local.connection = connection
            with self._lock:
                self._all.append(connection)
        return connection

    @contextmanager
    def cursor(self, binary: bool = False) -> Iterator[Any]:
        """A cursor of this thread's connection; a lost connection is reported and replaced next time."""
        import psycopg

        connection = self._connection()
        try:
            with connection.cursor(binary=binary) as cursor:
                yield cursor
        except psycopg.OperationalError as exc:
            connection.close()
            raise StoreUnavailableError(f"Lost the connection to {redacted(self.url)} ({exc}).") from None

    def rows(self, query: Any, params: Any = None, binary: bool = False) -> list[Any]:
        """All rows of ``query`` run with ``params`` (never formatted into the SQL)."""
        self.statements += 1
        with self.cursor(binary) as cursor:
            cursor.execute(query, params)
            return list(cursor.fetchall())

    def close(self) -> None:
        """Close every connection this object opened."""
        with self._lock:
            for connection in self._all:
                connection.close()
            self._all.clear()
