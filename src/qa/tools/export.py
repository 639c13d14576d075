"""Passages with their citations as a file a writer keeps: Word (.docx) or Markdown.

What is exported is a title (the question or the phrase), the export's date and the index's
build id, then sections (one per question, formulation or draft sentence), each a list of
``ExportItem``: the passage's text, its citation as the user chose it, and an optional note.
The callers (the chat's selected cards, formulation tracing, draft checking) build the
sections; this module only writes them and knows nothing of Gradio or of the index.

The .docx declares its fonts for Chinese: every style it uses names an East-Asian font
(``w:eastAsia``: 宋体 for the text, 黑体 for the headings) beside a Latin one, and says the
text is zh-CN, so Word and WPS show it in the fonts a Chinese document expects instead of
falling back to whatever the theme says.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from docx import Document
from docx.document import Document as WordDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Cm, Pt, RGBColor
from docx.styles.style import BaseStyle

BODY_FONT = "宋体"  # SimSun
HEADING_FONT = "黑体"  # SimHei
LATIN_BODY_FONT = "Times New Roman"
LATIN_HEADING_FONT = "Arial"
PASSAGE_STYLE = "摘录正文"
CITATION_STYLE = "引用出处"
NOTE_STYLE = "备注"
FILE_PREFIX = "政协讲话问答-导出"

# Characters that are not allowed in XML 1.0 (python-docx refuses them).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# Markdown syntax anywhere in a line; a "]" that would close a link ("](", "]["); and the
# block markers at the start of a line (headings, lists, rules, a link definition's "[").
# A lone [Z] stays as written: without a definition line or "](" it is no link.
_MD_INLINE = re.compile(r"([\\`*_<>|~&]|\](?=[(\[]))")
_MD_LINE_START = re.compile(r"^([#+\-=\[]|\d+(?=[.)]))")


@dataclass(frozen=True)
class ExportItem:
    """One exported passage: its text, its citation (ready to paste) and an optional note."""

    text: str
    citation: str
    note: str = ""


@dataclass(frozen=True)
class ExportSection:
    """The passages exported under one heading (a question, a formulation, a draft sentence)."""

    heading: str
    items: list[ExportItem]


def export_date(when: datetime) -> str:
    """``when`` as the export's date line: 2025年3月5日 09:07."""
    return f"{when.year}年{when.month}月{when.day}日 {when:%H:%M}"


def file_name(extension: str, when: datetime | None = None, prefix: str = FILE_PREFIX) -> str:
    """The export's file name: 政协讲话问答-导出-20250305-0907.docx (``extension`` without its dot)."""
    when = when or datetime.now()
    return f"{prefix}-{when:%Y%m%d-%H%M}.{extension.lstrip('.')}"


def _lines(text: str) -> list[str]:
    """The non-empty lines of ``text``, stripped, without characters XML cannot hold."""
    return [line.strip() for line in _CONTROL.sub("", text).splitlines() if line.strip()]


# -- Markdown -------------------------------------------------------------------------------


def escape_markdown(text: str) -> str:
    """One line of ``text`` shown literally by Markdown: syntax characters backslash-escaped.

    Emphasis, code, HTML, tables and the end of a link are escaped anywhere; headings, list
    markers, rules and link definitions only where they would act, at the start of the line.
    """
    text = _MD_INLINE.sub(r"\\\1", text.strip())
    return _MD_LINE_START.sub(_escape_marker, text)


def _escape_marker(match: re.Match[str]) -> str:
    """A block marker made inert: ``1.`` as ``1\\.``, ``#`` as ``\\#``."""
    marker = match.group(0)
    return marker + "\\" if marker[0].isdigit() else "\\" + marker


def _md_heading(level: int, text: str) -> str:
    flat = " ".join(_lines(text)) or "（无标题）"
    return "#" * level + " " + escape_markdown(flat).replace("#", "\\#")


def _md_item(item: ExportItem) -> str:
    quote = "\n>\n".join(f"> {escape_markdown(line)}" for line in _lines(item.text))
    parts = [quote] if quote else []
    # A backslash ending a line is a line break: a GB/T 7714 citation keeps its two lines.
    citation = "\\\n".join(escape_markdown(line) for line in _lines(item.citation))
    if citation:
        parts.append(f"引用：{citation}")
    if note := " ".join(_lines(item.note)):
        parts.append(f"注：{escape_markdown(note)}")
    return "\n\n".join(parts)


def to_markdown(
    title: str, sections: Sequence[ExportSection], build_id: str, when: datetime | None = None
) -> str:
    """The export as Markdown: ``# title``, the date and build id, then ``## heading`` per section,
    each item as a blockquote of its text followed by its citation and note."""
    when = when or datetime.now()
    blocks = [
        _md_heading(1, title),
        f"导出时间：{export_date(when)}",
        f"索引版本：{escape_markdown(build_id)}",
    ]
    for section in sections:
        blocks.append(_md_heading(2, section.heading))
        blocks += [_md_item(item) for item in section.items] or ["（无）"]
    return "\n\n".join(blocks) + "\n"


# -- Word -----------------------------------------------------------------------------------


def _set_fonts(target: BaseStyle | BaseOxmlElement, east_asian: str, latin: str) -> None:
    """Declare ``east_asian`` (w:eastAsia) and ``latin`` (ascii, hAnsi) on a style (or a ``w:rPr``),
    theme fonts removed: a theme font attribute (``w:asciiTheme`` …) overrides the explicit one.
    """
    rpr = target.element.get_or_add_rPr() if isinstance(target, BaseStyle) else target
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attribute), None)
    for attribute in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attribute), latin)
    fonts.set(qn("w:eastAsia"), east_asian)
    fonts.set(qn("w:hint"), "eastAsia")
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:eastAsia"), "zh-CN")


def _prepare(document: WordDocument) -> None:
    """A4 pages; Chinese fonts and black text on Normal, Title and the headings; the item styles."""
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.6)
    section.top_margin = section.bottom_margin = Cm(2.5)
    styles = document.styles
    defaults = styles.element.find(qn("w:docDefaults"))
    default_fonts = None if defaults is None else defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}")
    if default_fonts is not None:  # text in no style of ours (headers, a user's additions) too
        _set_fonts(default_fonts, BODY_FONT, LATIN_BODY_FONT)
    normal = styles["Normal"]
    _set_fonts(normal, BODY_FONT, LATIN_BODY_FONT)
    normal.font.size = Pt(12)  # 小四
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.3
    for name, points in (("Title", 20), ("Heading 1", 16), ("Heading 2", 14)):
        heading = styles[name]
        _set_fonts(heading, HEADING_FONT, LATIN_HEADING_FONT)
        heading.font.size = Pt(points)
        heading.font.bold = name != "Title"
        heading.font.color.rgb = RGBColor(0, 0, 0)
    for name, size, grey in (
        (PASSAGE_STYLE, 12.0, False),
        (CITATION_STYLE, 10.5, False),
        (NOTE_STYLE, 10.5, True),
    ):
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = normal
        _set_fonts(style, BODY_FONT, LATIN_BODY_FONT)
        style.font.size = Pt(size)
        style.paragraph_format.left_indent = Cm(0.85)
        if grey:
            style.font.color.rgb = RGBColor(0x59, 0x59, 0x59)
    styles[PASSAGE_STYLE].paragraph_format.space_before = Pt(12)  # apart from the item before


def _paragraph(document: WordDocument, lines: list[str], style: str, label: str = "") -> None:
    """One paragraph of ``lines`` (kept apart by line breaks), after a bold ``label``."""
    paragraph = document.add_paragraph(style=style)
    if label:
        paragraph.add_run(label).bold = True
    paragraph.add_run("\n".join(lines))  # python-docx writes "\n" as a line break (w:br)


def to_docx(
    title: str, sections: Sequence[ExportSection], build_id: str, when: datetime | None = None
) -> bytes:
    """The export as a .docx (bytes): the title, the date and build id, a heading per section,
    each item's text, its citation and its note, in East-Asian fonts Word and WPS honour."""
    when = when or datetime.now()
    document = Document()
    _prepare(document)
    flat_title = " ".join(_lines(title)) or "（无标题）"
    document.core_properties.title = flat_title
    document.core_properties.created = when
    document.core_properties.language = "zh-CN"
    document.add_heading(flat_title, level=0)
    document.add_paragraph(f"导出时间：{export_date(when)}")
    document.add_paragraph(f"索引版本：{' '.join(_lines(build_id))}")
    for section in sections:
        document.add_heading(" ".join(_lines(section.heading)) or "（无标题）", level=1)
        if not section.items:
            document.add_paragraph("（无）")
        for item in section.items:
            _paragraph(document, _lines(item.text), PASSAGE_STYLE)
            if citation := _lines(item.citation):
                _paragraph(document, citation, CITATION_STYLE, "引用：")
            if note := _lines(item.note):
                _paragraph(document, [" ".join(note)], NOTE_STYLE, "注：")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
