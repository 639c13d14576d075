"""Slides (.pptx; .ppt and WPS .dps through LibreOffice): each slide's title and text in order, its notes.

Every block keeps its slide's number as its page (``Reading.page_unit = "slide"``), so a
passage is cited "第3张幻灯片". On a slide the title comes first, then the other shapes from
top to bottom and left to right (groups opened, tables a line per row as in ``.docx``,
pictures skipped), then the speaker notes ("备注：…"), where a speech's own words often are.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

from qa.errors import DocumentError
from qa.ingest.blocks import Block, Extracted, Reading, stored_title
from qa.ingest.tables import table_blocks

NOTES_PREFIX = "备注："


def read_pptx(data: bytes, source: str, reader: str = "") -> Extracted:
    """A PowerPoint .pptx: per slide its title (a heading), its text and tables, its notes.

    ``reader`` names the reader in ``Reading`` (a converter before python-pptx, for a .ppt).
    """
    import pptx
    from pptx.exc import PackageNotFoundError

    try:
        presentation = pptx.Presentation(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError) as exc:
        raise DocumentError(f"{source}: is not a readable PowerPoint .pptx file ({exc}).") from exc
    blocks: list[Block] = []
    first_title = ""
    for number, slide in enumerate(presentation.slides, start=1):
        title_shape = slide.shapes.title
        title = " ".join(title_shape.text_frame.text.split()) if title_shape is not None else ""
        first_title = first_title or title
        if title:
            blocks.append(Block(title, "heading", page=number))
        others = [
            shape for shape in slide.shapes if title_shape is None or shape.shape_id != title_shape.shape_id
        ]
        for block in _shape_blocks(others):
            blocks.append(Block(block.text, block.kind, page=number))
        if slide.has_notes_slide and (notes := slide.notes_slide.notes_text_frame) is not None:
            lines = [line.strip() for line in notes.text.splitlines() if line.strip()]
            if lines:
                blocks.append(Block("\n".join([NOTES_PREFIX + lines[0], *lines[1:]]), "note", page=number))
    if not blocks:
        raise DocumentError(f"{source}: the slides have no text (only pictures?).")
    title = stored_title(presentation.core_properties.title) or first_title
    reading = Reading(reader=reader or f"python-pptx {pptx.__version__}", page_unit="slide")
    return Extracted.of_blocks(blocks, title or None, reading=reading)


def _shape_blocks(shapes: list[Any]) -> Iterator[Block]:
    """The text of ``shapes`` from top to bottom, left to right; groups opened, tables by rows."""
    for shape in sorted(shapes, key=lambda s: (s.top or 0, s.left or 0)):
        if getattr(shape, "shape_type", None) is not None and shape.shape_type == 6:  # MSO_SHAPE_TYPE.GROUP
            yield from _shape_blocks(list(shape.shapes))
        elif getattr(shape, "has_table", False) and shape.has_table:
            rows = [[cell.text for cell in row.cells] for row in shape.table.rows]
            yield from table_blocks(rows)
        elif getattr(shape, "has_text_frame", False) and shape.has_text_frame:
            for paragraph in shape.text_frame.paragraphs:
                text = " ".join("".join(run.text for run in paragraph.runs).split())
                if text:
                    yield Block(text, "list_item" if paragraph.level else "text")
