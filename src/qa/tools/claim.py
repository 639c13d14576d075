"""Whether a stored sentence says what a draft sentence says: the evidence beside the cosine.

On an archive of one register (government reports, speeches), every sentence on a topic lies
close to every other: a reworded 2025 sentence on 新质生产力 scored 0.94 against a 2018 sentence
on 科技创新中心, a wholly new sentence 0.93. The cosine says "same topic"; a source is shown as
相近 (close) only when it also shares the claim:

- **words**: the share of the draft sentence's content words (the index's jieba words, minus
  stopwords), each weighed by its BM25 IDF so that 新质生产力 counts more than 发展, found in
  the stored sentence (``words``) and in its whole passage (``context``: a claim said over two
  sentences of a paragraph);
- **numbers**: every number of the draft sentence (2.5万, 30%, 2035) stands in the passage; a
  sentence giving other figures makes another claim (``numbers_differ``);
- **cosine**: the two sentence vectors are close.

``CloseRule`` holds the thresholds, chosen on the calibration half of ``eval/draft_archive.tsv``
by ``eval/draft_archive.py`` (docs/tools.md has the table); ``Evidence.meaning`` says in words
what the score means ("措辞相近：共有“新质生产力”“现代化产业体系”等词").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

from qa.text.normalise import fold, match_form_with_offsets

_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_SHOWN = 3  # words named in a meaning


@dataclass(frozen=True)
class CloseRule:
    """When a stored sentence is 相近 to a draft sentence (``eval/draft_archive.py`` chose these).

    The claim's words make up for a lower cosine: a stored sentence is close when its cosine is
    at least ``min_cosine`` and ``cosine + weight × words`` reaches ``min_score``, ``words`` being
    the larger of the share found in the stored sentence and ``context_weight`` × the share found
    in its passage; and when no figure of the draft sentence is missing from the passage.
    """

    min_cosine: float = 0.9
    weight: float = 0.225
    min_score: float = 1.08
    context_weight: float = 0.0

    def score(self, cosine: float, evidence: Evidence) -> float:
        """The cosine with the claim's words added (what ``min_score`` is compared with)."""
        words = max(evidence.words, self.context_weight * evidence.context)
        return cosine + self.weight * words

    def holds(self, cosine: float, evidence: Evidence) -> bool:
        """Whether the evidence shows the same claim."""
        return (
            cosine >= self.min_cosine
            and not evidence.numbers_differ
            and self.score(cosine, evidence) >= self.min_score
        )


@dataclass(frozen=True)
class Evidence:
    """What a draft sentence shares with a stored sentence and its passage.

    ``words`` and ``context`` are IDF-weighted shares (0–1) of the draft sentence's content words
    found in the stored sentence and in its passage; ``shared`` the most informative of those in
    the stored sentence, ``unshared`` of those in neither; ``numbers_differ`` the draft's numbers
    its passage does not hold.
    """

    words: float
    context: float
    shared: tuple[str, ...] = ()
    unshared: tuple[str, ...] = ()
    numbers_differ: tuple[str, ...] = ()

    def meaning(self, kind: str) -> str:
        """The score in words, for ``kind`` "repeat", "close" or "new" (the draft sentence's class)."""
        shared = "".join(f"“{w}”" for w in self.shared)
        unshared = "".join(f"“{w}”" for w in self.unshared)
        if kind == "repeat":
            return "表述相同：本句与此句措辞一致或几乎一致"
        if kind == "close":
            text = f"措辞相近：共有{shared}等词" if shared else "意思相近：说法不同"
            return text + (f"；本句另有{unshared}" if unshared else "")
        if self.numbers_differ:
            numbers = "、".join(self.numbers_differ)
            return f"只是话题相近：本句的数字{numbers}不见于此处"
        if shared and unshared:
            return f"只是话题相近：共有{shared}，但本句的{unshared}未见于此处"
        if shared:
            return f"只是话题相近：共有{shared}"
        return "未见相同的词语"


NO_EVIDENCE = Evidence(0.0, 0.0)


class ClaimMatcher:
    """Weighs the words of draft sentences against stored texts with one index's tokenizer and IDF."""

    def __init__(self, words: Callable[[str], list[str]], idf: Callable[[str], float]) -> None:
        self._words = words
        self._idf = lru_cache(maxsize=65536)(idf)
        self._sets: dict[str, frozenset[str]] = {}

    def word_set(self, text: str) -> frozenset[str]:
        """The content words of ``text`` (cached per text)."""
        found = self._sets.get(text)
        if found is None:
            found = self._sets.setdefault(text, frozenset(self._words(text)))
        return found

    def evidence(self, draft: str, stored: str, passage: str) -> Evidence:
        """What ``draft`` shares with ``stored`` (a sentence of ``passage``) and with ``passage``."""
        own = self.word_set(draft)
        weights = {w: self._idf(w) for w in own}
        total = sum(weights.values())
        in_sentence = own & self.word_set(stored)
        in_passage = own & self.word_set(passage)
        words = sum(weights[w] for w in in_sentence) / total if total else 0.0
        context = sum(weights[w] for w in in_passage) / total if total else 0.0
        return Evidence(
            round(words, 4),
            round(max(context, words), 4),
            _runs(draft, in_sentence, weights),
            _heaviest(own - in_passage, weights),
            numbers_differ(draft, passage),
        )


def numbers_differ(draft: str, passage: str) -> tuple[str, ...]:
    """The figures of ``draft`` written in digits (full-width ones too) that ``passage`` does not
    hold. Numerals in words (一项, 五年来) are no figures: they are read as written."""
    held = set(_NUMBER.findall(fold(passage)))
    return tuple(dict.fromkeys(n for n in _NUMBER.findall(fold(draft)) if n not in held))


def _heaviest(words: Iterable[str], weights: dict[str, float]) -> tuple[str, ...]:
    """The heaviest ``words``, none inside another shown, at most ``_SHOWN``."""
    chosen: list[str] = []
    for word in sorted(words, key=lambda w: (-weights[w], -len(w), w)):
        if not any(word in kept or kept in word for kept in chosen):
            chosen.append(word)
    return tuple(chosen[:_SHOWN])


def _runs(text: str, words: Iterable[str], weights: dict[str, float]) -> tuple[str, ...]:
    """``words`` as they stand in ``text``, neighbours joined (新质 + 生产力 → 新质生产力), heaviest
    first, at most ``_SHOWN``."""
    form, origin = match_form_with_offsets(text)
    spans: list[tuple[int, int, float]] = []
    for word in words:
        start = form.find(word)
        while start >= 0:
            spans.append((start, start + len(word), weights[word]))
            start = form.find(word, start + 1)
    runs: list[list[float]] = []  # [start, end, weight]
    for start, end, weight in sorted(spans):
        if runs and start <= runs[-1][1]:
            runs[-1][1] = max(runs[-1][1], end)
            runs[-1][2] += weight
        else:
            runs.append([start, end, weight])
    runs.sort(key=lambda run: -run[2])
    shown = [text[origin[int(start)] : origin[int(end) - 1] + 1] for start, end, _ in runs[:_SHOWN]]
    return tuple(dict.fromkeys(shown))
