"""Scans and photos: page images read by OCR (``qa.ingest.ocr``) into lines in reading order.

``layout_lines`` orders a page's recognised lines as a reader reads them: a two-column page
column by column (a line across the gutter, such as a title, closes the columns above it),
fragments of one row joined, and an indented row (a paragraph's first line) given leading
spaces. The lines then go through the same rules as a PDF's text layer
(``qa.ingest.pdf.paged_paragraphs``): paragraphs rejoined, running headers and page numbers
removed.
"""

from __future__ import annotations

import itertools
import statistics

from qa.ingest.blocks import Reading
from qa.ingest.ocr import OcrLine, OcrPage, engine_name

_INDENT = "    "


def layout_lines(page: OcrPage) -> list[str]:
    """The page's lines in reading order, each a row of text; an indented row starts with spaces."""
    lines = [line for line in page.lines if line.text]
    if not lines:
        return []
    height = statistics.median(line.y1 - line.y0 for line in lines)
    rows: list[str] = []
    for column in _reading_groups(lines, height):
        rows += _rows(column, height)
    return rows


def _reading_groups(lines: list[OcrLine], height: float) -> list[list[OcrLine]]:
    """The lines in groups read one after another: bands between full-width lines, and in a band
    of a two-column page the left column, then the right."""
    left_edge = min(line.x0 for line in lines)
    right_edge = max(line.x1 for line in lines)
    middle = (left_edge + right_edge) / 2
    left = [line for line in lines if line.x1 < middle + height / 2]
    right = [line for line in lines if line.x0 > middle - height / 2 and line not in left]
    two_columns = min(len(left), len(right)) >= 3 and len(left) + len(right) >= 0.6 * len(lines)
    ordered = sorted(lines, key=lambda line: (line.y0, line.x0))
    if not two_columns:
        return [ordered]
    groups: list[list[OcrLine]] = []
    band: list[OcrLine] = []

    def close_band() -> None:
        columns = ([x for x in band if x in left], [x for x in band if x in right])
        groups.extend(column for column in columns if column)
        band.clear()

    for line in ordered:
        if line in left or line in right:
            band.append(line)
        else:  # across the gutter: a title or a full-width paragraph
            close_band()
            groups.append([line])
    close_band()
    return groups


def _rows(lines: list[OcrLine], height: float) -> list[str]:
    """The lines of one column as rows (fragments at one height joined left to right)."""
    rows: list[list[OcrLine]] = []
    for line in sorted(lines, key=lambda line: (line.y0 + line.y1) / 2):
        centre = (line.y0 + line.y1) / 2
        if rows and abs(centre - statistics.fmean((x.y0 + x.y1) / 2 for x in rows[-1])) < height / 2:
            rows[-1].append(line)
        else:
            rows.append([line])
    margin = sorted(min(x.x0 for x in row) for row in rows)[len(rows) // 10]
    texts = []
    for row in rows:
        row.sort(key=lambda line: line.x0)
        text = row[0].text
        for before, after in itertools.pairwise(row):
            gap = after.x0 - before.x1
            text += (" " if gap > 1.5 * height else "") + after.text
        indented = row[0].x0 - margin >= 1.2 * height
        texts.append(_INDENT + text if indented else text)
    return texts


def ocr_reading(reader: str, pages: dict[int, OcrPage], notes: tuple[str, ...] = ()) -> Reading:
    """A ``Reading`` naming the OCR engine beside ``reader``, the pages it read and their mean confidence."""
    characters = sum(page.characters for page in pages.values())
    confidence = sum(page.confidence_sum() for page in pages.values()) / characters if characters else None
    name = f"{reader} + {engine_name()}" if reader else engine_name()
    return Reading(reader=name, ocr_pages=tuple(sorted(pages)), ocr_confidence=confidence, notes=notes)
