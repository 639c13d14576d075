"""How far a passage's text can be trusted as a quotation: the one rule every view and export uses.

A passage carries a mark when its words may differ from the original:

- ``Mark.MISSING_WORDS`` (原文疑似缺字): the passage shows a gapped formula, or its document was
  published with words removed (``qa.passages.damage``: the gaps in the passage, and the
  words systematically deleted from the document, found over all its passages);
- ``Mark.OCR`` (扫描识别): some of its text was recognised from a scanned or photographed page.

``assess`` gives a passage's ``Reliability``; ``Reliability.notice`` is the sentence the chat
card, the reader, 提法溯源, the draft check's sources, the exports and the command line print
beside the passage, so the warning reads the same everywhere. A passage without marks gives "".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from qa.passages import damage

if TYPE_CHECKING:
    from qa.passages.cutting import Passage

OCR_NOTICE = "由扫描件识别，引用前请核对原件"
_GAPS_SHOWN = 3


class Mark(StrEnum):
    """A reason to check a passage against its original before quoting it (a ``str``: JSON as its value)."""

    MISSING_WORDS = "missing_words"
    OCR = "ocr"

    @property
    def label(self) -> str:
        """The mark's short Chinese name, as a tag on a passage."""
        return LABELS[self]


LABELS: dict[Mark, str] = {Mark.MISSING_WORDS: "原文疑似缺字", Mark.OCR: "扫描识别"}


@dataclass(frozen=True)
class Reliability:
    """A passage's marks (``Mark``, in a fixed order) and the gapped formulas standing in its text."""

    marks: tuple[Mark, ...] = ()
    suspected_gaps: tuple[str, ...] = ()

    @property
    def damaged(self) -> bool:
        """Whether words may be missing from the passage (its own gaps or its document's deletions)."""
        return Mark.MISSING_WORDS in self.marks

    @property
    def ocr(self) -> bool:
        """Whether some of the passage's text was recognised from an image."""
        return Mark.OCR in self.marks

    @property
    def labels(self) -> tuple[str, ...]:
        """The marks' Chinese names ("原文疑似缺字", "扫描识别")."""
        return tuple(mark.label for mark in self.marks)

    def notice(self) -> str:
        """The warning printed beside the passage, "" when it has no mark.

        "原文疑似缺字，引用前请核对（疑似缺字处：“…”）；由扫描件识别，引用前请核对原件".
        """
        warnings = []
        if self.damaged:
            gaps = "".join(f"“{gap}”" for gap in self.suspected_gaps[:_GAPS_SHOWN])
            more = "等" if len(self.suspected_gaps) > _GAPS_SHOWN else ""
            where = f"（疑似缺字处：{gaps}{more}）" if gaps else "（本文多处疑似缺字）"
            warnings.append(damage.NOTICE + where)
        if self.ocr:
            warnings.append(OCR_NOTICE)
        return "；".join(warnings)

    def to_json(self) -> dict[str, object]:
        """What the API and ``--json`` give: ``marks``, ``labels``, ``suspected_gaps``, ``notice``."""
        return {
            "marks": [mark.value for mark in self.marks],
            "labels": list(self.labels),
            "suspected_gaps": list(self.suspected_gaps),
            "notice": self.notice(),
        }

    def __bool__(self) -> bool:
        return bool(self.marks)


CLEAN = Reliability()


def assess(text: str, ocr: bool = False, document_missing: tuple[str, ...] = ()) -> Reliability:
    """The marks of a passage with ``text``: recognised by OCR or not, in a document from which
    ``document_missing`` (``damage.missing_words`` over the whole document) were deleted."""
    return of(damage.suspected_gaps(text), bool(document_missing), ocr)


def document_missing_words(passages: Sequence[Passage]) -> tuple[str, ...]:
    """The words deleted from one document (``damage.missing_words``): its ``passages``, in order,
    with their document's title and section headings.

    ``qa build`` records them in the manifest (``missing_words`` of each document), so a search
    does not read a hit's whole document to mark it.
    """
    headings = {h for p in passages for h in (p.doc_title, *p.section_path)}
    return damage.missing_words((p.text for p in passages), headings)


def of(suspected_gaps: tuple[str, ...], damaged: bool, ocr: bool) -> Reliability:
    """The record for what is already known of a passage: its gaps, whether it or its document is
    damaged, whether it was recognised by OCR."""
    marks = []
    if damaged or suspected_gaps:
        marks.append(Mark.MISSING_WORDS)
    if ocr:
        marks.append(Mark.OCR)
    return Reliability(tuple(marks), tuple(suspected_gaps)) if marks or suspected_gaps else CLEAN
