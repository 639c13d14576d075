"""Vector stores: where embeddings live and how their nearest neighbours are found.

``VectorStore`` is the boundary the retriever talks to. ``FaissStore`` implements it in
process: exact search (``IndexFlatIP``) while the collection is small, HNSW above
``HNSW_THRESHOLD`` vectors. A deployment that outgrows one machine would implement the
same four methods over a distributed engine (Milvus, Qdrant): ``search`` is their
top-k query with an id filter, ``vectors`` their "get vectors by id".
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np

from qa.errors import IndexCorruptError

StoreKind = Literal["flat", "hnsw"]

# Measured with bench/vector_store.py on this 2-core machine (384-dim vectors, 100
# candidates per query): exact search costs 0.9 ms at 10k vectors, 7.7 ms at 50k, 15.7 ms
# at 100k and 28 ms at 200k, growing with the collection; HNSW (M 32, efSearch 1024)
# 1.4 / 3.6 / 3.9 / 5.1 ms with recall@10 against exact search 0.999 / 0.996 / 0.990 /
# 0.987, and takes 7.5 s to build at 50k, 17.5 s at 100k. efSearch 512 falls below 0.98
# recall from 100k on. At 50k exact search already costs twice the graph walk and keeps
# growing, so HNSW takes over above that; its build time is paid once per build.
HNSW_THRESHOLD = 50_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 1024
# A document filter selecting at most this many vectors is answered exactly by scoring
# just those vectors: cheaper than a graph walk, and HNSW may miss a tiny filtered set.
EXACT_FILTER_LIMIT = 50_000


class VectorStore(Protocol):
    """Normalised vectors addressed by row number (= passage or sentence row)."""

    @property
    def size(self) -> int:
        """Number of stored vectors."""
        ...

    @property
    def dim(self) -> int:
        """Vector dimension."""
        ...

    def search(self, queries: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[Any, Any]:
        """Best ``k`` rows by inner product per query, as (scores, ids); ids < 0 pad."""
        ...

    def vectors(self, rows: np.ndarray) -> np.ndarray:
        """The stored vectors of ``rows``, in that order."""
        ...


def faiss_version() -> str:
    """The installed FAISS version, for the manifest."""
    import faiss

    return str(faiss.__version__)


def choose_kind(count: int, threshold: int = HNSW_THRESHOLD) -> StoreKind:
    """Exact search up to ``threshold`` vectors, HNSW above."""
    return "hnsw" if count > threshold else "flat"


@dataclass
class FaissStore:
    """A ``VectorStore`` over one FAISS index (flat or HNSW, both keep the raw vectors)."""

    index: Any  # faiss.Index

    @classmethod
    def build(cls, vectors: np.ndarray, dim: int, kind: StoreKind = "flat") -> FaissStore:
        """Index ``vectors`` (rows must be L2-normalised) with the given kind."""
        import faiss

        index: Any
        if kind == "hnsw":
            index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
            index.hnsw.efSearch = HNSW_EF_SEARCH
        else:
            index = faiss.IndexFlatIP(dim)
        if len(vectors):
            index.add(np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, dim))
        return cls(index)

    @classmethod
    def load(cls, path: Path, rebuild_hint: str) -> FaissStore:
        """Read what ``save`` wrote; raises ``IndexCorruptError`` for a damaged file."""
        import faiss

        try:
            index = faiss.read_index(str(path))
        except RuntimeError as exc:
            raise IndexCorruptError(f"{path} cannot be read ({exc}); {rebuild_hint}.") from exc
        if isinstance(index, faiss.IndexHNSW):
            index.hnsw.efSearch = HNSW_EF_SEARCH
        return cls(index)

    def save(self, path: Path) -> None:
        """Write the index to ``path``."""
        import faiss

        faiss.write_index(self.index, str(path))

    @property
    def kind(self) -> StoreKind:
        """``"hnsw"`` or ``"flat"``."""
        import faiss

        return "hnsw" if isinstance(self.index, faiss.IndexHNSW) else "flat"

    @property
    def size(self) -> int:
        """Number of stored vectors."""
        return int(self.index.ntotal)

    @property
    def dim(self) -> int:
        """Vector dimension."""
        return int(self.index.d)

    def search(self, queries: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[Any, Any]:
        """Best ``k`` rows by inner product; ``allowed`` restricts them to those rows."""
        import faiss

        k = max(min(k, self.size if allowed is None else len(allowed)), 1)
        if allowed is None:
            return self.index.search(queries, k)
        if self.kind == "flat" or len(allowed) <= EXACT_FILTER_LIMIT:
            return _exact_among(self.vectors(allowed), allowed, queries, k)
        params = faiss.SearchParametersHNSW()  # type: ignore[attr-defined]
        params.efSearch = max(HNSW_EF_SEARCH, k)
        selector = faiss.IDSelectorBatch(allowed.astype(np.int64))  # must outlive the search
        params.sel = selector
        return self.index.search(queries, k, params=params)

    def vectors(self, rows: np.ndarray) -> np.ndarray:
        """The stored vectors of ``rows``, in that order."""
        if len(rows) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self.index.reconstruct_batch(np.asarray(rows, dtype=np.int64))


def _exact_among(
    vectors: np.ndarray, rows: np.ndarray, queries: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    scores = queries @ vectors.T
    if k < scores.shape[1]:  # the k best per query, then only those sorted
        best = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        order = np.take_along_axis(
            best, np.argsort(-np.take_along_axis(scores, best, axis=1), axis=1), axis=1
        )
    else:
        order = np.argsort(-scores, axis=1, kind="stable")
    return np.take_along_axis(scores, order, axis=1), rows.astype(np.int64)[order]
