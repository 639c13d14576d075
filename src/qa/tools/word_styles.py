"""The two looks of a Word export: ``"standard"`` (宋体 小四, the screen-friendly default) and
``"official"`` (公文: the layout of GB/T 9704-2012 《党政机关公文格式》), applied to a new
python-docx ``Document`` before anything is written into it.

Every style the export uses declares its East-Asian font (``w:eastAsia``) beside a Latin
one, with the theme fonts removed and the text marked zh-CN, so Word and WPS show the fonts
a Chinese document expects instead of the theme's. A font the user's machine lacks is
substituted by Word; the declared name stays in the file.

The 公文 layout, as GB/T 9704-2012 sets it out:

* A4 (210 mm × 297 mm); the type area (版心) 156 mm × 225 mm, its top edge 37 mm from the
  paper's (天头) and its left edge 28 mm (订口) — so margins of 37 / 35 mm top / bottom and
  28 / 26 mm left / right (§5.2.1, §5.2.2);
* the body in 三号 仿宋 (16 pt; 仿宋_GB2312, the font offices install), 22 lines of 28
  characters a page (§5.2.3): a line pitch of 225 mm / 22, rounded down to whole twips
  (28.95 pt: rounded up, 22 lines would overflow the type area and Word would set 21), set
  as the document's line grid (``w:docGrid``, 22 lines a page) and as an exact line spacing;
  and 28 characters in 156 mm (15.79 pt each) by narrowing each 16 pt character by 0.25 pt
  (``w:spacing``, character spacing "紧缩 0.25 磅"). The grid's character pitch
  (``linesAndChars``) would say the same to Word, but other programs (LibreOffice) then
  give each 16 pt character two 15.79 pt cells: half the characters to a line;
* the title in 二号 方正小标宋简体 (22 pt), centred (§7.3.3); first-level headings in 三号
  黑体 (§7.3.3's 结构层次: 黑体, 楷体, 仿宋);
* page numbers in 四号 宋体 Arabic figures between two em dashes ("— 1 —"), under the
  type area (§7.5; centred here rather than alternating sides).

Sizes in Chinese point names: 二号 22 pt, 三号 16 pt, 四号 14 pt, 小四 12 pt, 五号 10.5 pt.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from docx.document import Document as WordDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Cm, Emu, Mm, Pt, RGBColor
from docx.styles.style import BaseStyle

DocumentStyle = Literal["standard", "official"]
DOCUMENT_STYLES: tuple[tuple[str, DocumentStyle], ...] = (("常规", "standard"), ("公文", "official"))
PASSAGE_STYLE = "摘录正文"
CITATION_STYLE = "引用出处"
NOTE_STYLE = "备注"
LATIN_BODY_FONT = "Times New Roman"
LATIN_HEADING_FONT = "Arial"

# GB/T 9704-2012 §5.2: the type area and where it sits on A4.
OFFICIAL_TOP, OFFICIAL_LEFT = Mm(37), Mm(28)
OFFICIAL_AREA_WIDTH, OFFICIAL_AREA_HEIGHT = Mm(156), Mm(225)
OFFICIAL_LINES, OFFICIAL_CHARS = 22, 28
OFFICIAL_BODY_PT = 16.0  # 三号
OFFICIAL_TITLE_PT = 22.0  # 二号
OFFICIAL_PAGE_NUMBER_PT = 14.0  # 四号


@dataclass(frozen=True)
class Look:
    """The fonts (East-Asian, Latin) and sizes in points of one export style."""

    body: str
    title: str
    heading: str
    source: str  # the source line after each passage, and notes
    body_pt: float
    title_pt: float
    heading_pt: float
    source_pt: float
    note_pt: float


LOOKS: dict[DocumentStyle, Look] = {
    "standard": Look("宋体", "黑体", "黑体", "宋体", 12.0, 20.0, 16.0, 10.5, 10.5),
    "official": Look(
        "仿宋_GB2312",
        "方正小标宋简体",
        "黑体",
        "楷体_GB2312",
        OFFICIAL_BODY_PT,
        OFFICIAL_TITLE_PT,
        16.0,
        16.0,
        16.0,
    ),
}


def line_pitch_twips() -> int:
    """The 公文 line pitch in twentieths of a point: the type area's height over 22 lines,
    rounded down (579, 28.95 pt)."""
    return int(OFFICIAL_AREA_HEIGHT.pt * 20 / OFFICIAL_LINES)


def char_spacing_twips() -> int:
    """How much each 16 pt character is narrowed (``w:spacing``, twentieths of a point, negative)
    so that 28 fit in the type area's 156 mm: rounded away from zero (-5, 0.25 pt)."""
    return math.floor((OFFICIAL_AREA_WIDTH.pt / OFFICIAL_CHARS - OFFICIAL_BODY_PT) * 20)


def set_fonts(target: BaseStyle | BaseOxmlElement, east_asian: str, latin: str) -> None:
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


def prepare(document: WordDocument, style: DocumentStyle = "standard") -> None:
    """Page, fonts and item styles of ``style`` on a new document (``ValueError``: an unknown style)."""
    if style not in LOOKS:
        raise ValueError(f"Unknown export style {style!r}; choose one of {[s for _, s in DOCUMENT_STYLES]}")
    look = LOOKS[style]
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    if style == "official":
        section.top_margin, section.left_margin = OFFICIAL_TOP, OFFICIAL_LEFT
        section.bottom_margin = Emu(Mm(297) - OFFICIAL_TOP - OFFICIAL_AREA_HEIGHT)
        section.right_margin = Emu(Mm(210) - OFFICIAL_LEFT - OFFICIAL_AREA_WIDTH)
        _grid(section._sectPr)
        _page_numbers(document)
    else:
        section.left_margin = section.right_margin = Cm(2.6)
        section.top_margin = section.bottom_margin = Cm(2.5)
    styles = document.styles
    defaults = styles.element.find(qn("w:docDefaults"))
    default_fonts = None if defaults is None else defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}")
    if default_fonts is not None:  # text in no style of ours (headers, a user's additions) too
        set_fonts(default_fonts, look.body, LATIN_BODY_FONT)
    normal = styles["Normal"]
    set_fonts(normal, look.body, LATIN_BODY_FONT)
    normal.font.size = Pt(look.body_pt)
    if style == "official":
        _exact_lines(normal)
        _narrowed(normal, char_spacing_twips())
    else:
        normal.paragraph_format.space_after = Pt(6)
        normal.paragraph_format.line_spacing = 1.3
    for name, font, points in (
        ("Title", look.title, look.title_pt),
        ("Heading 1", look.heading, look.heading_pt),
        ("Heading 2", look.heading, max(look.heading_pt - 2, look.body_pt)),
    ):
        heading = styles[name]
        set_fonts(heading, font, LATIN_HEADING_FONT)
        heading.font.size = Pt(points)
        heading.font.bold = name != "Title" and style == "standard"
        heading.font.color.rgb = RGBColor(0, 0, 0)
        if style == "official":
            _exact_lines(heading)
            heading.paragraph_format.space_before = heading.paragraph_format.space_after = Pt(0)
            heading.paragraph_format.first_line_indent = (
                Pt(0) if name == "Title" else Pt(2 * OFFICIAL_BODY_PT)
            )
    if style == "official":
        styles["Title"].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _no_title_rule(styles["Title"])
        _narrowed(styles["Title"], 0)
    for name, font, size, grey in (
        (PASSAGE_STYLE, look.body, look.body_pt, False),
        (CITATION_STYLE, look.source, look.source_pt, False),
        (NOTE_STYLE, look.source, look.note_pt, style == "standard"),
    ):
        added = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        added.base_style = normal
        set_fonts(added, font, LATIN_BODY_FONT)
        added.font.size = Pt(size)
        if style == "official":  # 首行缩进两字, as body text is set
            added.paragraph_format.first_line_indent = Pt(2 * OFFICIAL_BODY_PT)
        else:
            added.paragraph_format.left_indent = Cm(0.85)
        if grey:
            added.font.color.rgb = RGBColor(0x59, 0x59, 0x59)
    if style == "standard":
        styles[PASSAGE_STYLE].paragraph_format.space_before = Pt(12)  # apart from the item before


def _exact_lines(style: BaseStyle) -> None:
    """One 公文 line per line of text: exact spacing of the grid's pitch (28.95 pt)."""
    form = style.paragraph_format  # type: ignore[attr-defined]
    form.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    form.line_spacing = Pt(line_pitch_twips() / 20)
    form.space_before = form.space_after = Pt(0)


def _narrowed(style: BaseStyle, twips: int) -> None:
    """Character spacing of ``style``: ``twips`` (twentieths of a point) added to each character."""
    rpr = style.element.get_or_add_rPr()
    spacing = rpr.find(qn("w:spacing"))
    if spacing is None:
        spacing = OxmlElement("w:spacing")
        rpr.append(spacing)
    spacing.set(qn("w:val"), str(twips))


def _grid(sect_pr: BaseOxmlElement) -> None:
    """The section's document grid: 22 lines a page (``w:docGrid``, lines)."""
    grid = sect_pr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        sect_pr.append(grid)
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(line_pitch_twips()))
    grid.attrib.pop(qn("w:charSpace"), None)


def _page_numbers(document: WordDocument) -> None:
    """ "— 1 —" centred in the footer, 四号 宋体 (a PAGE field Word fills in)."""
    paragraph = document.sections[0].footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for text, field in (("— ", False), ("PAGE", True), (" —", False)):
        if field:
            simple = OxmlElement("w:fldSimple")
            simple.set(qn("w:instr"), " PAGE ")
            inner = OxmlElement("w:r")
            inner.append(_run_fonts())
            shown = OxmlElement("w:t")
            shown.text = "1"
            inner.append(shown)
            simple.append(inner)
            paragraph._p.append(simple)
        else:
            run = paragraph.add_run(text)
            run.font.size = Pt(OFFICIAL_PAGE_NUMBER_PT)
            set_fonts(run._r.get_or_add_rPr(), "宋体", LATIN_BODY_FONT)


def _run_fonts() -> BaseOxmlElement:
    rpr = OxmlElement("w:rPr")
    set_fonts(rpr, "宋体", LATIN_BODY_FONT)
    size = OxmlElement("w:sz")
    size.set(qn("w:val"), str(int(OFFICIAL_PAGE_NUMBER_PT * 2)))
    rpr.append(size)
    return rpr


def _no_title_rule(title: BaseStyle) -> None:
    """Word's default Title style draws a rule under the title; a 公文 title has none."""
    ppr = title.element.find(qn("w:pPr"))
    border = None if ppr is None else ppr.find(qn("w:pBdr"))
    if border is not None and ppr is not None:
        ppr.remove(border)
