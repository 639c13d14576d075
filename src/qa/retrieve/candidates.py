"""A question's candidates: the dense search's passages and sentences beside BM25's top.

The question's encoding and the dense search (passages and sentences) run on a worker
thread while the caller's thread reads BM25's postings and takes its top k. On a database
the HNSW walk then runs in the server's process while NumPy weighs postings in this one,
so on two cores they overlap; FAISS and ONNX Runtime release the GIL as well. The pool is
the process's, of ``_DENSE_THREADS`` threads: each thread keeps its own database
connection, so their number stays bounded however many retrievers a process makes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np

from qa.index.load import LoadedIndex
from qa.index.maxscore import LexicalScores

CANDIDATES = 100  # from each of the dense search and BM25; sentences: 4 times as many
_DENSE_THREADS = 4
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _dense_pool() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(_DENSE_THREADS, thread_name_prefix="qa-dense")
        return _pool


def dense_candidates(
    index: LoadedIndex, q: np.ndarray, allowed: np.ndarray | None, in_filter: np.ndarray
) -> tuple[np.ndarray, dict[int, float]]:
    """The dense search's best passages (rows) and, for each passage one of the best sentences
    is in, that sentence's cosine (the best one's)."""
    top = min(len(index.passages), CANDIDATES)
    _, dense_ids = index.vectors.search(q, top, allowed)
    allowed_sentences = None if allowed is None else np.flatnonzero(in_filter[index.sentence_owner])
    sentence_scores, sentence_ids = index.sentences.search(q, 4 * CANDIDATES, allowed_sentences)
    best_sentence: dict[int, float] = {}
    for score, sentence in zip(sentence_scores[0], sentence_ids[0], strict=True):
        if sentence >= 0:
            best_sentence.setdefault(int(index.sentence_owner[sentence]), float(score))
    return dense_ids[0], best_sentence


# The question's vector (1, dim), the dense search's best passages, best sentences' cosines.
Dense = tuple[np.ndarray, np.ndarray, dict[int, float]]


def start_dense(
    index: LoadedIndex, encode: Callable[[], np.ndarray], allowed: np.ndarray | None, in_filter: np.ndarray
) -> Future[Dense]:
    """On a worker thread: ``encode()`` the question (shape (1, dim)), then its dense candidates
    (``dense_candidates``); ``in_filter`` (bool, one per passage) and ``allowed`` (its rows, or
    None for all) are the filter. The caller reads BM25's postings meanwhile."""

    def encoded_and_searched() -> Dense:
        q = encode()
        return (q, *dense_candidates(index, q, allowed, in_filter))

    return _dense_pool().submit(encoded_and_searched)


def find_candidates(
    index: LoadedIndex,
    dense: Future[Dense],
    lexical: LexicalScores,
    in_filter: np.ndarray,
    required: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The candidates' rows, passage cosines and best-sentence cosines (None when there are none).

    ``dense``: ``start_dense``'s search; ``lexical``: the question's BM25; ``in_filter`` (bool,
    one per passage): the filter; ``required``: the only rows that may be candidates (a quoted
    phrase's), or None.
    """
    lexical_top = lexical.top(min(len(index.passages), CANDIDATES)) if required is None else required
    q, dense_ids, best_sentence = dense.result()
    sentences = np.array(list(best_sentence), dtype=np.int64)
    found = [required] if required is not None else [dense_ids, lexical_top, sentences]
    ids = np.unique(np.concatenate(found)).astype(np.int64)
    ids = ids[ids >= 0]
    ids = ids[in_filter[ids]]
    if len(ids) == 0:
        return None
    passage_cos = index.vectors.vectors(ids) @ q[0]
    sentence_cos = np.array([best_sentence.get(int(i), c) for i, c in zip(ids, passage_cos, strict=True)])
    return ids, passage_cos, sentence_cos
