"""Turn a document file's bytes into plain text: one paragraph per line, title first.

Every format comes out as the kind of text a scraped .txt page gives, so the same
cleaning (``qa.cleaning.clean_page``) finds the title, date and body of all of them.
A title the format itself stores (Word properties, front matter, og:title) travels
beside the text, so that cleaning takes it as the title whatever its words.
The format libraries are imported inside the functions that use them: starting the
app, or reading .txt files only, never pays for them.
"""

from __future__ import annotations

import codecs
import io
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from qa.cleaning import HEADING_START, find_date
from qa.errors import DocumentError

# Cleaning reads the date from a metadata line like this one and drops the line from the body.
_DATE_LINE = "发布时间：{}"
_LATIN_EDGE = re.compile(r"[0-9A-Za-z]")


def decode_bytes(data: bytes, name: str) -> str:
    """Decode UTF-8 (with or without BOM), else GB18030; raise ``DocumentError`` otherwise."""
    if b"\x00" in data[:4096]:
        raise DocumentError(f"{name}: looks like a binary file (NUL bytes), not text; remove it from seeds/.")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DocumentError(
        f"{name}: is neither valid UTF-8 nor GB18030; re-save it as UTF-8 (e.g. `iconv -t UTF-8`)."
    )


@dataclass(frozen=True)
class Extracted:
    """A file's text, one paragraph per line, and the title its format stores (also a line of the text)."""

    text: str
    title: str | None = None


def extract(data: bytes, suffix: str, source: str) -> Extracted:
    """The text and stored title of a file in the format ``suffix`` names.

    ``DocumentError`` names ``source`` and why it cannot be read.
    """
    suffix = suffix.lower()
    if suffix not in _EXTRACTORS:
        supported = ", ".join(SUPPORTED_SUFFIXES)
        raise DocumentError(f"{source}: unsupported file type {suffix!r} (supported: {supported}).")
    if not data and suffix != ".txt":  # an empty .txt is reported by cleaning, as it always was
        raise DocumentError(f"{source}: is empty (0 bytes).")
    try:
        return _EXTRACTORS[suffix](data, source)
    except DocumentError:
        raise
    except Exception as exc:  # a format library failing on a malformed file must not stop a build
        kind = suffix.lstrip(".").upper()
        raise DocumentError(f"{source}: cannot be read as {kind} ({type(exc).__name__}: {exc}).") from exc


def join_lines(left: str, right: str) -> str:
    """Join two pieces of one paragraph: Chinese runs on directly, Latin words get a space."""
    if left and right and _LATIN_EDGE.match(left[-1]) and _LATIN_EDGE.match(right[0]):
        return f"{left} {right}"
    return left + right


# --- Markdown -----------------------------------------------------------------------------------------

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(?P<yaml>.*?)\r?\n---[ \t]*(\r?\n|\Z)", re.DOTALL)
_FRONT_FIELD = re.compile(r"^(?P<key>title|date|标题|日期)\s*:\s*(?P<value>.+?)\s*$", re.MULTILINE)
_HTML_TAG = re.compile(r"<[^>]*>")


def _markdown(data: bytes, source: str) -> Extracted:
    """Front matter title and date first, then one line per block.

    Without a front matter title, a ``#`` heading that opens the text and is its only one is the title.
    """
    from markdown_it import MarkdownIt

    text = decode_bytes(data, source)
    lines: list[str] = []
    title = ""
    if front := _FRONT_MATTER.match(text):
        fields = {m["key"]: m["value"].strip("'\"") for m in _FRONT_FIELD.finditer(front["yaml"])}
        if title := fields.get("title") or fields.get("标题") or "":
            lines.append(title)
        if date := find_date(fields.get("date") or fields.get("日期") or ""):
            lines.append(_DATE_LINE.format(date))
        text = text[front.end() :]
    number = ""  # the marker of an ordered list item ("3."), kept in front of its text
    first_block, in_h1 = len(lines), False
    h1s: list[int] = []  # the lines that are "#" headings
    for token in MarkdownIt("commonmark").enable(["table", "strikethrough"]).parse(text):
        if token.type == "list_item_open":
            number = f"{token.info}{token.markup} " if token.info else ""
        elif token.type in ("heading_open", "heading_close"):
            in_h1 = token.type == "heading_open" and token.tag == "h1"
        elif token.type == "inline":  # a heading, paragraph, list item or table cell: one line each
            lines.append(number + _markdown_inline(token.children or []))
            number = ""
            h1s.extend([len(lines) - 1] if in_h1 else [])
        elif token.type in ("fence", "code_block"):  # an indented Chinese paragraph parses as code
            lines.append(token.content)
        elif token.type == "html_block":
            lines.append(_HTML_TAG.sub("", token.content))
    if not title and h1s == [first_block] and not HEADING_START.match(lines[first_block]):
        title = lines[first_block]
    return Extracted("\n".join(lines), title.strip() or None)


def _markdown_inline(children: Iterable[Any]) -> str:
    text, soft_break = "", False
    for child in children:
        if child.type == "softbreak":
            soft_break = True
        elif child.type == "hardbreak" or (child.type == "html_inline" and child.content.startswith("<br")):
            text, soft_break = text + "\n", False
        elif child.type in ("text", "code_inline"):  # images, raw HTML and link targets are dropped
            text = join_lines(text.rstrip(), child.content.lstrip()) if soft_break else text + child.content
            soft_break = False
    return text


# --- HTML ---------------------------------------------------------------------------------------------

_DECLARED_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?([\w.:-]+)|<\?xml[^>]+encoding=["']([\w.:-]+)""", re.I
)
_XML_DECLARATION = re.compile(r"\A\s*<\?xml[^>]*\?>")
# "题目_栏目_网站", "题目 - 网站", "题目-网站": a hyphen between Chinese words separates too.
_TITLE_SEPARATORS = re.compile(r"\s*[_|｜]\s*|\s+[-–—]\s+|(?<=[^\x00-\x7f])-(?=[^\x00-\x7f])")
_DATE_METAS = ("pubdate", "publishdate", "publish_date", "publishtime", "article:published_time", "dc.date")
_BLOCKS = frozenset({"p", "head", "item", "cell", "quote", "code", "list", "table", "row", "div"})


def decode_html(data: bytes, source: str) -> str:
    """Decode a page in the charset its ``<meta>`` declares, else as UTF-8 or GB18030 (the GBK superset)."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    if declared := _DECLARED_CHARSET.search(data[:4096]):
        try:
            return data.decode((declared.group(1) or declared.group(2)).decode("ascii"))
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong or unknown label, or GBK characters in a page labelled GB2312
    return decode_bytes(data, source)


def _html(data: bytes, source: str) -> Extracted:
    import lxml.html
    import trafilatura
    from lxml import etree

    text = _XML_DECLARATION.sub("", decode_html(data, source))
    try:
        tree = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        raise DocumentError(f"{source}: is not a readable HTML page ({exc}).") from exc
    for element in tree.xpath("//script|//style|//noscript"):
        element.drop_tree()
    title = _html_title(tree)
    date = _html_date(tree, title)
    xml = trafilatura.extract(
        tree,
        output_format="xml",
        include_tables=True,
        include_comments=False,
        include_images=False,
        include_links=False,
        deduplicate=False,
        with_metadata=False,
    )
    if not xml:
        raise DocumentError(f"{source}: no main text found in the page (only menus, links or an empty body).")
    lines = [" ".join(line.split()) for line in _xml_text(etree.fromstring(xml)).splitlines()]
    head = [title] if title else []
    if date:
        head.append(_DATE_LINE.format(date))
    return Extracted("\n".join([*head, *(line for line in lines if line)]), title or None)


def _html_title(tree: Any) -> str:
    """og:title, else a heading that the page's <title> repeats, else the longest part of <title>."""
    if og := " ".join(tree.xpath("string(//meta[@property='og:title']/@content)").split()):
        return og
    page_title = " ".join(tree.findtext(".//title", "").split())
    headings = [" ".join(h.text_content().split()) for h in tree.iter("h1", "h2", "h3")]
    headings = [h for h in headings if h]
    if repeated := [h for h in headings if len(h) >= 4 and h in page_title]:
        return repeated[0]
    parts = sorted(_TITLE_SEPARATORS.split(page_title), key=len, reverse=True)
    return parts[0] or next(iter(headings), "")


def _html_date(tree: Any, title: str) -> str | None:
    """The publication date from the page's meta tags, else the first date right below its title."""
    for meta in tree.iter("meta"):
        name = (meta.get("name") or meta.get("property") or meta.get("itemprop") or "").lower()
        if name in _DATE_METAS and (found := find_date(meta.get("content") or "")):
            return found
    if (time := tree.find(".//time")) is not None and (found := find_date(time.get("datetime") or "")):
        return found
    body = tree.find("body")
    lines = [" ".join(t.split()) for t in (body.itertext() if body is not None else [])]
    lines = [line for line in lines if line]
    start = next(
        (i for i, line in enumerate(lines) if title and title in line and len(line) < len(title) + 20), None
    )
    if start is None:
        return None  # a date in a menu bar ("今天是…") is the day of the visit, not of the speech
    for line in lines[start + 1 : start + 8]:
        if (found := find_date(line)) and len(found) == 10:
            return found
    return None


def _xml_text(root: Any) -> str:
    parts: list[str] = []

    def walk(element: Any) -> None:
        block = element.tag in _BLOCKS
        if block or element.tag == "lb":
            parts.append("\n")
        parts.append(element.text or "")
        for child in element:
            walk(child)
        if block:
            parts.append("\n")
        parts.append(element.tail or "")

    walk(root)
    return "".join(parts)


# --- Word .docx ---------------------------------------------------------------------------------------

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _docx(data: bytes, source: str) -> Extracted:
    import zipfile

    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from lxml import etree

    if data.startswith(_OLE_MAGIC):
        raise DocumentError(
            f"{source}: is an old Word .doc or a password-protected .docx, not a plain .docx; "
            "open it in Word or WPS and save it as .docx without a password."
        )
    try:
        document = docx.Document(io.BytesIO(data))
        stored = _stored_title(document.core_properties.title)
        lines = [stored, *_docx_lines(document.iter_inner_content())]
        title = stored or _title_paragraph(document)
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError, etree.XMLSyntaxError) as exc:
        raise DocumentError(
            f"{source}: is not a valid Word .docx file ({exc}); re-save it from Word or WPS."
        ) from exc
    text = "\n".join(line.strip() for line in lines if line.strip())
    if not text:
        raise DocumentError(f"{source}: the Word document has no text (only images or empty pages?).")
    return Extracted(text, title or None)


def _title_paragraph(document: Any) -> str:
    """The first paragraph, when Word's Title style marks it as the document's title."""
    first = next((p for p in document.paragraphs if p.text.strip()), None)
    if first is None or first.style is None or first.style.name not in ("Title", "标题"):
        return ""
    return " ".join(first.text.split())


def _docx_lines(blocks: Iterable[Any]) -> Iterable[str]:
    from docx.table import Table

    for block in blocks:
        if isinstance(block, Table):
            # A merged cell comes back once per grid position it spans. The set holds the XML
            # elements themselves (not their ids, which lxml reuses once a proxy is freed).
            seen: set[Any] = set()
            for row in block.rows:
                for cell in row.cells:
                    if cell._tc not in seen:
                        seen.add(cell._tc)
                        yield from _docx_lines(cell.iter_inner_content())
        else:
            yield from block.text.splitlines()


_WORD_TITLE = re.compile(r"^Microsoft (Word|PowerPoint) - |\.(docx?|wps|pdf)$", re.I)


def _stored_title(title: str | None) -> str:
    """The title a file's properties store, when it is a real one ("untitled", "Document" are not)."""
    title = _WORD_TITLE.sub("", title or "").strip()
    return title if any("\u4e00" <= char <= "\u9fff" for char in title) else ""


# --- PDF ----------------------------------------------------------------------------------------------

_PAGE_NUMBER = re.compile(
    r"^[-—–－\s]*(第\s*)?\d{1,4}(\s*页)?[-—–－\s]*$|^\d{1,4}\s*/\s*\d{1,4}$|^第\s*\d+\s*页\s*[,，/]?\s*共\s*\d+\s*页$"
)
_PDF_SENTENCE_END = re.compile(r"[。！？!?；;…：:”」』)）]$")


def _pdf(data: bytes, source: str) -> Extracted:
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
        title = _stored_title(reader.metadata.title if reader.metadata else None)
    except (FileNotDecryptedError, DependencyError) as exc:
        raise DocumentError(
            f"{source}: is encrypted with a password ({exc}); save an unprotected copy or add it as .txt."
        ) from exc
    except Exception as exc:  # pypdf raises many kinds of error on a damaged file
        raise DocumentError(f"{source}: is not a readable PDF file ({type(exc).__name__}: {exc}).") from exc
    if not pages:
        raise DocumentError(f"{source}: the PDF has no pages.")
    lines = pdf_paragraphs([page.splitlines() for page in pages])
    if not any(char.isalnum() for line in lines for char in line):
        raise DocumentError(
            f"{source}: has no text layer (a scanned image?); OCR it or add the text as .txt."
        )
    return Extracted("\n".join([title, *lines] if title else lines))


def pdf_paragraphs(pages: list[list[str]]) -> list[str]:
    """Rejoin the lines of PDF pages into paragraphs, without page numbers or running headers.

    A line that is not the end of a paragraph runs on into the next one, across pages too.
    A line that falls short of the full line width ends a paragraph; so does one that ends
    a sentence, unless the document indents its paragraphs: then an indented line (or a
    section heading) starts the next one. A running header or footer is a line at the top
    or bottom of most pages (of three or more).
    """
    edges = [[line.strip() for line in page if line.strip()] for page in pages]
    repeats = Counter(line for page in edges for line in {*page[:2], *page[-2:]})
    running = {line for line, n in repeats.items() if len(pages) >= 3 and n > len(pages) / 2}
    lines = [
        line.rstrip()
        for page in pages
        for line in page
        if line.strip() and line.strip() not in running and not _PAGE_NUMBER.match(line.strip())
    ]
    if not lines:
        return []
    indented = [line[:1].isspace() for line in lines]
    uses_indent = sum(indented) >= max(2, len(lines) // 10)
    widths = sorted(_width(line.strip()) for line in lines)
    full = widths[int(len(widths) * 0.9)]
    paragraphs: list[str] = []
    for i, line in enumerate(lines):
        text = line.strip()
        if paragraphs and not _starts_paragraph(lines[i - 1], line, uses_indent, full):
            paragraphs[-1] = join_lines(paragraphs[-1], text)
        else:
            paragraphs.append(text)
    return paragraphs


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


# --- the formats ----------------------------------------------------------------------------------------


def _plain(data: bytes, source: str) -> Extracted:
    """A .txt file: a scraped page or a typed speech, its title left to cleaning."""
    return Extracted(decode_bytes(data, source))


_EXTRACTORS: dict[str, Callable[[bytes, str], Extracted]] = {
    ".txt": _plain,
    ".md": _markdown,
    ".markdown": _markdown,
    ".html": _html,
    ".htm": _html,
    ".docx": _docx,
    ".pdf": _pdf,
}
SUPPORTED_SUFFIXES = tuple(_EXTRACTORS)
