"""A retriever that follows rebuilds of its index folder without a restart.

A build replaces the whole folder with one rename, so a new ``manifest.json`` (another
inode) means a complete new index. ``current()`` notices it with one ``stat`` at most
every ``check_every`` seconds and loads the new index in a background thread; until it
is loaded, and for every request already running, the old retriever keeps serving.
Callers take ``current()`` once per request and use that object throughout, so a request
never mixes two indexes.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path

from qa.errors import QAError
from qa.index import build_id, read_manifest
from qa.search import Retriever

log = logging.getLogger(__name__)


def _manifest_stamp(index_dir: Path) -> tuple[int, int] | None:
    try:
        stat = os.stat(index_dir / "manifest.json")
    except OSError:
        return None  # between the two renames of a swap, or removed: keep serving the old one
    return stat.st_ino, stat.st_mtime_ns


def _build_id(index_dir: Path) -> str | None:
    try:
        return build_id(read_manifest(index_dir))
    except (QAError, OSError, KeyError):
        return None


class LiveRetriever:
    """Hands out the retriever of the newest complete index in one folder."""

    def __init__(self, retriever: Retriever, check_every: float = 2.0) -> None:
        self._retriever = retriever
        self._root = retriever.index.root
        self._stamp = _manifest_stamp(self._root)
        if self._stamp is not None and _build_id(self._root) != retriever.index.build_id:
            self._stamp = None  # rebuilt between loading and now: the first check loads it
        self._check_every = check_every
        self._checked = time.monotonic()
        self._loading = threading.Lock()

    def current(self) -> Retriever:
        """The retriever to use for one whole request."""
        now = time.monotonic()
        if now - self._checked >= self._check_every:
            self._checked = now
            stamp = _manifest_stamp(self._root)
            if stamp is not None and stamp != self._stamp and self._loading.acquire(blocking=False):
                threading.Thread(target=self._load, args=(stamp,), daemon=True, name="index-reload").start()
        return self._retriever

    def reload(self) -> bool:
        """Load a rebuilt index now (blocking); True if the retriever was replaced."""
        stamp = _manifest_stamp(self._root)
        if stamp is None or stamp == self._stamp:
            return False
        with self._loading:
            return stamp != self._stamp and self._swap(stamp)

    def _load(self, stamp: tuple[int, int]) -> None:
        try:
            self._swap(stamp)
        finally:
            self._loading.release()

    def _swap(self, stamp: tuple[int, int]) -> bool:
        old = self._retriever
        try:
            new = Retriever(self._root, embedder=old.embedder, fusion=old.fusion)
        except (QAError, OSError) as exc:  # OSError: caught between a build's two renames
            log.error("Keeping the index already loaded; the rebuilt one cannot be used: %s", exc)
            self._stamp = stamp  # do not retry the same broken build on every request
            return False
        self._retriever, self._stamp = new, stamp  # one reference assignment: atomic for readers
        log.info(
            "Switched to the rebuilt index %s (%d passages)", new.index.build_id, len(new.index.passages)
        )
        return True
