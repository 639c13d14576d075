"""The answer at a glance: the one or two sentences of the hits that best answer the question.

Extractive only: a glance sentence is a sentence of a hit's passage as the index holds it
(``sentences_of``), quoted with that hit's citation, never reworded. Chosen with what the
retriever already has: every sentence of the shown hits is scored by

* its e5 cosine to the question (the stored sentence vectors, the question's vector from
  the embedder's cache),
* the share of the question's words it contains, each weighted by its IDF (as the gate's
  coverage, ``qa.retrieve.gate``), so that the sentence naming what was asked wins over a
  sentence near it in meaning,
* for a question asking for a number (多少, 几, 哪一年…), whether it holds a number,

plus a small bonus for the hit's rank. A second sentence is added only when it scores
almost as high (``second_within``). The weights were chosen on the tuning half of the
evaluation set by ``eval/glance.py``, which also reports, on both halves, how often the
glance holds the question's verbatim answer span, beside simpler choices.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from qa.passages.cutting import sentences_of
from qa.retrieve.gate import word_weights
from qa.retrieve.hit import Hit
from qa.retrieve.query import clean_query
from qa.text.normalise import match_form, question_for_model

if TYPE_CHECKING:
    from qa.retrieve.retriever import Retriever

# A question that asks for a number, a year or a date.
_ASKS_NUMBER = re.compile(r"多少|(?<!哪)几[个项件次年位条名家人天月岁倍成]|哪一?年|何年|什么时候|何时|比例")
_HOLDS_NUMBER = re.compile(r"[0-9０-９]|[一二三四五六七八九十百千万亿两]+[个项件次年位条名家人万亿%％]")


@dataclass(frozen=True)
class GlanceSettings:
    """How a sentence's evidence is weighed (``eval/glance.py`` chose them on the tuning half)."""

    coverage_weight: float = 0.3
    number_weight: float = 0.05
    rank_weight: float = 0.01  # taken off per rank below the first hit
    second_within: float = 0.01  # a second sentence only when this close to the first
    min_chars: int = 6


@dataclass(frozen=True)
class GlanceSentence:
    """One sentence of the glance: its text as the passage has it, and the hit it is quoted from."""

    text: str
    hit: Hit
    score: float


@dataclass(frozen=True)
class Evidence:
    """What speaks for one sentence of a hit: its cosine to the question, the IDF-weighted share
    of the question's words it holds, whether it holds a number the question asks for, and
    the rank of its hit (0 for the first)."""

    text: str
    hit: Hit
    cosine: float
    covered: float
    number: bool
    rank: int

    def score(self, settings: GlanceSettings) -> float:
        """The sentence's score under ``settings``."""
        return (
            self.cosine
            + settings.coverage_weight * self.covered
            + settings.number_weight * self.number
            - settings.rank_weight * self.rank
        )


def evidence(retriever: Retriever, question: str, hits: Sequence[Hit], min_chars: int = 6) -> list[Evidence]:
    """The evidence for every sentence of ``hits`` (sentences shorter than ``min_chars`` left out)."""
    if not hits:
        return []
    index = retriever.index
    asked = clean_query(question)
    q = retriever.embedder.encode_queries([question_for_model(asked)])[0]
    lexical = index.lexical
    words = set(lexical.tokenizer.words(asked))
    weights = word_weights(words, {word: lexical.idf(word) for word in words})
    total = sum(weights.values()) or 1.0
    wants_number = bool(_ASKS_NUMBER.search(asked))
    found: list[Evidence] = []
    for rank, hit in enumerate(hits):
        row = index.row_of(hit.passage_id)
        if row is None:
            continue
        texts = sentences_of(index.passages[row].text)
        rows = index.sentence_rows(row)
        cosines = (
            index.sentences.vectors(np.arange(rows.start, rows.stop)) @ q
            if len(rows) == len(texts)
            else np.full(len(texts), hit.dense_score)  # no sentence vectors: the passage's own score
        )
        for text, cosine in zip(texts, cosines, strict=True):
            if len(text) < min_chars:
                continue
            key = match_form(text)
            covered = sum(weight for word, weight in weights.items() if word in key) / total
            number = wants_number and bool(_HOLDS_NUMBER.search(text))
            found.append(Evidence(text, hit, float(cosine), covered, number, rank))
    return found


def choose(found: Sequence[Evidence], settings: GlanceSettings | None = None) -> tuple[GlanceSentence, ...]:
    """The best sentence of ``found``, and the second best when it scores almost as high."""
    settings = settings or GlanceSettings()
    ranked = sorted(
        (GlanceSentence(e.text, e.hit, round(e.score(settings), 4)) for e in found), key=lambda s: -s.score
    )
    if not ranked:
        return ()
    best = ranked[0]
    second = next((s for s in ranked[1:] if s.text != best.text), None)
    if second is not None and best.score - second.score <= settings.second_within:
        return (best, second)
    return (best,)


def glance(
    retriever: Retriever, question: str, hits: Sequence[Hit], settings: GlanceSettings | None = None
) -> tuple[GlanceSentence, ...]:
    """The one or two sentences of ``hits`` that best answer ``question`` (none without hits)."""
    settings = settings or GlanceSettings()
    return choose(evidence(retriever, question, hits, settings.min_chars), settings)
