"""PDF: the text layer's lines rejoined into paragraphs, running headers, footers and page numbers out.

The text layer is read with positions by pypdfium2 (``qa.ingest.pdf_text``), one page at a
time: a two-column page is read column by column and footnotes are put after the paragraph
that refers to them (``qa.ingest.layout``); pypdf checks the file first (damaged, encrypted)
and gives its stored title. Every page is checked on its own: a page without a text layer
(a scan, perhaps one page of an otherwise digital PDF) is rendered by pypdfium2 and read by
OCR (``qa.ingest.ocr``), its lines laid out in reading order (``qa.ingest.scan``) and
handled by the same rules.
"""

from __future__ import annotations

import io
import logging
import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

from qa.errors import DocumentError
from qa.ingest.blocks import Block, Extracted, Reading, Removal, join_lines, stored_title
from qa.ingest.cleaning import HEADING_START
from qa.ingest.layout import Row, reading_rows
from qa.ingest.ocr import RENDER_DPI, OcrPage, recognise_pages
from qa.ingest.pdf_text import PAGE_NUMBER as _PAGE_NUMBER
from qa.ingest.pdf_text import PageText, page_text
from qa.ingest.scan import layout_lines, ocr_reading

log = logging.getLogger(__name__)
_DIGITS = re.compile(r"\d+")
_SENTENCE = re.compile(r"[。！？!?；;]$")  # a line ending a sentence is body, whatever it repeats
_PDF_SENTENCE_END = re.compile(r"[。！？!?；;…：:”」』)）]$")
# A page whose text layer has fewer letters than this is read by OCR (a scan with a stamped page number).
_TEXT_LAYER_MIN = 10
_PROGRESS_EVERY = 50  # pages between progress lines of a long PDF
_REOPEN_EVERY = 20  # pages read before the document is opened anew (bench/pdf_layout.py)


def read_pdf(data: bytes, source: str) -> Extracted:
    """The text of a PDF; its stored title is only a line, since PDF makers fill it with file names."""
    title = _checked_title(data, source)
    typeset = text_layer(data, source)
    scanned = [
        n
        for n, rows in enumerate(typeset, start=1)
        if sum(c.isalnum() for r in rows for c in r.text) < _TEXT_LAYER_MIN
    ]
    recognised = _recognise(data, scanned, source) if scanned else {}
    pages: list[Sequence[str | Row]] = [
        layout_lines(recognised[n]) if n in recognised else rows for n, rows in enumerate(typeset, start=1)
    ]
    removed: list[Removal] = []
    paragraphs = paged_paragraphs(pages, removed)
    if not any(char.isalnum() for block in paragraphs for char in block.text):
        raise DocumentError(
            f"{source}: has no text: no text layer, and OCR recognised none on its pages (blank or "
            "too blurred?); scan it again at 300 dpi or add the text as .txt."
        )
    blocks = [Block(title, "heading", page=1)] if title else []
    name = f"pypdfium2 {_pdfium_version()} (text with positions)"
    if recognised:
        mixed = len(scanned) < len(pages)
        notes = (f"page {', '.join(map(str, scanned))} without a text layer: read by OCR",) if mixed else ()
        reading = ocr_reading(f"{name}, pages rendered by pypdfium2", recognised, notes)
    else:
        reading = Reading(reader=name)
    return Extracted.of_blocks([*blocks, *paragraphs], removed=tuple(removed), reading=reading)


def _checked_title(data: bytes, source: str) -> str:
    """The PDF's stored title, once pypdf has found the file whole, unencrypted and with pages
    (its reader, which holds a copy of the bytes, is let go before the pages are read)."""
    import pypdf
    from pypdf.errors import DependencyError, FileNotDecryptedError

    if b"%PDF-" not in data[:1024]:
        raise DocumentError(f"{source}: is not a PDF file (no %PDF- header); check the file and its name.")
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise FileNotDecryptedError("needs a password")
        count = len(reader.pages)
        title = stored_title(reader.metadata.title if reader.metadata else None)
    except (FileNotDecryptedError, DependencyError) as exc:
        raise DocumentError(
            f"{source}: is encrypted with a password ({exc}); save an unprotected copy or add it as .txt."
        ) from exc
    except Exception as exc:  # pypdf raises many kinds of error on a damaged file
        raise DocumentError(f"{source}: is not a readable PDF file ({type(exc).__name__}: {exc}).") from exc
    if not count:
        raise DocumentError(f"{source}: the PDF has no pages.")
    return title


def text_layer(data: bytes, source: str) -> list[list[Row]]:
    """The rows of each page's text layer in reading order, footnotes anchored in them.

    Pages are opened, read and closed one at a time, and the document itself is opened anew
    every ``_REOPEN_EVERY`` pages (pdfium keeps the objects it has parsed, images included,
    until the document closes), so memory holds a few pages' objects and the text found so
    far, whatever the number of pages or the photos on them.
    """
    import pypdfium2

    try:
        document = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as exc:
        raise DocumentError(f"{source}: is not a readable PDF file (pdfium: {exc}).") from exc
    pages: list[list[Row]] = []
    try:
        total = len(document)
        for index in range(total):
            if index and index % _REOPEN_EVERY == 0:
                document.close()
                document = pypdfium2.PdfDocument(data)
            found = _page_text(document, index, source)
            rows = reading_rows(found.runs)
            if found.notes_at_end:  # notes whose mark the body does not show: after the page's text
                last = rows.pop() if rows else Row("")
                rows.append(Row(last.text, last.indented, last.short, (*last.notes, *found.notes_at_end)))
            pages.append(rows)
            if (index + 1) % _PROGRESS_EVERY == 0:
                log.info("PDF %s: page %d of %d read", source, index + 1, total)
    finally:
        document.close()
    return pages


def _page_text(document: Any, index: int, source: str) -> PageText:
    """The runs and footnotes of page ``index`` (0 = the first), the page closed after."""
    import pypdfium2

    try:
        page = document[index]
    except pypdfium2.PdfiumError as exc:
        raise DocumentError(f"{source}: page {index + 1} is not readable (pdfium: {exc}).") from exc
    try:
        textpage = page.get_textpage()
        try:
            return page_text(textpage, page.get_height())
        finally:
            textpage.close()
    finally:
        page.close()


def _recognise(data: bytes, pages: list[int], source: str) -> dict[int, OcrPage]:
    """OCR of ``pages`` (1 = the first), each rendered by pypdfium2 when the cache does not hold it."""
    import pypdfium2

    document = pypdfium2.PdfDocument(data)
    try:
        return recognise_pages(
            data, pages, lambda n: document[n - 1].render(scale=RENDER_DPI / 72).to_pil(), source
        )
    finally:
        document.close()


def _pdfium_version() -> str:
    from importlib.metadata import version

    return version("pypdfium2")


def pdf_paragraphs(pages: Sequence[Sequence[str | Row]], removed: list[Removal] | None = None) -> list[str]:
    """The paragraphs of ``paged_paragraphs`` as text."""
    return [block.text for block in paged_paragraphs(pages, removed)]


def paged_paragraphs(
    pages: Sequence[Sequence[str | Row]], removed: list[Removal] | None = None
) -> list[Block]:
    """Rejoin the lines of PDF pages into paragraphs (with their pages), without page numbers or
    running headers, each footnote after the paragraph that refers to it.

    A page is a list of rows (``qa.ingest.layout.Row``) or of plain lines (leading whitespace
    meaning indented). A line that is not the end of a paragraph runs on into the next one,
    across pages too. A line that falls short of its column's right edge (of the full line
    width, for plain lines) ends a paragraph; so does one that ends a sentence, unless the
    document indents its paragraphs: then an indented line (or a section heading) starts the
    next one. A running header or footer is a line among the first or last two of a page
    (page numbers aside), not ending a sentence, that recurs there on most pages, digits aside
    ("第3页"), in any document of two pages or more. What is dropped is appended to ``removed``.
    """
    removed = removed if removed is not None else []
    paged = [[line if isinstance(line, Row) else Row.of_line(line) for line in page] for page in pages]
    running = _running_lines([[row.text for row in page] for page in paged])
    rows: list[Row] = []
    page_of: list[int] = []  # the page (1 = first) of each kept row
    orphans: list[str] = []  # notes anchored in a removed row
    for number, page in enumerate(paged, start=1):
        for row in page:
            if not row.text:
                orphans += row.notes
            elif _PAGE_NUMBER.match(row.text):
                removed.append(Removal("pdf-page-number", row.text))
                orphans += row.notes
            elif _edge_key(row.text) in running:
                removed.append(Removal("pdf-running-header", row.text))
                orphans += row.notes
            else:
                rows.append(row)
                page_of.append(number)
    if not rows:
        return []
    if orphans:
        rows[-1] = Row(rows[-1].text, rows[-1].indented, rows[-1].short, (*rows[-1].notes, *orphans))
    uses_indent = sum(row.indented for row in rows) >= max(2, len(rows) // 10)
    widths = sorted(_width(row.text) for row in rows)
    full = widths[int(len(widths) * 0.9)]
    paragraphs: list[Block] = []
    notes: list[Block] = []  # of the paragraph being joined
    for i, row in enumerate(rows):
        if paragraphs and not _starts_paragraph(rows[i - 1], row, uses_indent, full):
            last = paragraphs[-1]
            joined = join_lines(last.text, row.text)
            breaks = last.page_breaks
            if page_of[i] != (breaks[-1][1] if breaks else last.page):
                breaks = (*breaks, (len(joined) - len(row.text), page_of[i]))
            paragraphs[-1] = Block(joined, page=last.page, page_breaks=breaks)
        else:
            paragraphs += notes
            notes = []
            paragraphs.append(Block(row.text, page=page_of[i]))
        notes += [Block(note, "note", page=page_of[i]) for note in row.notes]
    return paragraphs + notes


def _running_lines(pages: list[list[str]]) -> set[str]:
    """The running headers and footers of a document of two or more pages (``_edge_key``)."""
    if len(pages) < 2:
        return set()
    edges: Counter[str] = Counter()
    for page in pages:
        body = [line.strip() for line in page if line.strip() and not _PAGE_NUMBER.match(line.strip())]
        edges.update({_edge_key(line) for line in (*body[:2], *body[-2:]) if not _SENTENCE.search(line)})
    return {line for line, n in edges.items() if n >= 2 and n > len(pages) / 2}


def _edge_key(line: str) -> str:
    """A header or footer line as it recurs: digits as "#", without spaces (OCR drops or adds them)."""
    return _DIGITS.sub("#", "".join(line.split()))


def _starts_paragraph(previous: Row, row: Row, uses_indent: bool, full_width: int) -> bool:
    short = previous.short if previous.short is not None else _width(previous.text) < full_width * 0.8
    ends = bool(_PDF_SENTENCE_END.search(previous.text))
    if uses_indent and row.indented:
        return True
    if HEADING_START.match(row.text) and ends:
        return True
    return short or (ends and not uses_indent)


def _width(text: str) -> int:
    return sum(2 if ord(char) > 0x2E7F else 1 for char in text)
