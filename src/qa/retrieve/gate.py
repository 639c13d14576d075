"""The relevance gate: whether anything in the index answers a question, decided the same way
on any collection.

Absolute scores do not transfer between collections: BM25 grows with a collection's size and
vocabulary, and how close e5 puts an unrelated question to its nearest passage grows with the
collection's breadth (0.86 on the speeches, 0.89 on Wikipedia). This gate reads three
quantities for a question (a ``Reading``) and compares them with the same quantities for
questions the collection cannot answer:

* **coverage**: the share of the question's topic words, each weighted by how much it names a
  topic, that one of the best passages contains. A word's weight is its IDF in the collection
  with ordinary Chinese as a prior (``word_weight``): a word the collection barely has weighs
  what its frequency in ordinary Chinese says (``qa.text.frequency``: 护照 much, 今天 little),
  one it has often weighs what the collection says. Asking words (最新, 官方, 提法, 要求, 措施;
  ``qa.text.asking``) and stopwords weigh nothing: they say what is asked, not about what;
* **closeness in meaning**: the best passage's e5 score (the mean of its cosine and its best
  sentence's cosine), for questions worded differently from the text;
* **everyday closeness**: how close the question comes, in e5, to everyday questions (the
  mean cosine of the three nearest probe questions and errands: ``data/errand_questions.txt``,
  an office's phone, a meeting's hotel, which read as questions about the office to e5). A
  question about the collection is closer to its passages than to everyday questions; an
  everyday question that happens to come near a broad collection (天气, 护照 near government
  reports) is closer to them.

The **background** of a collection is the 90th percentile of each for 54 everyday questions
no collection of official documents answers (``data/probe_questions.txt``), asked when the
index is built and kept in its manifest (with ``GATE_VERSION``: a background measured by
another version of the gate is measured again on load). A question is answered when it
rises above the background clearly in words (``coverage_margin``), or clearly in meaning
(``dense_margin``) while closer to the collection than everyday questions are
(``everyday_margin``), or above the background in all three. The margins were chosen on the
tuning half of the evaluation set and of ``eval/everyday_questions.jsonl``
(``bench/gate_archive.py``: at most 3% of in-domain questions rejected, then as many
out-of-domain ones as possible) and are reported on the held-out halves, on the seeds with
20 and with 72 government work reports added and on CMRC 2018.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources

import numpy as np

from qa.retrieve.hit import Ranking
from qa.text.asking import is_asking_word
from qa.text.frequency import frequency
from qa.text.normalise import match_form

BACKGROUND_PERCENTILE = 90
GATE_VERSION = 3
EVERYDAY_NEAREST = 3
ERRANDS = "errand_questions.txt"


@dataclass(frozen=True)
class GateSettings:
    """How far above its collection's background a question must be, and how words are weighed.

    ``dense_margin`` and ``everyday_margin`` are in e5 cosine units, ``coverage_margin`` in
    shares of the question's word weight; values from ``bench/gate_archive.py`` on the tuning
    halves. ``prior_passages`` is how many passages' worth of ordinary Chinese a word's
    document frequency starts from, ``passage_words`` how many words a passage has, which
    turns a word's frequency into the share of passages expected to contain it.
    """

    dense_margin: float = 0.01
    coverage_margin: float = 0.5
    everyday_margin: float = -0.02
    passages: int = 10  # the best fused passages whose coverage is read
    prior_passages: float = 50.0
    passage_words: int = 200
    errands: bool = True  # everyday closeness compares with ``ERRANDS`` too (``bench/gate_archive.py``)


@dataclass(frozen=True)
class Reading:
    """What the gate reads for one question (see the module's docstring)."""

    coverage: float
    dense: float
    everyday: float

    @property
    def contrast(self) -> float:
        """How much closer the question comes to the collection than to everyday questions."""
        return self.dense - self.everyday


@dataclass(frozen=True)
class Background:
    """How close questions a collection cannot answer come to it (percentiles of probe questions)."""

    dense: float
    coverage: float
    contrast: float = 0.0
    version: int = GATE_VERSION

    @classmethod
    def of(cls, readings: Sequence[Reading]) -> Background:
        """The ``BACKGROUND_PERCENTILE`` of the probe questions' readings."""
        readings = list(readings) or [Reading(0.0, 0.0, 0.0)]

        def top(values: Iterable[float]) -> float:
            return round(float(np.percentile(list(values), BACKGROUND_PERCENTILE)), 4)

        return cls(
            dense=top(r.dense for r in readings),
            coverage=top(r.coverage for r in readings),
            contrast=top(r.contrast for r in readings),
        )


def probe_questions(name: str = "probe_questions.txt") -> list[str]:
    """The everyday questions that measure a collection's background (or those of another file of
    ``qa/data``: ``errand_questions.txt``, the errands everyday closeness also compares with)."""
    text = resources.files("qa").joinpath("data", name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def word_weight(document_frequency: int, passages: int, word: str, settings: GateSettings) -> float:
    """How much ``word`` names a topic: its IDF with ordinary Chinese as a prior.

    The collection's document frequency starts from ``prior_passages`` passages of ordinary
    Chinese, where a share ``1 - exp(-passage_words * frequency)`` of passages has the word;
    the IDF is BM25's (Lucene) on the sum. A collection that has a word in many passages
    decides its weight; one that barely has it leaves the weight to ordinary Chinese.
    """
    if is_asking_word(word) and not word.isdigit():  # a year or a number still names something
        return 0.0
    expected = 1 - math.exp(-settings.passage_words * frequency(word))
    found = document_frequency + settings.prior_passages * expected
    total = passages + settings.prior_passages
    return math.log(1 + (total - found + 0.5) / (found + 0.5))


def word_weights(words: Iterable[str], idf: Mapping[str, float] | None = None) -> dict[str, float]:
    """The question's content words (two characters or more) with their IDF weights (the glance's)."""
    return {word: (idf or {}).get(word, 1.0) for word in words if len(word) > 1}


def topic_weights(
    words: Iterable[str], document_frequency: Callable[[str], int], passages: int, settings: GateSettings
) -> dict[str, float]:
    """The question's content words (two characters or more) with the gate's weights (``word_weight``)."""
    return {
        word: word_weight(document_frequency(word), passages, word, settings)
        for word in dict.fromkeys(words)
        if len(word) > 1
    }


def coverage(weights: Mapping[str, float], texts: Iterable[str]) -> float:
    """The highest share of the weighted words that one of ``texts`` contains (0 without weight)."""
    total = sum(weights.values())
    if not total:
        return 0.0
    best = 0.0
    for text in texts:
        key = match_form(text)
        best = max(best, sum(weight for word, weight in weights.items() if word in key) / total)
    return best


def everyday_closeness(question: np.ndarray, probes: np.ndarray) -> float:
    """The mean cosine of the ``EVERYDAY_NEAREST`` probe questions nearest to ``question``.

    A probe question asked itself (cosine 1) is left out, so the background is measured
    as any question is read.
    """
    if not len(probes):
        return 0.0
    cosines = probes @ question
    cosines = cosines[cosines < 0.9999]
    return float(np.sort(cosines)[-EVERYDAY_NEAREST:].mean()) if len(cosines) else 0.0


def is_relevant(
    reading: Reading, background: Background, settings: GateSettings, mode: str = "hybrid"
) -> bool:
    """Whether a question with this reading is answered (see the module's docstring)."""
    by_words = reading.coverage >= background.coverage + settings.coverage_margin
    not_everyday = reading.contrast >= background.contrast + settings.everyday_margin
    by_meaning = reading.dense >= background.dense + settings.dense_margin and not_everyday
    if mode == "lexical":
        return by_words
    if mode == "dense":
        return by_meaning
    above_all = (
        reading.coverage >= background.coverage
        and reading.dense >= background.dense
        and reading.contrast >= background.contrast
    )
    return by_words or by_meaning or above_all


def reading_of(ranking: Ranking) -> Reading:
    """What the gate read for a ranking (a ranking without candidates reads all zeros)."""
    dense = float(ranking.dense.max()) if len(ranking.ids) else 0.0
    return Reading(ranking.coverage, dense, ranking.everyday)
