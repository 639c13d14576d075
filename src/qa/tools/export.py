"""Passages with their sources as a file a writer keeps: Word (.docx) or Markdown.

What is exported is a title (the question or the phrase), then sections (one per question,
formulation or draft sentence), each a list of ``ExportItem``: the passage's text, printed
once, the line saying where it comes from (``source``, without the text again) and an
optional note. The callers (the chat's selected cards, formulation tracing, draft checking)
build the sections; this module only writes them and knows nothing of Gradio or of the index.

Nothing technical stands in the document's body: the index's build id goes into the .docx's
document properties (identifier, comments) and, in Markdown, into a closing HTML comment that
renderers do not show. The .docx comes in two looks (``qa.tools.word_styles``): ``"standard"``
and ``"official"``, the 公文 layout of GB/T 9704-2012.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from docx import Document
from docx.document import Document as WordDocument

from qa.tools.word_styles import CITATION_STYLE, NOTE_STYLE, PASSAGE_STYLE, DocumentStyle, prepare

FILE_PREFIX = "政协讲话问答-导出"
SOURCE_LABEL = "出处："
NOTE_LABEL = "注："

# Characters that are not allowed in XML 1.0 (python-docx refuses them).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# Markdown syntax anywhere in a line; a "]" that would close a link ("](", "]["); and the
# block markers at the start of a line (headings, lists, rules, a link definition's "[").
# A lone [Z] stays as written: without a definition line or "](" it is no link.
_MD_INLINE = re.compile(r"([\\`*_<>|~&]|\](?=[(\[]))")
_MD_LINE_START = re.compile(r"^([#+\-=\[]|\d+(?=[.)]))")


@dataclass(frozen=True)
class ExportItem:
    """One exported passage: its text, where it comes from (the source line printed after it,
    without the text again: "《标题》（2024年3月5日），第32段（…部分）") and an optional note."""

    text: str
    source: str
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
    # A backslash ending a line is a line break: a GB/T 7714 source keeps its two lines.
    source = "\\\n".join(escape_markdown(line) for line in _lines(item.source))
    if source:
        parts.append(f"{SOURCE_LABEL}{source}")
    if note := " ".join(_lines(item.note)):
        parts.append(f"{NOTE_LABEL}{escape_markdown(note)}")
    return "\n\n".join(parts)


def to_markdown(
    title: str, sections: Sequence[ExportSection], build_id: str, when: datetime | None = None
) -> str:
    """The export as Markdown: ``# title``, the date, then ``## heading`` per section, each item
    as a blockquote of its text followed by its source line and note; the build id last, in an
    HTML comment renderers do not show."""
    when = when or datetime.now()
    blocks = [_md_heading(1, title), f"导出时间：{export_date(when)}"]
    for section in sections:
        blocks.append(_md_heading(2, section.heading))
        blocks += [_md_item(item) for item in section.items] or ["（无）"]
    build = " ".join(_lines(build_id)).replace("--", "- -")
    blocks.append(f"<!-- 索引版本：{build} -->")
    return "\n\n".join(blocks) + "\n"


# -- Word -----------------------------------------------------------------------------------


def _paragraph(document: WordDocument, lines: list[str], style: str, label: str = "") -> None:
    """One paragraph of ``lines`` (kept apart by line breaks), after a ``label``."""
    paragraph = document.add_paragraph(style=style)
    if label:
        paragraph.add_run(label)
    paragraph.add_run("\n".join(lines))  # python-docx writes "\n" as a line break (w:br)


def to_docx(
    title: str,
    sections: Sequence[ExportSection],
    build_id: str,
    when: datetime | None = None,
    look: DocumentStyle = "standard",
) -> bytes:
    """The export as a .docx (bytes) in ``look``: the title, the export's date (not in the 公文
    look), a heading per section, each item's text, its source line and its note; the build id
    in the document properties."""
    when = when or datetime.now()
    document = Document()
    prepare(document, look)
    flat_title = " ".join(_lines(title)) or "（无标题）"
    properties = document.core_properties
    properties.title = flat_title
    properties.created = when
    properties.language = "zh-CN"
    properties.identifier = " ".join(_lines(build_id))
    properties.comments = f"政协讲话问答导出，{export_date(when)}；索引版本 {properties.identifier}"
    document.add_heading(flat_title, level=0)
    if look == "standard":
        document.add_paragraph(f"导出时间：{export_date(when)}")
    for section in sections:
        document.add_heading(" ".join(_lines(section.heading)) or "（无标题）", level=1)
        if not section.items:
            document.add_paragraph("（无）")
        for item in section.items:
            _paragraph(document, _lines(item.text), PASSAGE_STYLE)
            if source := _lines(item.source):
                _paragraph(document, source, CITATION_STYLE, SOURCE_LABEL)
            if note := _lines(item.note):
                _paragraph(document, [" ".join(note)], NOTE_STYLE, NOTE_LABEL)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
