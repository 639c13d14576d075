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
import threading
import time

from qa.errors import QAError
from qa.index.layout import manifest_stamp
from qa.retrieve.retriever import Retriever

log = logging.getLogger(__name__)


class LiveRetriever:
    """Hands out the retriever of the newest complete index in one folder."""

    def __init__(self, retriever: Retriever, check_every: float = 2.0) -> None:
        self._retriever = retriever
        self._root = retriever.index.root
        self._stamp = retriever.index.stamp  # a rebuild since that load differs: the first check loads it
        self._check_every = check_every
        self._checked = time.monotonic()
        self._loading = threading.Lock()

    def current(self) -> Retriever:
        """The retriever to use for one whole request."""
        now = time.monotonic()
        if now - self._checked >= self._check_every:
            self._checked = now
            stamp = manifest_stamp(self._root)
            if stamp is not None and stamp != self._stamp and self._loading.acquire(blocking=False):
                threading.Thread(target=self._load, args=(stamp,), daemon=True, name="index-reload").start()
        return self._retriever

    def reload(self) -> bool:
        """Load a rebuilt index now (blocking); True if the retriever was replaced."""
        stamp = manifest_stamp(self._root)
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
            new = Retriever(
                self._root,
                embedder=old.embedder,
                fusion=old.fusion,
                gate=old.gate,
                ranker=old.ranker,
                feedback=old.feedback,
                reranker=old.reranker,
            )
        except (QAError, OSError) as exc:  # OSError: caught between a build's two renames
            log.error("Keeping the index already loaded; the rebuilt one cannot be used: %s", exc)
            self._stamp = stamp  # do not retry the same broken build on every request
            return False
        self._retriever, self._stamp = new, new.index.stamp  # one assignment: atomic for readers
        log.info(
            "Switched to the rebuilt index %s (%d passages)", new.index.build_id, len(new.index.passages)
        )
        return True
