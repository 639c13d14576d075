"""The learned ranking function: a linear model over each candidate's features, in place of the
hand-set fusion of BM25 and e5 for the best candidates.

``features`` computes, for the ``RERANKED`` best candidates of the fused ranking, the columns
of ``FEATURES`` (all per query, so that they transfer between collections):

* ``bm25``: BM25 over the best candidate's; ``dense``: the fusion's e5 margin over the median
  candidate, in units of 0.1; ``passage_cos`` and ``sentence_cos``: the passage's and its best
  sentence's cosine below the best candidate's, times 10;
* ``bm25_rank``, ``dense_rank``: 1 / (1 + the candidate's place) in each ranking;
* ``coverage``: the IDF-weighted share of the question's words (two characters or more) the
  passage has; ``title``: the same for its document title and headings;
* ``phrase``: the longest piece of the question found verbatim in the passage, over the
  question's length; ``proximity``: the characters of the matched words over the span
  their first occurrences take;
* ``length``: log of the passage's characters over 450; ``position``: where the passage is in
  its document (0 first, 1 last).

A ``LinearRanker`` (weights over standardised features, ``train/ranker.py``) or a ``TreeRanker``
(LightGBM lambdarank trees scored in numpy, ``train/lambdarank.py``, ``qa.retrieve.trees``)
scores them; the candidates below the ``RERANKED`` keep the fusion's order after them. Either
file is JSON (``load_ranker`` tells them apart by ``kind``), named in the index manifest by its
SHA-256 (``qa.build``).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.index.load import LoadedIndex
from qa.passages.cutting import Passage
from qa.retrieve.trees import Trees
from qa.text.normalise import match_form

FEATURES: tuple[str, ...] = (
    "bm25",
    "dense",
    "passage_cos",
    "sentence_cos",
    "bm25_rank",
    "dense_rank",
    "coverage",
    "title",
    "phrase",
    "proximity",
    "length",
    "position",
)
RERANKED = 30
RANKER_VERSION = 1
# Whether the shipped ranker replaces the fusion by default (``bench/levers.py`` decides).
SHIPPED = False


@dataclass(frozen=True)
class FusionSettings:
    """How the two rankings are combined.

    Per query, BM25 is divided by the best BM25 score and the dense score (mean of the
    passage cosine and its best sentence's cosine) is taken as its margin over the median
    candidate, in units of ``dense_scale``. The fused score is
    ``lexical_weight * bm25 + (1 - lexical_weight) * dense``. Values were chosen with
    ``eval/tune.py`` on the tuning half of the evaluation set. Whether anything is relevant
    at all is the gate's decision (``qa.retrieve.gate``).
    """

    lexical_weight: float = 0.3
    dense_scale: float = 0.1


def fuse(
    fusion: FusionSettings, mode: str, lexical: np.ndarray, passage_cos: np.ndarray, sentence_cos: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The hand-set fusion's scores of the candidates, and their dense scores (``FusionSettings``)."""
    dense = (passage_cos + sentence_cos) / 2
    lexical_norm = lexical / lexical.max() if lexical.max() > 0 else lexical
    dense_norm = (dense - np.median(dense)) / fusion.dense_scale
    if mode == "lexical":
        return lexical_norm + 1e-3 * dense_norm, dense
    if mode == "dense":
        return dense_norm, dense
    return fusion.lexical_weight * lexical_norm + (1 - fusion.lexical_weight) * dense_norm, dense


@dataclass(frozen=True)
class Candidates:
    """What the retriever scored for one question's candidates (arrays of one length)."""

    rows: np.ndarray  # passage rows
    lexical: np.ndarray  # raw BM25
    passage_cos: np.ndarray
    sentence_cos: np.ndarray
    fused: np.ndarray  # the hand-set fusion


def _longest_piece(question: str, key: str) -> int:
    """Characters of the longest substring of ``question`` that ``key`` contains."""
    best = 0
    for start in range(len(question)):
        end = start + best + 1
        while end <= len(question) and question[start:end] in key:
            best = end - start
            end += 1
    return best


def _proximity(words: Sequence[str], key: str) -> float:
    """The matched words' characters over the span of their first occurrences (0 when none)."""
    found = [(key.find(w), len(w)) for w in words if w in key]
    if not found:
        return 0.0
    span = max(p + n for p, n in found) - min(p for p, _ in found)
    return min(1.0, sum(n for _, n in found) / max(span, 1))


def features(
    candidates: Candidates,
    question: str,
    words: Sequence[str],
    idf: Callable[[str], float],
    passage: Callable[[int], Passage],
    key: Callable[[int], str],
    position: Callable[[int], float],
) -> tuple[np.ndarray, np.ndarray]:
    """The ``FEATURES`` of the best ``RERANKED`` candidates by fused score: (positions, matrix).

    ``positions`` index ``candidates``' arrays (best fused first), the matrix has one row per
    position and one column per feature. ``key(row)`` is a passage's ``match_form`` text (with
    its headings), ``position(row)`` its place in its document (0–1).
    """
    c = candidates
    order = np.argsort(-c.fused, kind="stable")
    top = order[:RERANKED]
    lexical_best = float(c.lexical.max()) if len(c.lexical) and c.lexical.max() > 0 else 1.0
    dense = (c.passage_cos + c.sentence_cos) / 2
    lexical_place = np.empty(len(c.rows))
    lexical_place[np.argsort(-c.lexical, kind="stable")] = np.arange(len(c.rows))
    dense_place = np.empty(len(c.rows))
    dense_place[np.argsort(-dense, kind="stable")] = np.arange(len(c.rows))
    content = [w for w in dict.fromkeys(words) if len(w) > 1]
    weights = {w: idf(w) for w in content}
    total = sum(weights.values()) or 1.0
    asked = match_form(question)
    matrix = np.zeros((len(top), len(FEATURES)), dtype=np.float32)
    for i, j in enumerate(top):
        row = int(c.rows[j])
        text = key(row)
        shown = passage(row)
        heading = match_form(" ".join([shown.doc_title, *shown.section_path]))
        matrix[i] = (
            c.lexical[j] / lexical_best,
            (dense[j] - np.median(dense)) / 0.1,
            10 * (c.passage_cos[j] - c.passage_cos.max()),
            10 * (c.sentence_cos[j] - c.sentence_cos.max()),
            1 / (1 + lexical_place[j]),
            1 / (1 + dense_place[j]),
            sum(v for w, v in weights.items() if w in text) / total,
            sum(v for w, v in weights.items() if w in heading) / total,
            _longest_piece(asked, text) / max(len(asked), 1),
            _proximity(content, text),
            math.log(max(len(shown.text), 1) / 450),
            position(row),
        )
    return top, matrix


@dataclass(frozen=True)
class LinearRanker:
    """A linear score over standardised features: ``((x - mean) / scale) @ weights``."""

    weights: np.ndarray
    mean: np.ndarray
    scale: np.ndarray
    names: tuple[str, ...] = FEATURES
    trained_on: str = ""
    version: int = RANKER_VERSION

    def score(self, matrix: np.ndarray) -> np.ndarray:
        """One score per row of ``matrix`` (columns as ``names``)."""
        return np.asarray(((matrix - self.mean) / self.scale) @ self.weights, dtype=np.float64)

    def rerank(self, fused: np.ndarray, top: np.ndarray, matrix: np.ndarray) -> np.ndarray:
        """``fused`` with the ``top`` positions scored by the model, above the rest in fused order."""
        return _rerank(self.score, fused, top, matrix)

    def to_json(self) -> dict[str, object]:
        return {
            "version": self.version,
            "features": list(self.names),
            "weights": [round(float(w), 6) for w in self.weights],
            "mean": [round(float(m), 6) for m in self.mean],
            "scale": [round(float(s), 6) for s in self.scale],
            "trained_on": self.trained_on,
        }

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_json(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> LinearRanker:
        """Read a ranker file; one for other features or another version is refused (``ValueError``)."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ValueError(f"Cannot read the ranker {path}: {exc}; run train/ranker.py again.") from exc
        if data.get("version") != RANKER_VERSION or tuple(data.get("features", ())) != FEATURES:
            raise ValueError(
                f"The ranker {path} is for other features (version {data.get('version')}); "
                "run train/ranker.py again."
            )
        arrays = [np.asarray(data[k], dtype=np.float64) for k in ("weights", "mean", "scale")]
        weights, mean, scale = arrays
        return cls(weights, mean, scale, names=FEATURES, trained_on=str(data.get("trained_on", "")))


def _rerank(
    score: Callable[[np.ndarray], np.ndarray], fused: np.ndarray, top: np.ndarray, matrix: np.ndarray
) -> np.ndarray:
    if not len(top):
        return fused
    learned = score(matrix)
    out = fused - fused.max() + learned.min() - 1.0  # the rest keep their order, below
    out[top] = learned
    return out


@dataclass(frozen=True)
class TreeRanker:
    """Boosted regression trees over the raw features (LightGBM lambdarank, scored by ``Trees``)."""

    trees: Trees
    names: tuple[str, ...] = FEATURES
    trained_on: str = ""
    version: int = RANKER_VERSION

    def score(self, matrix: np.ndarray) -> np.ndarray:
        """One score per row of ``matrix`` (columns as ``names``)."""
        return self.trees.predict(matrix)

    def rerank(self, fused: np.ndarray, top: np.ndarray, matrix: np.ndarray) -> np.ndarray:
        """``fused`` with the ``top`` positions scored by the trees, above the rest in fused order."""
        return _rerank(self.score, fused, top, matrix)

    def to_json(self) -> dict[str, object]:
        return {
            "kind": "trees",
            "version": self.version,
            "features": list(self.names),
            "trees": self.trees.to_json(),
            "trained_on": self.trained_on,
        }

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_json(), ensure_ascii=False) + "\n", encoding="utf-8")


Ranker = LinearRanker | TreeRanker


def load_ranker(path: Path) -> Ranker:
    """A ranker file of either kind (``"kind": "trees"`` or linear); one for other features, another
    version or unreadable is refused (``ValueError``)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"Cannot read the ranker {path}: {exc}; train it again.") from exc
    if data.get("kind") != "trees":
        return LinearRanker.load(path)
    if data.get("version") != RANKER_VERSION or tuple(data.get("features", ())) != FEATURES:
        raise ValueError(
            f"The ranker {path} is for other features (version {data.get('version')}); "
            "run train/lambdarank.py again."
        )
    try:
        trees = Trees.from_json(data["trees"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(
            f"The ranker {path} has broken trees ({exc}); run train/lambdarank.py again."
        ) from exc
    return TreeRanker(trees, names=FEATURES, trained_on=str(data.get("trained_on", "")))


def shipped_ranker_path() -> Path:
    """The ranker file shipped with the package (``train/ranker.py`` writes it)."""
    return Path(__file__).resolve().parents[1] / "data" / "ranker.json"


def default_ranker() -> Ranker | None:
    """The ranker a ``Retriever`` uses unless given one: ``QA_RANKER`` (a file, or ``off``), else
    the shipped file when ``SHIPPED`` is on, else none (the hand-set fusion)."""
    chosen = os.environ.get("QA_RANKER", "")
    if chosen == "off" or (not chosen and not SHIPPED):
        return None
    return load_ranker(Path(chosen) if chosen else shipped_ranker_path())


def ranker_identity(ranker: Ranker | None) -> str:
    """What the manifest records of the ranker a build's gate background was measured with:
    the SHA-256 of its JSON, or "" for the hand-set fusion."""
    if ranker is None:
        return ""
    return hashlib.sha256(json.dumps(ranker.to_json(), sort_keys=True).encode()).hexdigest()


class IndexFeatures:
    """``features`` over one loaded index, with each passage's matching text made once."""

    def __init__(self, index: LoadedIndex) -> None:
        self.index = index
        self._keys: dict[int, str] = {}

    def key(self, row: int) -> str:
        text = self._keys.get(row)
        if text is None:
            shown = self.index.passages[row]
            text = self._keys[row] = match_form(" ".join([*shown.section_path, shown.text]))
        return text

    def position(self, row: int) -> float:
        docs = self.index.passage_docs
        lo, hi = np.searchsorted(docs, [docs[row], docs[row] + 1])
        return float((row - lo) / max(int(hi - lo) - 1, 1))

    def __call__(
        self, candidates: Candidates, question: str, words: Sequence[str]
    ) -> tuple[np.ndarray, np.ndarray]:
        """``features`` of ``candidates`` for ``question`` (its BM25 ``words``)."""
        lexical = self.index.lexical
        return features(
            candidates, question, words, lexical.idf, self.index.passages.__getitem__, self.key, self.position
        )
