"""The relevance gate: whether anything in the index answers a question, decided the same way
on any collection.

The old gate compared absolute scores (BM25 ≥ 5.1 or e5 ≥ 0.872) calibrated on the 62
seed passages. BM25 grows with a collection's size and vocabulary, and how close e5 puts
an unrelated question to its nearest passage grows with the collection's breadth (0.86 on
the speeches, 0.89 on Wikipedia): with 72 reports added to the seeds one shared word of a
long question passed. This gate reads two quantities and compares them with the same
quantities for questions the collection cannot answer:

* **coverage**: the share of the question's content words, each weighted by its IDF in the
  collection, that one of the best passages contains (a word the collection never uses
  weighs the most): a question whose rare words are all in a passage covers 1, one that
  shares a generic word with the collection covers little, because its own words weigh more;
* **closeness in meaning**: the best passage's e5 score (the mean of its cosine and its best
  sentence's cosine), for questions worded differently from the text.

The **background** of a collection is the 90th percentile of both for 54 everyday questions
no collection of official documents answers (``data/probe_questions.txt``), asked when the
index is built and kept in its manifest. A question is answered when it rises above the
background clearly in meaning (``dense_margin``) or in words (``coverage_margin``), or above
it in both. The margins were chosen on the tuning half of the evaluation set
(``eval/calibrate.py``: the widest that meet the targets, at least 90% of out-of-domain
questions rejected and at most 3% of in-domain ones, while answering the most) and checked,
unchanged, on its test half, on the seeds with the 72 government work reports added and on
CMRC 2018 (``bench/gate.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources

import numpy as np

from qa.text.normalise import match_form

BACKGROUND_PERCENTILE = 90


@dataclass(frozen=True)
class GateSettings:
    """How far above its collection's background a question's best passage must be.

    ``dense_margin`` is in e5 score units, ``coverage_margin`` in shares of the question's
    IDF weight; values from ``bench/gate.py`` on the tuning half of the evaluation set.
    """

    dense_margin: float = 0.015
    coverage_margin: float = 0.4
    passages: int = 10  # the best fused passages whose coverage is read


@dataclass(frozen=True)
class Background:
    """How close questions a collection cannot answer come to it (percentiles of probe questions)."""

    dense: float
    coverage: float

    @classmethod
    def of(cls, features: Sequence[tuple[float, float]]) -> Background:
        """The ``BACKGROUND_PERCENTILE`` of probe questions' (coverage, dense) pairs."""
        coverages, denses = zip(*features, strict=True) if features else ((0.0,), (0.0,))
        return cls(
            dense=round(float(np.percentile(denses, BACKGROUND_PERCENTILE)), 4),
            coverage=round(float(np.percentile(coverages, BACKGROUND_PERCENTILE)), 4),
        )


def probe_questions() -> list[str]:
    """The everyday questions that measure a collection's background."""
    text = resources.files("qa").joinpath("data", "probe_questions.txt").read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def word_weights(words: Iterable[str], idf: Mapping[str, float] | None = None) -> dict[str, float]:
    """The question's content words (two characters or more) with their IDF weights."""
    return {word: (idf or {}).get(word, 1.0) for word in words if len(word) > 1}


def coverage(weights: Mapping[str, float], texts: Iterable[str]) -> float:
    """The highest share of the weighted words that one of ``texts`` contains (0 without words)."""
    total = sum(weights.values())
    if not total:
        return 0.0
    best = 0.0
    for text in texts:
        key = match_form(text)
        best = max(best, sum(weight for word, weight in weights.items() if word in key) / total)
    return best


def is_relevant(
    covered: float, dense: float, background: Background, settings: GateSettings, mode: str = "hybrid"
) -> bool:
    """Whether a question whose best passages have this coverage and dense score is answered."""
    by_words = covered >= background.coverage + settings.coverage_margin
    by_meaning = dense >= background.dense + settings.dense_margin
    if mode == "lexical":
        return by_words
    if mode == "dense":
        return by_meaning
    return by_words or by_meaning or (covered >= background.coverage and dense >= background.dense)
