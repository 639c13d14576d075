"""Scans and photos: page images read by OCR (``qa.ingest.ocr``) into lines in reading order.

``layout_lines`` orders a page's recognised lines as a reader reads them (``qa.ingest.layout``:
a two-column page column by column, a line across the gutter closing the columns above it,
fragments of one row joined), an indented row (a paragraph's first line) given leading
spaces. The lines then go through the same rules as a PDF's text layer
(``qa.ingest.pdf.paged_paragraphs``): paragraphs rejoined, running headers and page numbers
removed.
"""

from __future__ import annotations

from qa.ingest.blocks import Reading
from qa.ingest.layout import Placed, reading_rows
from qa.ingest.ocr import OcrPage, engine_name

_INDENT = "    "


def layout_lines(page: OcrPage) -> list[str]:
    """The page's lines in reading order, each a row of text; an indented row starts with spaces."""
    runs = [Placed(line.text, line.x0, line.y0, line.x1, line.y1) for line in page.lines]
    return [_INDENT + row.text if row.indented else row.text for row in reading_rows(runs)]


def ocr_reading(reader: str, pages: dict[int, OcrPage], notes: tuple[str, ...] = ()) -> Reading:
    """A ``Reading`` naming the OCR engine beside ``reader``, the pages it read and their mean confidence."""
    characters = sum(page.characters for page in pages.values())
    confidence = sum(page.confidence_sum() for page in pages.values()) / characters if characters else None
    name = f"{reader} + {engine_name()}" if reader else engine_name()
    return Reading(reader=name, ocr_pages=tuple(sorted(pages)), ocr_confidence=confidence, notes=notes)
