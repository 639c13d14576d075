"""Word .docx: paragraphs, text boxes, tables a line per row, notes, the stored title.

Text boxes are read after the paragraph they are anchored in; footnotes and endnotes
come at the end, each after its mark ("注1：", "尾注1："). Running headers and footers
are page furniture: not read as text, but handed to cleaning as removals. Word's automatic
numbers (第一章, 第十二条, 一、, （一）) are written before their paragraphs as Word shows
them (``qa.ingest.numbering``). Images are never read: in a large file (a yearbook full of
photos) they are emptied before python-docx opens the package, so memory holds its text only.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from typing import Any

from qa.errors import DocumentError
from qa.ingest.blocks import Block, BlockKind, Extracted, Reading, Removal, stored_title
from qa.ingest.numbering import WordNumbering
from qa.ingest.sniff import OLE_MAGIC, check_not_encrypted, damaged
from qa.ingest.tables import table_blocks

# Above this size a package's images and embedded files are emptied before it is opened.
_STRIP_MEDIA_BYTES = 4 * 2**20
_MEDIA = ("word/media/", "word/embeddings/", "docProps/thumbnail")
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_TEXT_BOX = f"{_W}txbxContent"
_ALTERNATE = f"{_MC}AlternateContent"
# (relationship type, element name, mark prefix) of the two kinds of notes, in reading order.
_NOTES = (
    ("http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes", "footnote", "注"),
    ("http://schemas.openxmlformats.org/officeDocument/2006/relationships/endnotes", "endnote", "尾注"),
)
HEADER_FOOTER_RULE = "docx-header-footer"


def read_docx(data: bytes, source: str) -> Extracted:
    """Paragraphs, text boxes, tables and notes in reading order; headers and footers as removals.

    The title comes from the core properties or the paragraph in Word's Title style.
    """
    import zipfile

    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from lxml import etree

    if data.startswith(OLE_MAGIC):
        check_not_encrypted(data, source)
        raise DocumentError(
            f"{source}: is an old Word .doc, not a plain .docx; open it in Word or WPS and save it as .docx."
        )
    try:
        document = docx.Document(io.BytesIO(_without_media(data) if len(data) > _STRIP_MEDIA_BYTES else data))
        stored = stored_title(document.core_properties.title)
        blocks = [
            Block(stored, "heading"),
            *_docx_blocks(document.iter_inner_content(), numbering=WordNumbering.of(document)),
            *_note_blocks(document),
        ]
        title = stored or _title_paragraph(document)
        removed = _header_footer_removals(document)
    except zipfile.BadZipFile as exc:
        raise damaged(source, f"not a complete .docx package ({exc})") from exc
    except (PackageNotFoundError, KeyError, ValueError, etree.XMLSyntaxError) as exc:
        raise DocumentError(
            f"{source}: is not a valid Word .docx file ({exc}); re-save it from Word or WPS."
        ) from exc
    reading = Reading(reader=f"python-docx {docx.__version__}")
    extracted = Extracted.of_blocks(blocks, title or None, removed, reading)
    if not extracted.text:
        raise DocumentError(f"{source}: the Word document has no text (only images or empty pages?).")
    return extracted


def _without_media(data: bytes) -> bytes:
    """The package with its images and embedded objects emptied (names kept, so relationships resolve)."""
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as package, zipfile.ZipFile(out, "w") as lean:
        for info in package.infolist():
            media = info.filename.startswith(_MEDIA)
            lean.writestr(info, b"" if media else package.read(info.filename))
    return out.getvalue()


def _title_paragraph(document: Any) -> str:
    """The first paragraph, when Word's Title style marks it as the document's title."""
    first = next((p for p in document.paragraphs if p.text.strip()), None)
    if first is None or first.style is None or first.style.name not in ("Title", "标题"):
        return ""
    return " ".join(first.text.split())


def _docx_blocks(
    items: Iterable[Any], in_text_box: bool = False, numbering: WordNumbering | None = None
) -> Iterator[Block]:
    """Blocks of paragraphs and tables; a paragraph's text boxes follow it as plain text.

    With ``numbering`` each paragraph's automatic number is written before its text.
    """
    from docx.table import Table

    for item in items:
        if isinstance(item, Table):
            yield from table_blocks(_rows(item, numbering))
            continue
        label = numbering.label(item._p) if numbering is not None else ""
        yield Block(label + item.text, "text" if in_text_box else _paragraph_kind(item))
        for box in _text_boxes(item._p):
            yield from _docx_blocks(_story_items(box, item._parent), in_text_box=True)


def _text_boxes(element: Any) -> list[Any]:
    """The outermost text boxes inside ``element``, each once.

    ``mc:AlternateContent`` holds one drawing in several forms (DrawingML in ``mc:Choice``,
    VML in ``mc:Fallback``): only the first form holding a text box is read. Text boxes
    inside a text box are found when its own paragraphs are read.
    """
    boxes: list[Any] = []
    for child in element:
        if child.tag == _TEXT_BOX:
            boxes.append(child)
        elif child.tag == _ALTERNATE:
            forms = list(child)
            chosen = next((form for form in forms if next(form.iter(_TEXT_BOX), None) is not None), None)
            if chosen is not None:
                boxes += _text_boxes(chosen)
        else:
            boxes += _text_boxes(child)
    return boxes


def _story_items(container: Any, parent: Any) -> list[Any]:
    """The paragraphs and tables directly inside a text box or note, as python-docx objects."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    items: list[Any] = []
    for child in container:
        if child.tag == f"{_W}p":
            items.append(Paragraph(child, parent))
        elif child.tag == f"{_W}tbl":
            items.append(Table(child, parent))
    return items


def _note_blocks(document: Any) -> list[Block]:
    """Footnotes, then endnotes, in the order the body refers to them, each after its mark."""
    from docx.oxml.parser import parse_xml

    blocks: list[Block] = []
    for reltype, name, prefix in _NOTES:
        part = next(
            (
                rel.target_part
                for rel in document.part.rels.values()
                if rel.reltype == reltype and not rel.is_external
            ),
            None,
        )
        if part is None:
            continue
        notes = {
            note.get(f"{_W}id"): note
            for note in parse_xml(part.blob).iterchildren(f"{_W}{name}")
            if note.get(f"{_W}type", "normal") == "normal"  # not a separator line
        }
        referred = [ref.get(f"{_W}id") for ref in document.element.body.iter(f"{_W}{name}Reference")]
        order = list(dict.fromkeys([*(id_ for id_ in referred if id_ in notes), *notes]))
        for number, id_ in enumerate(order, start=1):
            lines = [
                line.strip()
                for block in _docx_blocks(_story_items(notes[id_], document), in_text_box=True)
                for line in block.text.splitlines()
                if line.strip()
            ]
            if lines:
                blocks.append(Block("\n".join([f"{prefix}{number}：{lines[0]}", *lines[1:]]), "note"))
    return blocks


def _header_footer_removals(document: Any) -> tuple[Removal, ...]:
    """Each distinct line of the sections' headers and footers (first-page and even-page too)."""
    lines: dict[str, None] = {}
    for section in document.sections:
        for story in (
            section.header,
            section.footer,
            section.first_page_header,
            section.first_page_footer,
            section.even_page_header,
            section.even_page_footer,
        ):
            if story.is_linked_to_previous:  # no header of its own: nothing new to read
                continue
            for block in _docx_blocks(story.iter_inner_content()):
                lines.update((line.strip(), None) for line in block.text.splitlines() if line.strip())
    return tuple(Removal(HEADER_FOOTER_RULE, line) for line in lines)


def _rows(table: Any, numbering: WordNumbering | None = None) -> list[list[str]]:
    """The cells' text row by row; a cell merged across columns counts once in its row."""
    rows: list[list[str]] = []
    for row in table.rows:
        cells: list[str] = []
        previous = None
        for cell in row.cells:
            if cell._tc is not previous:  # a merged cell comes back once per grid column it spans
                blocks = _docx_blocks(cell.iter_inner_content(), numbering=numbering)
                cells.append("\n".join(block.text for block in blocks))
            previous = cell._tc
        rows.append(cells)
    return rows


def _paragraph_kind(paragraph: Any) -> BlockKind:
    style = paragraph.style.name if paragraph.style is not None else ""
    if style.startswith(("Heading", "标题")) or style in ("Title", "Subtitle"):
        return "heading"
    if paragraph._p.pPr is not None and paragraph._p.pPr.numPr is not None:
        return "list_item"
    return "text"
