"""Caches: a small bounded one that forgets the least recently used entries, where caches
live on disk (``cache_dir``), and a large read-only table on disk read key by key (``DiskTable``)."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class LruCache(Generic[K, V]):
    """At most ``size`` entries; safe to share between the app's request threads.

    With ``weigh``, ``size`` bounds the entries' total weight instead (bytes, say), and an
    entry heavier than ``size`` alone is not kept. A plain object, not
    ``functools.lru_cache`` on a bound method, so it never forms a reference cycle with its
    owner (which would keep, say, a memory-mapped file alive).
    """

    def __init__(self, size: int, weigh: Callable[[V], int] | None = None) -> None:
        self.size = size
        self._weigh = weigh
        self._weights: dict[K, int] = {}
        self.weight = 0  # the entries' total weight (their count without ``weigh``)
        self._entries: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        """The value of ``key``, now the most recently used, or None."""
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> None:
        """Store ``value``, forgetting the least recently used entries when full."""
        weight = self._weigh(value) if self._weigh else 1
        if weight > self.size:
            return
        with self._lock:
            self.weight += weight - self._weights.get(key, 0)
            self._weights[key] = weight
            self._entries[key] = value
            self._entries.move_to_end(key)
            while self.weight > self.size:
                forgotten, _ = self._entries.popitem(last=False)
                self.weight -= self._weights.pop(forgotten)


def cache_dir() -> Path:
    """Where this package keeps what it can rebuild: ``QA_CACHE_DIR``, else ``$XDG_CACHE_HOME/qa``."""
    if env := os.environ.get("QA_CACHE_DIR"):
        return Path(env).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "qa"


class DiskTable:
    """A read-only string-keyed table in one SQLite file: opened in no time, read key by key.

    For a large dictionary a process only needs a few hundred keys of (jieba's prefix
    dictionary, 600,000 entries, for one question): loading it whole costs a cold start
    about a second, looking keys up costs microseconds. Answers are remembered, found or
    not. A process that asks for more than ``load_all_after`` keys is doing bulk work
    (cutting a whole document), so the table is then read whole into memory, once.
    Safe to share between threads. ``write`` creates a table.
    """

    def __init__(self, path: Path, load_all_after: int = 20_000) -> None:
        self.path = path
        self._connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        self._lock = threading.Lock()
        self._found: dict[str, Any] = {}
        self._absent: set[str] = set()
        self._all = False
        self._load_all_after = load_all_after

    @staticmethod
    def write(path: Path, rows: Iterable[tuple[str, Any]], meta: dict[str, Any]) -> None:
        """Write ``rows`` (key, value: int, float or str) and ``meta`` (JSON values) as a table at ``path``.

        Written beside and renamed into place: a reader never sees half a table.
        """
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, scratch = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
        os.close(handle)
        try:
            with contextlib.closing(sqlite3.connect(scratch)) as connection:
                connection.execute("CREATE TABLE entries (key TEXT PRIMARY KEY, value) WITHOUT ROWID")
                connection.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
                connection.executemany("INSERT INTO entries VALUES (?, ?)", rows)
                connection.executemany(
                    "INSERT INTO meta VALUES (?, ?)", [(k, json.dumps(v)) for k, v in meta.items()]
                )
                connection.commit()
            os.replace(scratch, path)
        finally:
            if os.path.exists(scratch):
                os.unlink(scratch)

    def meta(self, key: str) -> Any:
        """A value stored with ``write``'s ``meta``; ``KeyError`` when there is none."""
        with self._lock:
            row = self._connection.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise KeyError(key)
        return json.loads(row[0])

    def get(self, key: str, default: Any = None) -> Any:
        """The value of ``key``, or ``default``."""
        value = self._found.get(key)
        if value is not None or key in self._found:
            return value
        if self._all or key in self._absent:
            return default
        with self._lock:
            row = self._connection.execute("SELECT value FROM entries WHERE key = ?", (key,)).fetchone()
        if row is None:
            self._absent.add(key)
        else:
            self._found[key] = row[0]
        if len(self._found) + len(self._absent) > self._load_all_after:
            self.load_all()
        return default if row is None else row[0]

    def get_many(self, keys: Iterable[str]) -> dict[str, Any]:
        """The entries of those ``keys`` the table has, in as few queries as SQLite allows."""
        out: dict[str, Any] = {}
        unknown = []
        for key in keys:
            if key in self._found:
                out[key] = self._found[key]
            elif not self._all and key not in self._absent:
                unknown.append(key)
        for first in range(0, len(unknown), _BATCH):
            batch = unknown[first : first + _BATCH]
            marks = ",".join("?" * len(batch))
            with self._lock:
                rows = self._connection.execute(
                    f"SELECT key, value FROM entries WHERE key IN ({marks})", batch
                )
                found = dict(rows.fetchall())
            out.update(found)
            self._found.update(found)
            self._absent.update(key for key in batch if key not in found)
        if len(self._found) + len(self._absent) > self._load_all_after:
            self.load_all()
        return out

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key, _ABSENT) is not _ABSENT

    def __getitem__(self, key: str) -> Any:
        value = self.get(key, _ABSENT)
        if value is _ABSENT:
            raise KeyError(key)
        return value

    def load_all(self) -> None:
        """Read every entry into memory (lookups are then plain dictionary reads)."""
        with self._lock:
            if not self._all:
                self._found = dict(self._connection.execute("SELECT key, value FROM entries"))
                self._absent = set()
                self._all = True


_ABSENT = object()
_BATCH = 500  # keys per query (SQLite allows 32,766 parameters; small batches keep each one quick)
