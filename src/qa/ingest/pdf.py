"""PDF: the text layer's lines rejoined into paragraphs, running headers, footers and page numbers out.

Every page is checked on its own: a page without a text layer (a scan, perhaps one page of
an otherwise digital PDF) is rendered by pypdfium2 and read by OCR (``qa.ingest.ocr``), its
lines laid out in reading order (``qa.ingest.scan``) and handled by the same rules.
"""

from __future__ import annotations

import io
import re
from collections import Counter

from qa.errors import DocumentError
from qa.ingest.blocks import Block, Extracted, Reading, Removal, join_lines, stored_title
from qa.ingest.cleaning import HEADING_START
from qa.ingest.ocr import RENDER_DPI, OcrPage, recognise_pages
from qa.ingest.scan import layout_lines, ocr_reading

_PAGE_NUMBER = re.compile(
    r"^[-—–－\s]*(第\s*)?\d{1,4}(\s*页)?[-—–－\s]*$|^\d{1,4}\s*/\s*\d{1,4}$|^第\s*\d+\s*页\s*[,，/]?\s*共\s*\d+\s*页$"
)
_DIGITS = re.compile(r"\d+")
_SENTENCE = re.compile(r"[。！？!?；;]$")  # a line ending a sentence is body, whatever it repeats
_PDF_SENTENCE_END = re.compile(r"[。！？!?；;…：:”」』)）]$")
# A page whose text layer has fewer letters than this is read by OCR (a scan with a stamped page number).
_TEXT_LAYER_MIN = 10


def read_pdf(data: bytes, source: str) -> Extracted:
    """The text of a PDF; its stored title is only a line, since PDF makers fill it with file names."""
    import pypdf
    from pypdf.errors import DependencyError, FileNotDecryptedError

    if b"%PDF-" not in data[:1024]:
        raise DocumentError(f"{source}: is not a PDF file (no %PDF- header); check the file and its name.")
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise FileNotDecryptedError("needs a password")
        pages = [page.extract_text() or "" for page in reader.pages]
        title = stored_title(reader.metadata.title if reader.metadata else None)
    except (FileNotDecryptedError, DependencyError) as exc:
        raise DocumentError(
            f"{source}: is encrypted with a password ({exc}); save an unprotected copy or add it as .txt."
        ) from exc
    except Exception as exc:  # pypdf raises many kinds of error on a damaged file
        raise DocumentError(f"{source}: is not a readable PDF file ({type(exc).__name__}: {exc}).") from exc
    if not pages:
        raise DocumentError(f"{source}: the PDF has no pages.")
    scanned = [n for n, text in enumerate(pages, start=1) if sum(map(str.isalnum, text)) < _TEXT_LAYER_MIN]
    recognised = _recognise(data, scanned, source) if scanned else {}
    lines = [
        layout_lines(recognised[n]) if n in recognised else text.splitlines()
        for n, text in enumerate(pages, start=1)
    ]
    removed: list[Removal] = []
    paragraphs = paged_paragraphs(lines, removed)
    if not any(char.isalnum() for block in paragraphs for char in block.text):
        raise DocumentError(
            f"{source}: has no text: no text layer, and OCR recognised none on its pages (blank or "
            "too blurred?); scan it again at 300 dpi or add the text as .txt."
        )
    blocks = [Block(title, "heading", page=1)] if title else []
    name = f"pypdf {pypdf.__version__}"
    if recognised:
        mixed = len(scanned) < len(pages)
        notes = (f"page {', '.join(map(str, scanned))} without a text layer: read by OCR",) if mixed else ()
        reading = ocr_reading(f"{name}, pages rendered by pypdfium2 {_pdfium_version()}", recognised, notes)
    else:
        reading = Reading(reader=name)
    return Extracted.of_blocks([*blocks, *paragraphs], removed=tuple(removed), reading=reading)


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


def pdf_paragraphs(pages: list[list[str]], removed: list[Removal] | None = None) -> list[str]:
    """The paragraphs of ``paged_paragraphs`` as text."""
    return [block.text for block in paged_paragraphs(pages, removed)]


def paged_paragraphs(pages: list[list[str]], removed: list[Removal] | None = None) -> list[Block]:
    """Rejoin the lines of PDF pages into paragraphs (with their pages), without page numbers or
    running headers.

    A line that is not the end of a paragraph runs on into the next one, across pages too.
    A line that falls short of the full line width ends a paragraph; so does one that ends
    a sentence, unless the document indents its paragraphs: then an indented line (or a
    section heading) starts the next one. A running header or footer is a line among the
    first or last two of a page (page numbers aside), not ending a sentence, that recurs
    there on most pages, digits aside ("第3页"), in any document of two pages or more.
    What is dropped is appended to ``removed``.
    """
    removed = removed if removed is not None else []
    running = _running_lines(pages)
    lines: list[str] = []
    page_of: list[int] = []  # the page (1 = first) of each kept line
    for number, page in enumerate(pages, start=1):
        for line in page:
            text = line.strip()
            if not text:
                continue
            if _PAGE_NUMBER.match(text):
                removed.append(Removal("pdf-page-number", text))
            elif _edge_key(text) in running:
                removed.append(Removal("pdf-running-header", text))
            else:
                lines.append(line.rstrip())
                page_of.append(number)
    if not lines:
        return []
    indented = [line[:1].isspace() for line in lines]
    uses_indent = sum(indented) >= max(2, len(lines) // 10)
    widths = sorted(_width(line.strip()) for line in lines)
    full = widths[int(len(widths) * 0.9)]
    paragraphs: list[Block] = []
    for i, line in enumerate(lines):
        text = line.strip()
        if paragraphs and not _starts_paragraph(lines[i - 1], line, uses_indent, full):
            last = paragraphs[-1]
            joined = join_lines(last.text, text)
            breaks = last.page_breaks
            if page_of[i] != (breaks[-1][1] if breaks else last.page):
                breaks = (*breaks, (len(joined) - len(text), page_of[i]))
            paragraphs[-1] = Block(joined, page=last.page, page_breaks=breaks)
        else:
            paragraphs.append(Block(text, page=page_of[i]))
    return paragraphs


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


def _starts_paragraph(previous: str, line: str, uses_indent: bool, full_width: int) -> bool:
    previous = previous.strip()
    short = _width(previous) < full_width * 0.8
    ends = bool(_PDF_SENTENCE_END.search(previous))
    if uses_indent and line[:1].isspace():
        return True
    if HEADING_START.match(line.strip()) and ends:
        return True
    return short or (ends and not uses_indent)


def _width(text: str) -> int:
    return sum(2 if ord(char) > 0x2E7F else 1 for char in text)
