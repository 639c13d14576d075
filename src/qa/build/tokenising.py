"""Cut passages into BM25 tokens in worker processes: jieba in Python is most of a build's time.

Measured on 26.7k passages of bench/synthetic.py's corpus with stand-in vectors: tokenising
took 113 of 149 s, all on one core (cProfile). Workers are forked after the tokenizer is
made, so they share its dictionary and the passages' texts without copying or pickling
them; each returns its slice as a ``TokenTable``, and the slices are joined in order. The
tokens are the same as in one process (a test compares them).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from qa.errors import QAError
from qa.index.token_table import TokenTable

WORKERS_ENV = "QA_BUILD_WORKERS"
# Below this many passages, starting workers costs more than it saves (about 0.1 s each).
PARALLEL_FROM = 4_000
_SLICE = 2_000

# What the forked workers read: set by ``tokenise`` just before it starts them.
_texts: list[str] = []
_tokenizer: Callable[..., list[str]] | None = None


def build_workers() -> int:
    """Worker processes for tokenising: ``QA_BUILD_WORKERS``, else the CPUs this process may use.

    Raises ``QAError`` when the variable is not a whole number of at least 1.
    """
    value = os.environ.get(WORKERS_ENV, "").strip()
    if not value:
        return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    if not value.isdigit() or int(value) < 1:
        raise QAError(f"{WORKERS_ENV}={value!r} is not a number of worker processes (1 or more).")
    return int(value)


def tokenise(
    texts: list[str], tokenizer: Any, workers: int | None = None, parallel_from: int = PARALLEL_FROM
) -> TokenTable:
    """Every text's tokens (``tokenizer(text, cached=False)``), in ``workers`` processes when many.

    One process when ``workers`` is 1, when there are fewer than ``parallel_from`` texts, or
    where ``fork`` is unavailable. A worker's error is raised here; a worker that dies (out
    of memory) raises ``concurrent.futures.process.BrokenProcessPool``.
    """
    workers = build_workers() if workers is None else workers
    forking = "fork" in multiprocessing.get_all_start_methods()
    if workers <= 1 or len(texts) < parallel_from or not forking:
        return TokenTable.of(tokenizer(text, cached=False) for text in texts)
    global _texts, _tokenizer
    _texts, _tokenizer = texts, tokenizer
    try:
        slices = [(lo, min(lo + _SLICE, len(texts))) for lo in range(0, len(texts), _SLICE)]
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            # ``map`` yields the slices in order, each as soon as it and those before it are done.
            return TokenTable.concatenate(pool.map(_tokenise_slice, slices))
    finally:
        _texts, _tokenizer = [], None


def _tokenise_slice(bounds: tuple[int, int]) -> TokenTable:
    assert _tokenizer is not None, "tokenise() sets the tokenizer before forking"
    lo, hi = bounds
    return TokenTable.of(_tokenizer(text, cached=False) for text in _texts[lo:hi])
