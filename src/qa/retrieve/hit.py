"""What a search returns: ``Hit`` (a passage with its source and why it matched), ``Answer``
(hits, or why there are none) and ``Ranking`` (every candidate's scores)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from qa.passages import reliability
from qa.passages.cutting import Passage
from qa.passages.reliability import Reliability

log = logging.getLogger(__name__)


NO_ANSWER = "未找到相关内容。"


@dataclass(frozen=True)
class Hit:
    """One ranked passage with its source and why it matched."""

    text: str
    score: float
    doc_title: str
    doc_date: str | None
    source: str
    section: str | None
    section_path: tuple[str, ...]
    paragraph: int
    paragraph_end: int
    passage_id: str
    start: int
    end: int
    matched_terms: tuple[str, ...] = ()
    lexical_score: float = 0.0
    dense_score: float = 0.0
    found_by: Literal["words", "meaning", "both"] = "both"
    best_sentences: tuple[str, ...] = ()
    also_in: tuple[str, ...] = field(default=())
    # Published with words removed (``qa.passages.damage``): the gapped formulas of this passage as they
    # stand in it, and whether it or its whole document shows the deletions.
    suspected_gaps: tuple[str, ...] = ()
    damaged: bool = False
    # ``paragraph`` counted within the outermost section (``section_path[0]``; 1 = its first
    # paragraph), for citations; 0 when the passage is in no section.
    section_paragraph: int = 0
    # The pages (slides) the passage is on, 0 when its document has none; whether its text was
    # recognised from a scanned or photographed page (OCR), so a reader checks the original.
    page: int = 0
    page_end: int = 0
    page_label: str = ""
    ocr: bool = False
    # A piece of a paragraph cut at sentence ends: piece ``part`` of ``parts`` (both 0 for whole
    # paragraphs), cited "第4段之二" (``qa.passages.cutting.Passage``).
    part: int = 0
    parts: int = 0
    # The regulation's article the passage belongs to ("第十二条"), and the document's speaker
    # where it names one (``qa.ingest.fields``): citations name both.
    article: str = ""
    speaker: str = ""
    authority: str = ""  # the issuing authority of an official document (发文机关), where it names one

    @property
    def reliability(self) -> Reliability:
        """The passage's marks (``qa.passages.reliability``): words missing from its source, OCR."""
        return reliability.of(self.suspected_gaps, self.damaged, self.ocr)

    @classmethod
    def from_passage(cls, passage: Passage, score: float, **evidence: Any) -> Hit:
        """A hit for ``passage`` with its score and the evidence of why it matched."""
        return cls(
            text=passage.text,
            score=score,
            doc_title=passage.doc_title,
            doc_date=passage.doc_date,
            source=passage.source,
            section=passage.section,
            section_path=passage.section_path,
            paragraph=passage.paragraph,
            paragraph_end=passage.paragraph_end,
            passage_id=passage.passage_id,
            start=passage.start,
            end=passage.end,
            page=passage.page,
            page_end=passage.page_end,
            page_label=passage.page_label,
            ocr=passage.ocr,
            part=passage.part,
            parts=passage.parts,
            article=passage.article,
            **evidence,
        )


@dataclass(frozen=True)
class Ranking:
    """Every candidate's scores for one query (used by search and by the evaluation).

    ``coverage`` is the gate's word coverage and ``everyday`` the question's closeness to
    everyday questions (``qa.retrieve.gate``); ``missing_phrases`` the quoted phrases no
    passage contains (then there are no candidates); ``corrected`` the question as ranked
    when a typo was taken back (``LexicalIndex.transposition_fix``), else empty.
    """

    ids: np.ndarray
    fused: np.ndarray
    lexical: np.ndarray
    dense: np.ndarray
    relevant: bool
    coverage: float = 0.0
    everyday: float = 0.0
    missing_phrases: tuple[str, ...] = ()
    corrected: str = ""

    @classmethod
    def empty(cls, missing_phrases: tuple[str, ...] = (), corrected: str = "") -> Ranking:
        """No candidates (a quoted phrase no passage has; a filter that leaves no passage)."""
        none = np.zeros(0)
        return cls(
            none.astype(np.int64),
            none,
            none,
            none,
            False,
            missing_phrases=missing_phrases,
            corrected=corrected,
        )


@dataclass(frozen=True)
class Answer:
    """The hits for a question and, when there are none, why (in Chinese, for the reader)."""

    hits: list[Hit]
    message: str = ""
    corrected: str = ""  # the question as searched when a typo was taken back, else empty
    # The constraints the search applied ("2024年", "14届2次会议", "临政协办发〔2023〕12号"; "" for
    # none), and the sentence that says so ("已按2024年的文件检索。", "已按2024年的工作报告检索。")
    # (``qa.retrieve.constraints``).
    applied: str = ""
    note: str = ""


def section_paragraph(passages: Sequence[Passage], row: int) -> int:
    """The paragraph of ``passages[row]`` counted within its outermost section (0: no section)."""
    passage = passages[row]
    if not passage.section_path:
        return 0
    first = row
    while first > 0:
        before = passages[first - 1]
        if before.source != passage.source or before.section_path[:1] != passage.section_path[:1]:
            break
        first -= 1
    return passage.paragraph - passages[first].paragraph + 1
