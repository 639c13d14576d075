"""Cut cleaned documents into passages: the unit that is indexed, ranked and shown.

Paragraphs are the unit. Section headings are recognised and carried on every passage
below them instead of becoming passages of their own; very long paragraphs are split at
sentence ends into passages of similar size; tiny list lines are merged with their
neighbours.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from itertools import pairwise
from typing import TYPE_CHECKING

from qa.ingest.blocks import PageUnit, Reading
from qa.ingest.cleaning import CN_NUMBER
from qa.ingest.tracked import TrackedText
from qa.passages.sentences import split_overlong, split_sentences

if TYPE_CHECKING:
    from qa.ingest.documents import Document

# (level, pattern) of the heading styles of Chinese speeches, outermost first.
_STANDALONE_HEADINGS = (
    (1, re.compile(rf"^{CN_NUMBER}、")),
    (1, re.compile(r"^第[一二三四五六七八九十]+(部分|章|节)")),
    (2, re.compile(rf"^[(（]{CN_NUMBER}[)）]")),
)
# A paragraph that opens with "一要…。", "一是要…。" or "(三)要…。" names its own topic.
_LEAD_HEADINGS = (
    (2, re.compile(rf"^[(（]{CN_NUMBER}[)）][^。！？]{{2,60}}(?=[。！？])")),
    (3, re.compile(rf"^{CN_NUMBER}[是要][^。！？，,;；]{{2,30}}(?=[。！？])")),
)
# "同志们，…" after the numbered points opens the closing words, which belong to no section.
_CLOSING_SALUTATION = re.compile(r"^(各位[^，,。]{0,10}[、，,]\s*)?同志们[，,！!]")
_HEADING_MAX = 80
# A numbered line that ends a sentence after a clause break is an item, not a heading:
# "（十）健康申报证明从2月17日开始办理，至新冠肺炎疫情解除为止。" (but "（一）加强组织领导。" heads).
_ARTICLE = re.compile(r"^第[一二三四五六七八九十百零〇]+条")
_CHAPTER = re.compile(r"^第[一二三四五六七八九十百零〇]+章")
_SENTENCE_ITEM = re.compile(r"[，,；;：:].*[。！？!?]$")
# Bump when cleaning, passage cutting, ``Passage.index_text`` or ``sentences_of`` change:
# unchanged files are then cut again and no vector is reused, since the cache is keyed by
# the texts these functions make.
PIPELINE_VERSION = 8  # 8: PDFs read with positions (footnotes after their paragraph, columns)


@dataclass(frozen=True)
class ChunkSettings:
    """How documents are cut into passages; recorded in the index manifest."""

    max_chars: int = 450
    min_chars: int = 60
    headings_in_index: bool = True
    overlap_sentences: int = 0


@dataclass(frozen=True)
class Passage:
    """A passage with everything needed to show where it comes from."""

    passage_id: str
    source: str
    doc_title: str
    doc_date: str | None
    section: str | None
    section_path: tuple[str, ...]
    paragraph: int
    paragraph_end: int
    start: int
    end: int
    text: str
    # The pages (slides) the passage starts and ends on, 0 when its document has none, and
    # whether any of its text was recognised from an image (OCR): a reader checks the original.
    page: int = 0
    page_end: int = 0
    page_label: str = ""  # "第3页", "第3—4页", "第2张幻灯片": the place a citation names
    ocr: bool = False
    # A piece of a paragraph too long for one passage: piece ``part`` (from 1) of ``parts``;
    # both 0 when the passage holds whole paragraphs. Cited as "第4段之二".
    part: int = 0
    parts: int = 0
    # The article of a regulation the passage belongs to ("第十二条"; "" outside articles): an
    # article's items ("（一）…") below it belong to it too. Its chapter is in ``section_path``.
    article: str = ""

    def index_text(self, settings: ChunkSettings) -> str:
        """The text that is embedded and BM25-indexed for this passage."""
        if not settings.headings_in_index or not self.section_path:
            return self.text
        context = " ".join(h for h in self.section_path if not self.text.startswith(h))
        return f"{context}\n{self.text}" if context else self.text

    def to_json(self) -> dict[str, object]:
        """A JSON-ready dict (``section_path`` as a list)."""
        record = asdict(self)
        record["section_path"] = list(self.section_path)
        return record

    @classmethod
    def from_json(cls, record: dict[str, object]) -> Passage:
        """Inverse of ``to_json``."""
        fields = dict(record)
        fields["section_path"] = tuple(fields.get("section_path") or ())  # type: ignore[arg-type]
        return cls(**fields)  # type: ignore[arg-type]


@dataclass
class Paragraph:
    """A numbered body paragraph and the headings of its section, outermost first."""

    text: TrackedText
    number: int
    headings: tuple[str, ...]


def heading_of(text: str) -> tuple[int, str, bool] | None:
    """``(level, heading, standalone)`` when ``text`` is or opens with a section heading."""
    sentence = _SENTENCE_ITEM.search(text)
    if len(text) <= _HEADING_MAX and not sentence and not re.search(r"[。！？!?]", text[:-1] + " "):
        for level, pattern in _STANDALONE_HEADINGS:
            if pattern.match(text):
                return level, text.rstrip("。"), True
    for level, pattern in _LEAD_HEADINGS:
        if (match := pattern.match(text)) and not (sentence and match.end() >= len(text) - 1):
            return level, match.group(0), False
    return None


def paragraphs_with_headings(paragraphs: Iterable[TrackedText]) -> list[Paragraph]:
    """The body paragraphs, numbered, each with the section headings above it (headings not counted).

    A numbered line is a section heading only when it has a body: one beside a sibling at
    its own level ("一、元旦…" above "二、春节…"), or at the end, is an item of a list, and
    is kept as a paragraph.
    """
    texts = list(paragraphs)
    found = [heading_of(text.text) for text in texts]
    standalone = [f[0] if f and f[2] else None for f in found]
    stack: list[tuple[int, str]] = []
    result: list[Paragraph] = []
    number = 0
    for i, text in enumerate(texts):
        if _CLOSING_SALUTATION.match(text.text):
            stack = []
        elif (heading := found[i]) and not _list_item(standalone, i):
            level, name, alone = heading
            stack = [(lvl, h) for lvl, h in stack if lvl < level] + [(level, name)]
            if alone:
                continue
        number += 1
        result.append(Paragraph(text, number, tuple(h for _, h in stack)))
    return result


def _list_item(standalone: list[int | None], i: int) -> bool:
    """Whether the standalone heading at ``i`` (its level, else None) is an item of a list."""
    level = standalone[i]
    if level is None:
        return False
    siblings = [standalone[j] for j in (i - 1, i + 1) if 0 <= j < len(standalone)]
    return i == len(standalone) - 1 or level in siblings


def sentences_of(text: str, min_chars: int = 6) -> list[str]:
    """The sentences of a passage (short fragments dropped), or the whole text if none is left.

    Sentences are embedded on their own: a question usually matches one sentence, and a
    sentence vector is not diluted by the rest of a long passage. They end where
    ``qa.passages.sentences`` says: never inside a quotation, closing quotes kept.
    """
    pieces = (p.strip() for line in text.splitlines() for p in split_sentences(line))
    kept = [p for p in pieces if len(p) >= min_chars]
    return kept or [text.strip()]


def split_long(text: TrackedText, max_chars: int, overlap: int = 0) -> list[TrackedText]:
    """Split at sentence ends into pieces of similar length, none much over ``max_chars``.

    Pieces start and end only where a sentence does (``qa.passages.sentences``: at 。！？；,
    never inside a quotation or bracket, never at a comma). A single sentence longer than
    ``max_chars`` by more than a quarter is the one exception: as a last resort it is cut at
    the clause end nearest that limit (``split_overlong``), so a piece may then start inside
    that sentence.

    With ``overlap``, each piece after the first starts with the last ``overlap`` sentences
    of the piece before it (those short enough: at most a third of ``max_chars`` each).
    """
    if len(text) <= max_chars:
        return [text]
    units = [u for u in split_sentences(text) if u.text.strip()]
    # A sentence may stand alone up to the pieces' tolerance (a quarter over ``max_chars``).
    units = [piece for u in units for piece in split_overlong(u, int(max_chars * 1.25))]
    target = len(text) / math.ceil(len(text) / max_chars)
    pieces: list[list[TrackedText]] = [[]]
    size = 0
    for unit in units:
        if pieces[-1] and (size + len(unit) / 2 > target or size + len(unit) > max_chars * 1.25):
            pieces.append([])
            size = 0
        pieces[-1].append(unit)
        size += len(unit)
    if overlap:
        for before, piece in pairwise(pieces):
            carried = [u for u in before[-overlap:] if len(u) <= max_chars // 3]
            piece[:0] = carried
    return [TrackedText.join(p).strip() for p in pieces if p]


@dataclass
class _Draft:
    pieces: list[TrackedText]
    first: int
    last: int
    headings: tuple[str, ...]
    part: int = 0  # which piece of a split paragraph (from 1), 0 for a whole one
    parts: int = 0
    article: str = ""

    @property
    def size(self) -> int:
        return sum(len(p) for p in self.pieces)


def _merge_small(
    drafts: list[_Draft], settings: ChunkSettings, reading: Reading | None = None
) -> list[_Draft]:
    """Small drafts joined to their neighbour in the same section; never across slides, nor text
    recognised by OCR with typeset text (``reading``)."""
    merged: list[_Draft] = []
    slides = reading is not None and reading.page_unit == "slide"
    ocr_pages = set(reading.ocr_pages) if reading is not None else set()
    for draft in drafts:
        previous = merged[-1] if merged else None
        fits = previous is not None and previous.size + draft.size <= settings.max_chars * 1.25
        same_section = previous is not None and previous.headings == draft.headings
        if slides and previous is not None and reading is not None:
            same_section &= reading.page_at(previous.pieces[-1].start) == reading.page_at(
                draft.pieces[0].start
            )
        if ocr_pages and previous is not None and reading is not None:  # OCR'd text is marked: kept apart
            end = max(previous.pieces[-1].end - 1, previous.pieces[-1].start)
            same_section &= (reading.page_at(end) in ocr_pages) == (
                reading.page_at(draft.pieces[0].start) in ocr_pages
            )
        # An article ("第十二条 …") is what a regulation is cited by: it starts a passage of its own.
        article = bool(_ARTICLE.match(draft.pieces[0].text))
        # A piece of a split paragraph stays alone, so that "第4段之二" names exactly what it holds.
        whole = previous is not None and not previous.parts and not draft.parts
        small = previous is not None and min(previous.size, draft.size) < settings.min_chars
        if previous and fits and same_section and not article and whole and small:
            previous.pieces.extend(draft.pieces)
            previous.last = draft.last
        else:
            merged.append(draft)
    return merged


def make_passages(document: Document, settings: ChunkSettings | None = None) -> list[Passage]:
    """Cut one document into passages with section, paragraph number and source offsets."""
    settings = settings or ChunkSettings()
    drafts: list[_Draft] = []
    for para, article in articles_of(paragraphs_with_headings(document.paragraphs)):
        pieces = split_long(para.text, settings.max_chars, settings.overlap_sentences)
        split = len(pieces) > 1
        drafts += [
            _Draft(
                [piece],
                para.number,
                para.number,
                para.headings,
                part if split else 0,
                len(pieces) if split else 0,
                article,
            )
            for part, piece in enumerate(pieces, 1)
        ]
    passages: list[Passage] = []
    part_of: dict[int, int] = {}
    for draft in _merge_small(drafts, settings, document.reading):
        text = TrackedText.join(_with_breaks(draft.pieces))
        part_of[draft.first] = part_of.get(draft.first, 0) + 1
        reading = document.reading
        first_page, last_page = reading.page_at(text.start), reading.page_at(max(text.end - 1, text.start))
        passages.append(
            Passage(
                passage_id=f"{document.source}#{draft.first}.{part_of[draft.first]}",
                source=document.source,
                doc_title=document.title,
                doc_date=document.date,
                section=draft.headings[-1] if draft.headings else None,
                section_path=draft.headings,
                paragraph=draft.first,
                paragraph_end=draft.last,
                start=text.start,
                end=text.end,
                text=text.text,
                page=first_page,
                page_end=last_page,
                page_label=page_label(first_page, last_page, reading.page_unit),
                ocr=any(first_page <= page <= last_page for page in reading.ocr_pages),
                part=draft.part,
                parts=draft.parts,
                article=draft.article,
            )
        )
    return passages


def articles_of(paragraphs: list[Paragraph]) -> list[tuple[Paragraph, str]]:
    """Each paragraph with the article it belongs to ("第十二条", else ""): the one it opens
    with, else the last one above it in the same chapter."""
    result: list[tuple[Paragraph, str]] = []
    article, chapter = "", tuple[str, ...]()
    for para in paragraphs:
        chapters = tuple(h for h in para.headings if _CHAPTER.match(h))
        if chapters != chapter:
            article, chapter = "", chapters
        if match := _ARTICLE.match(para.text.text):
            article = match.group(0)
        result.append((para, article))
    return result


def page_label(first: int, last: int, unit: PageUnit = "page") -> str:
    """How a citation names pages ``first``…``last``: "第3页", "第3—4页", "第2张幻灯片" ("" for page 0)."""
    if first <= 0:
        return ""
    pages = f"{first}" if last <= first else f"{first}—{last}"
    return f"第{pages}张幻灯片" if unit == "slide" else f"第{pages}页"


def _with_breaks(pieces: list[TrackedText]) -> list[TrackedText]:
    # Pieces from different source lines are shown as separate lines.
    out: list[TrackedText] = []
    for piece in pieces:
        if out and piece.start > out[-1].end:
            out.append(TrackedText("\n", (out[-1].end,)))
        out.append(piece)
    return out
