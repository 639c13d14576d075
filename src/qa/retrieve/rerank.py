"""The reranking pass (issue 22, lever 3): a cross-encoder reorders the best fused candidates.

The pass reads each of the ``k`` best candidates together with the question
(``qa.model.cross_encoder``): not the whole passage, which would cost too much time, but its
window, the sentences around its sentence closest to the question in e5 (the vectors the
index already holds) up to ``RerankSettings.window`` characters, as the model was trained
(``train/reranker.py``). It gives their ``k`` fused scores back in the cross-encoder's
order: the same set stays on top, above the rest, on the same scale, so the bonuses added
after it (figures, "最新") and the gate (which reads the fusion's order) work as without it.
Off by default; ``QA_RERANKER`` names the model file, ``QA_RERANK_K`` the ``k`` (default
``RerankSettings.k``, chosen for the time bound in ``docs/quality.md``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from qa.index.load import LoadedIndex
from qa.passages.cutting import sentences_of

Scorer = Callable[[str, list[str]], np.ndarray]


@dataclass(frozen=True)
class RerankSettings:
    """How many of the best fused candidates the cross-encoder reorders, and how much of each it reads."""

    k: int = 5  # the smallest measured; larger does not fit the 0.3 s bound (docs/quality.md, lever 3)
    window: int = 200  # characters

    @classmethod
    def from_env(cls) -> RerankSettings:
        """``QA_RERANK_K`` when set (a positive integer; ``ValueError`` otherwise), else the default."""
        chosen = os.environ.get("QA_RERANK_K", "").strip()
        if not chosen:
            return cls()
        if not chosen.isdigit() or int(chosen) < 1:
            raise ValueError(f"QA_RERANK_K must be a positive integer, not {chosen!r}")
        return cls(int(chosen))


def window(sentences: Sequence[str], closeness: np.ndarray, limit: int) -> str:
    """The sentences around the one of highest ``closeness``, in order, within ``limit`` characters
    (the best one alone, cut, when it is longer); the next sentence first, then the one before."""
    if not len(sentences):
        return ""
    best = int(np.argmax(closeness)) if len(closeness) == len(sentences) else 0
    lo, hi, size = best, best + 1, len(sentences[best])
    grown = True
    while grown:
        grown = False
        for at in (hi, lo - 1):
            if 0 <= at < len(sentences) and not lo <= at < hi and size + len(sentences[at]) <= limit:
                size += len(sentences[at])
                lo, hi, grown = min(lo, at), max(hi, at + 1), True
    return "".join(sentences[lo:hi])[:limit]


def windows(index: LoadedIndex, rows: Sequence[int], question: np.ndarray, limit: int) -> list[str]:
    """The ``window`` of each passage row for the question's e5 vector (dim,)."""
    out = []
    for row in rows:
        texts = sentences_of(index.passages[row].text)
        ids = index.sentence_rows(row)
        closeness = index.sentences.vectors(np.arange(ids.start, ids.stop)) @ question if ids else np.zeros(0)
        out.append(window(texts, np.asarray(closeness), limit))
    return out


def rerank(
    fused: np.ndarray, texts: Callable[[Sequence[int]], list[str]], question: str, scorer: Scorer, k: int
) -> np.ndarray:
    """``fused`` with its ``k`` best positions' scores permuted into ``scorer``'s order.

    ``texts(positions)`` gives the passages' texts of those positions of ``fused``; ties in the
    scorer keep the fused order.
    """
    top = np.argsort(-fused, kind="stable")[:k]
    if len(top) < 2:
        return fused
    scores = scorer(question, texts([int(p) for p in top]))
    out = fused.copy()
    out[top[np.argsort(-scores, kind="stable")]] = fused[top]
    return out


@dataclass(frozen=True)
class Reranker:
    """A scorer and its ``k``: what a ``Retriever`` runs after the fusion."""

    scorer: Scorer
    settings: RerankSettings = RerankSettings()

    def __call__(
        self, fused: np.ndarray, rows: np.ndarray, index: LoadedIndex, vector: np.ndarray, question: str
    ) -> np.ndarray:
        """``rerank`` of ``fused`` (one score per candidate passage ``rows``) for the ``question``
        and its e5 ``vector`` (dim,), each candidate read as its ``window``."""
        limit = self.settings.window
        texts = lambda positions: windows(index, [int(rows[p]) for p in positions], vector, limit)  # noqa: E731
        return rerank(fused, texts, question, self.scorer, self.settings.k)


def default_reranker() -> Reranker | None:
    """The pass ``QA_RERANKER`` asks for (its file served by ONNX Runtime), or None (the default)."""
    from qa.model.cross_encoder import OnnxCrossEncoder, default_cross_encoder

    path = default_cross_encoder()
    return None if path is None else Reranker(OnnxCrossEncoder.load(path).scores, RerankSettings.from_env())
