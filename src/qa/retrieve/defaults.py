"""Where the default index and documents folder are, and the default index's retriever,
loaded once per process."""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from qa.errors import IndexNotFoundError
from qa.index.location import store_for_reading
from qa.retrieve.query import clean_query

if TYPE_CHECKING:
    from qa.retrieve.hit import Hit
    from qa.retrieve.live import LiveRetriever
    from qa.retrieve.retriever import Retriever

log = logging.getLogger(__name__)


def project_root() -> Path:
    """The checkout this package is installed from (editable install)."""
    return Path(__file__).resolve().parents[3]


def default_index_dir() -> Path:
    """``QA_INDEX_DIR``, else the repository's ``index/``."""
    return Path(os.environ.get("QA_INDEX_DIR") or project_root() / "index")


def default_seeds_dir() -> Path:
    """``QA_SEEDS_DIR``, else the repository's ``seeds/``."""
    return Path(os.environ.get("QA_SEEDS_DIR") or project_root() / "seeds")


_default: LiveRetriever | None = None


_default_lock = threading.Lock()


def default_live_retriever() -> LiveRetriever:
    """The default index's retriever, loaded once per process, that follows rebuilds."""
    from qa.retrieve.live import LiveRetriever
    from qa.retrieve.retriever import Retriever

    global _default
    with _default_lock:
        if _default is None:
            index_dir = store_for_reading(default_index_dir())  # QA_STORE_READ, QA_STORE or the folder
            if isinstance(index_dir, Path) and not (index_dir / "manifest.json").is_file():
                raise IndexNotFoundError(f"No index at {index_dir}; run `qa build` (or `make index`).")
            seeds = default_seeds_dir()
            _default = LiveRetriever(Retriever(index_dir, seeds=seeds if seeds.is_dir() else None))
        return _default


def default_retriever() -> Retriever:
    """The retriever of the default index's newest build (take it once per request)."""
    return default_live_retriever().current()


def search(query: str, k: int = 5, sources: list[str] | None = None) -> list[Hit]:
    """The best ``k`` passages for ``query`` from the default index (empty if none is relevant).

    ``sources`` restricts the search to those documents (file names as in ``Hit.source``).
    A bad question raises ``QuestionError`` before the model and the index are loaded.
    """
    clean_query(query)
    return default_retriever().search(query, k, sources=sources)
