"""Draft checking (查重与提法核对): each sentence of a draft against the collection's sentences.

A draft is cut into sentences (at 。！？；, their ASCII forms and line breaks; a closing quote
or bracket stays with its sentence). Each sentence is embedded with the document prompt,
like the stored sentence vectors it is compared with, and its nearest stored sentences
are looked up in ``index.sentences``. A sentence is

- ``repeat`` (重复) when it is the same formulation as a stored sentence, or lies inside a
  stored passage: ``lexical.near_duplicate`` on character trigrams, the test that folds
  repeated passages in search results;
- ``close`` (相近) when not, but a stored sentence says the same thing in other words: close
  in meaning (cosine), sharing most of the sentence's informative words in that sentence or
  its passage, and no other figures (``qa.tools.claim.CloseRule``). The cosine alone sits in
  the noise of an archive written in one register; that source is shown first;
- ``new`` (新) otherwise (its nearest stored sentence is still shown, "只是话题相近").

``CloseRule``'s thresholds were chosen with ``eval/draft_archive.py`` on the calibration half of
``eval/draft_archive.tsv`` (the seeds and twenty government work reports; docs/tools.md). An
index too large to keep sentence vectors (``build.SENTENCE_VECTORS_LIMIT`` passages) is compared
with its passage vectors instead, the matched sentence being the passage's sentence sharing
most wording; the rule was not measured for that case.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from qa.passages.cutting import sentences_of
from qa.passages.reliability import CLEAN, Reliability
from qa.retrieve.defaults import default_retriever
from qa.retrieve.retriever import Retriever
from qa.text.tokens import near_duplicate, shingles
from qa.tools.claim import NO_EVIDENCE, ClaimMatcher, CloseRule, Evidence

Kind = Literal["repeat", "close", "new"]
KIND_LABELS: dict[Kind, str] = {"repeat": "重复", "close": "相近", "new": "新"}
MAX_DRAFT_CHARS = 20_000
MIN_SENTENCE_CHARS = 6  # shorter pieces ("同志们：", "一、") are not checked, as in ``sentences_of``
CLOSE_RULE = CloseRule()
MATCHES_PER_SENTENCE = 3
TOP_DOCUMENTS = 5
CANDIDATES = 10  # nearest stored sentences looked at per draft sentence
# Most of the draft sentence must be in the stored text: ``near_duplicate`` alone would also
# call a long draft sentence a repeat because a short stored sentence lies inside it.
_REPEAT_COVER = 0.8
_CLOSING = "”’」』）)\\]\"'"
_SENTENCE_END = re.compile(
    rf"(?<=[。！？!?；;])(?![{_CLOSING}])|(?<=[。！？!?；;][{_CLOSING}])(?![{_CLOSING}])"
)


class DraftInputError(ValueError):
    """A draft that cannot be checked. ``chinese`` is the reason for the page, ``str()`` adds English."""

    def __init__(self, chinese: str, english: str) -> None:
        super().__init__(f"{chinese} {english}")
        self.chinese = chinese


@dataclass(frozen=True)
class Match:
    """A stored sentence close to a draft sentence, with its source.

    ``cosine`` is between the two sentence vectors (document prompt on both sides);
    ``same_wording`` says the draft sentence repeats this sentence or lies inside its passage;
    ``evidence`` what the two share beside the cosine (``qa.tools.claim``), ``same_claim``
    whether that makes the stored sentence 相近 (``CloseRule``).
    """

    passage_id: str
    doc_title: str
    doc_date: str | None
    section: str | None
    paragraph: int
    sentence: str
    cosine: float
    source: str
    same_wording: bool = False
    # Whether the passage's words may differ from the original (``qa.passages.reliability``).
    reliability: Reliability = CLEAN
    evidence: Evidence = NO_EVIDENCE
    same_claim: bool = False

    def meaning(self, kind: Kind) -> str:
        """What this match means for a sentence of class ``kind``, in words ("措辞相近：共有…")."""
        if self.same_wording:
            return self.evidence.meaning("repeat")
        return self.evidence.meaning("close" if kind == "close" and self.same_claim else "new")


@dataclass(frozen=True)
class SentenceCheck:
    """A sentence of the draft (``draft[start:end]``), its class and closest stored sentences, best first."""

    sentence: str
    start: int
    end: int
    kind: Kind
    matches: tuple[Match, ...]

    @property
    def label(self) -> str:
        """The class in Chinese: 重复, 相近 or 新."""
        return KIND_LABELS[self.kind]


@dataclass(frozen=True)
class DocumentUse:
    """How much of a draft an indexed document accounts for (its sentences' best source)."""

    source: str
    title: str
    date: str | None
    repeated_chars: int
    close_chars: int
    sentences: int


@dataclass(frozen=True)
class DraftCheck:
    """The check of a whole draft.

    ``characters`` counts the draft's characters other than whitespace; ``repeated_share``
    and ``close_share`` are the shares of them (0–1) in ``repeat`` and ``close`` sentences.
    ``top_documents`` are the documents the repeated and close sentences come from, most
    characters first.
    """

    text: str
    sentences: tuple[SentenceCheck, ...]
    characters: int
    repeated_share: float
    close_share: float
    top_documents: tuple[DocumentUse, ...]
    build_id: str
    rule: CloseRule = CLOSE_RULE

    @property
    def new_share(self) -> float:
        """Share of the draft's characters in sentences classed ``new``."""
        chars = sum(_chars(s.sentence) for s in self.sentences if s.kind == "new")
        return chars / self.characters if self.characters else 0.0


def clean_draft(text: str) -> str:
    """``text`` if it can be checked; ``DraftInputError`` (a ``ValueError``) if empty or too long."""
    if not isinstance(text, str):
        raise TypeError(f"draft must be a str, not {type(text).__name__}")
    if not text.strip():
        raise DraftInputError(
            "稿件为空：请粘贴要核对的文字。", "The draft is empty: paste the text to check."
        )
    if len(text) > MAX_DRAFT_CHARS:
        raise DraftInputError(
            f"稿件过长（{len(text)}字）：每次最多核对{MAX_DRAFT_CHARS}字，请分段核对。",
            f"The draft has {len(text)} characters; check at most {MAX_DRAFT_CHARS} at a time.",
        )
    return text


def split_draft(text: str) -> list[tuple[int, int]]:
    """The (start, end) offsets of the draft's sentences of at least ``MIN_SENTENCE_CHARS`` characters."""
    spans = []
    position = 0
    for line in text.splitlines(keepends=True):
        offset = position
        for piece in _SENTENCE_END.split(line):
            stripped = piece.strip()
            if len(stripped) >= MIN_SENTENCE_CHARS:
                start = offset + piece.index(stripped)
                spans.append((start, start + len(stripped)))
            offset += len(piece)
        position += len(line)
    return spans


def check_draft(text: str, retriever: Retriever | None = None, rule: CloseRule = CLOSE_RULE) -> DraftCheck:
    """Class every sentence of ``text`` as repeated, close or new against ``retriever``'s index.

    ``retriever`` defaults to the default index's (as ``qa.search``). Raises
    ``DraftInputError`` (a ``ValueError``, in Chinese and English) for an empty draft, one
    over ``MAX_DRAFT_CHARS`` characters, or one without a sentence of ``MIN_SENTENCE_CHARS``
    characters; the index's errors are ``qa.QAError``.
    """
    text = clean_draft(text)
    spans = split_draft(text)
    if not spans:
        raise DraftInputError(
            f"没有可核对的句子（每句至少{MIN_SENTENCE_CHARS}个字）。",
            f"The draft has no sentence of at least {MIN_SENTENCE_CHARS} characters to check.",
        )
    retriever = retriever or default_retriever()
    sentences = [text[start:end] for start, end in spans]
    unique = list(dict.fromkeys(sentences))
    checked = dict(zip(unique, SentenceChecker(retriever, rule).check(unique), strict=True))
    results = tuple(
        SentenceCheck(sentence, start, end, *checked[sentence])
        for sentence, (start, end) in zip(sentences, spans, strict=True)
    )
    characters = _chars(text)
    repeated = sum(_chars(s.sentence) for s in results if s.kind == "repeat")
    close = sum(_chars(s.sentence) for s in results if s.kind == "close")
    return DraftCheck(
        text=text,
        sentences=results,
        characters=characters,
        repeated_share=repeated / characters,
        close_share=close / characters,
        top_documents=_top_documents(results),
        build_id=retriever.index.build_id,
        rule=rule,
    )


class SentenceChecker:
    """Classes sentences against one index's stored sentences (for one check: it caches shingles)."""

    def __init__(
        self, retriever: Retriever, rule: CloseRule = CLOSE_RULE, keep: int = MATCHES_PER_SENTENCE
    ) -> None:
        self.keep = keep  # matches returned per sentence (the evaluation keeps every candidate)
        self.index = retriever.index
        self.embedder = retriever.embedder
        self.rule = rule
        lexical = self.index.lexical
        self.claims = ClaimMatcher(lexical.tokenizer.words, lexical.idf)
        self._shingle_sets: dict[str, frozenset[str]] = {}
        self._sentence_texts: dict[int, list[str]] = {}

    def check(self, sentences: list[str]) -> list[tuple[Kind, tuple[Match, ...]]]:
        """The class and matches (best first, at most ``MATCHES_PER_SENTENCE``) of each sentence, in order.

        The sentences are embedded together (the embedder batches them by length).
        """
        vectors = self.embedder.encode_documents(sentences)
        by_sentence = self.index.sentences.size > 0
        store = self.index.sentences if by_sentence else self.index.vectors
        cosines, rows = store.search(vectors, min(CANDIDATES, store.size))
        return [
            self._classify(sentence, cosines[i], rows[i], by_sentence) for i, sentence in enumerate(sentences)
        ]

    def _classify(
        self, sentence: str, cosines: np.ndarray, rows: np.ndarray, by_sentence: bool
    ) -> tuple[Kind, tuple[Match, ...]]:
        own = shingles(sentence)
        matches = []
        for cosine, row in zip(cosines, rows, strict=True):
            if row < 0:
                continue
            passage_row = int(self.index.sentence_owner[row]) if by_sentence else int(row)
            stored = self._stored_sentence(int(row), passage_row, own, by_sentence)
            same = _repeats(own, self._shingles(stored)) or _repeats(own, self._passage_shingles(passage_row))
            passage = self.index.passages[passage_row]
            evidence = self.claims.evidence(sentence, stored, passage.text)
            matches.append(
                Match(
                    passage.passage_id,
                    passage.doc_title,
                    passage.doc_date,
                    passage.section,
                    passage.paragraph,
                    stored,
                    round(float(cosine), 4),
                    passage.source,
                    same,
                    self.index.reliability(passage_row),
                    evidence,
                    self.rule.holds(float(cosine), evidence),
                )
            )
        matches = _distinct(matches)
        matches.sort(
            key=lambda m: (not m.same_wording, not m.same_claim, -m.same_claim * m.evidence.words, -m.cosine)
        )
        if matches and matches[0].same_wording:
            kind: Kind = "repeat"
        elif matches and matches[0].same_claim:
            kind = "close"
        else:
            kind = "new"
        return kind, tuple(matches[: self.keep])

    def _stored_sentence(self, row: int, passage_row: int, own: frozenset[str], by_sentence: bool) -> str:
        texts = self._sentence_texts.get(passage_row)
        if texts is None:
            texts = self._sentence_texts.setdefault(
                passage_row, sentences_of(self.index.passages[passage_row].text)
            )
        if by_sentence:
            first = self.index.sentence_rows(passage_row).start
            return texts[row - first] if 0 <= row - first < len(texts) else texts[0]
        # No sentence vectors (a very large index): the passage's sentence sharing most wording.
        return max(texts, key=lambda t: len(own & self._shingles(t)))

    def _shingles(self, text: str) -> frozenset[str]:
        found = self._shingle_sets.get(text)
        if found is None:
            found = self._shingle_sets.setdefault(text, shingles(text))
        return found

    def _passage_shingles(self, passage_row: int) -> frozenset[str]:
        return self._shingles(self.index.passages[passage_row].text)


def _shown_order(match: Match) -> tuple[bool, bool, float, float]:
    """The same wording first, then sources sharing the claim (most of its words first), then the rest."""
    return (
        not match.same_wording,
        not match.same_claim,
        -match.same_claim * match.evidence.words,
        -match.cosine,
    )


def _repeats(draft: frozenset[str], stored: frozenset[str]) -> bool:
    return near_duplicate(draft, stored) and len(draft & stored) >= _REPEAT_COVER * len(draft)


def _distinct(matches: Sequence[Match]) -> list[Match]:
    """One match per stored sentence in a passage (the fallback may name a sentence twice)."""
    seen: set[tuple[str, str]] = set()
    kept = []
    for match in matches:
        key = (match.passage_id, match.sentence)
        if key not in seen:
            seen.add(key)
            kept.append(match)
    return kept


def _top_documents(results: Sequence[SentenceCheck]) -> tuple[DocumentUse, ...]:
    repeated: Counter[str] = Counter()
    close: Counter[str] = Counter()
    counts: Counter[str] = Counter()
    about: dict[str, Match] = {}
    for result in results:
        if result.kind == "new" or not result.matches:
            continue
        best = result.matches[0]
        about.setdefault(best.source, best)
        (repeated if result.kind == "repeat" else close)[best.source] += _chars(result.sentence)
        counts[best.source] += 1
    ranked = sorted(about, key=lambda s: (-(repeated[s] + close[s]), -repeated[s], s))[:TOP_DOCUMENTS]
    return tuple(
        DocumentUse(s, about[s].doc_title, about[s].doc_date, repeated[s], close[s], counts[s])
        for s in ranked
    )


def _chars(text: str) -> int:
    return sum(1 for ch in text if not ch.isspace())
