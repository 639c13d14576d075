"""What a format reader hands to cleaning: the file's text as typed blocks, one a line.

After unstructured's elements: a reader only extracts; it says what each block is (a
table row, a heading, a list item, a metadata line, or plain text it cannot tell), and
cleaning decides on kinds instead of guessing from the words. Text a reader itself
recognises as page furniture (a PDF's running header, a Word page footer) is handed over
as a ``Removal`` so the cleaning report can account for it.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field, replace
from typing import Literal

BlockKind = Literal["text", "heading", "list_item", "table_row", "metadata", "note"]
PageUnit = Literal["page", "slide"]
# Blocks the format itself marks as content: never taken for site furniture by their words.
STRUCTURED: frozenset[str] = frozenset({"heading", "list_item", "table_row", "note"})

_LATIN_EDGE = re.compile(r"[0-9A-Za-z]")
_WORD_TITLE = re.compile(r"^Microsoft (Word|PowerPoint) - |\.(docx?|wps|pdf)$", re.I)


@dataclass(frozen=True)
class Block:
    """One line of a document: a paragraph, heading, list item, table row or metadata line.

    ``page`` is the page (or slide) the block starts on, 1 = the first, 0 when the format has
    no pages; ``page_breaks`` lists ``(offset into text, page)`` where a later page begins
    inside the block (a paragraph running over a page break).
    """

    text: str
    kind: BlockKind = "text"
    page: int = 0
    page_breaks: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class Reading:
    """How a file was read, beside its text: the reader, its pages and what was read by OCR.

    ``pages`` lists ``(offset into the text, page number)`` where each page (slide) begins,
    in order; empty when the format has no pages. ``ocr_pages`` are the pages whose text was
    recognised from an image, ``ocr_confidence`` the engine's mean confidence over them
    (0–1). ``notes`` are what the reader wants the build summary and ``qa inspect`` to say.
    """

    reader: str = ""
    pages: tuple[tuple[int, int], ...] = ()
    page_unit: PageUnit = "page"
    ocr_pages: tuple[int, ...] = ()
    ocr_confidence: float | None = None
    notes: tuple[str, ...] = ()

    def page_at(self, offset: int) -> int:
        """The page the character at ``offset`` of the text is on (0 when there are no pages)."""
        at = bisect_right(self.pages, (offset, 1 << 30)) - 1
        return self.pages[at][1] if at >= 0 else 0

    def summary(self) -> dict[str, object]:
        """The reading as the manifest and ``qa inspect --json`` record it (empty parts left out)."""
        record: dict[str, object] = {"reader": self.reader} if self.reader else {}
        if self.pages:
            record["pages"] = len({page for _, page in self.pages})
            record["page_unit"] = self.page_unit
        if self.ocr_pages:
            record["ocr_pages"] = list(self.ocr_pages)
        if self.ocr_confidence is not None:
            record["ocr_confidence"] = round(self.ocr_confidence, 3)
        if self.notes:
            record["notes"] = list(self.notes)
        return record


@dataclass(frozen=True)
class Removal:
    """Text taken out of a document, and the name of the rule that took it."""

    rule: str
    text: str


@dataclass(frozen=True)
class Extracted:
    """A file's text, one block a line, the title its format stores, and what its reader removed.

    ``text`` is what character offsets point into: the decoded file for .txt, the blocks
    joined by newlines otherwise. ``kinds`` maps the start offset of a line to its kind
    (lines not in it are plain ``"text"``). ``reading`` says how the file was read and where
    its pages begin in ``text``.
    """

    text: str
    title: str | None = None
    kinds: dict[int, BlockKind] = field(default_factory=dict)
    removed: tuple[Removal, ...] = ()
    reading: Reading = field(default_factory=Reading)

    @classmethod
    def of_blocks(
        cls,
        blocks: list[Block],
        title: str | None = None,
        removed: tuple[Removal, ...] = (),
        reading: Reading | None = None,
    ) -> Extracted:
        """Join ``blocks`` into one text, a line each (empty ones dropped, inner newlines split).

        The blocks' pages become ``reading.pages`` (offsets into the joined text).
        """
        lines: list[str] = []
        kinds: dict[int, BlockKind] = {}
        pages: list[tuple[int, int]] = []
        position = 0
        for block in blocks:
            breaks = [(0, block.page), *block.page_breaks] if block.page else []
            offset = 0  # into block.text
            for raw in block.text.splitlines(keepends=True):
                line = raw.strip()
                lead = len(raw) - len(raw.lstrip())
                for at, page in breaks:
                    if offset <= at < offset + len(raw) and (not pages or pages[-1][1] != page):
                        within = min(max(at - offset - lead, 0), len(line))
                        pages.append((position + within, page))
                offset += len(raw)
                if not line:
                    continue
                if block.kind != "text":
                    kinds[position] = block.kind
                lines.append(line)
                position += len(line) + 1
        reading = reading or Reading()
        if pages and not reading.pages:
            reading = replace(reading, pages=tuple(pages))
        return cls("\n".join(lines), title or None, kinds, removed, reading)


def join_lines(left: str, right: str) -> str:
    """Join two pieces of one paragraph: Chinese runs on directly, Latin words get a space."""
    if left and right and _LATIN_EDGE.match(left[-1]) and _LATIN_EDGE.match(right[0]):
        return f"{left} {right}"
    return left + right


def stored_title(title: str | None) -> str:
    """The title a file's properties store, when it is a real one ("untitled", "Document" are not)."""
    title = _WORD_TITLE.sub("", title or "").strip()
    return title if any("\u4e00" <= char <= "\u9fff" for char in title) else ""
