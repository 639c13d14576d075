"""Citations a writer pastes unchanged, and the one way every view numbers paragraphs and
writes dates.

Two styles (``CitationStyle``):

``"plain"`` — what a speechwriter pastes into a draft::

    《2022年在市委政协工作会议上讲话》（2022年），第9—16段（一、提高政治站位……部分）：“二是要……”

``"gbt7714"`` — the quotation with its place, then a reference entry after GB/T 7714-2015
《信息与文献 参考文献著录规则》::

    “二是要……”（第9—16段，一、提高政治站位……部分）
    张三. 2022年在市委政协工作会议上讲话[Z]. 2022.

The entry follows the standard's rules as far as the index knows the document. Document type
``[Z]`` (其他, Appendix B's table of codes): a speech read from a local file is none of
M/C/G/N/J/D/R/S/P/DB/CP/EB/A/CM/DS — ``[R]`` is for reports issued as such by an institution,
and ``[EB/OL]`` needs the URL and the access date, which the index does not hold. The speaker
(``Hit.speaker``, where the index records one; else an official document's issuing authority,
``Hit.authority``) is the entry's 主要责任者; without one the
entry opens with the title, as the standard allows in a numbered (顺序编码制) list instead of
"佚名". What is unknown is left out rather than written as "[出版地不详]: [出版者不详]": the
standard lets electronic documents omit place and publisher, and an office pastes the entry
into a document where bracketed placeholders read as errors. The year is the document's, left
out when it has none. The entry keeps the standard's own punctuation (". ", ", ").
(The rules as the standard states them, checked against the localisation strings of
zepinglee/gbt7714-bibtex-style, its LaTeX implementation, not against the standard's text.)

In both styles the quoted text gets consistent full-width punctuation (``full_width``) and
its own “ ” become ‘ ’ inside the citation's “ ” (GB/T 15834-2011 标点符号用法: the inner
quotation takes single quotes).

**One numbering** (``paragraph_number``, ``place``), the same in cards, the reader, 提法溯源,
draft sources, citations and exports: the paragraph counted in the whole document, as the
reader shows it, with the outermost numbered section named beside it —
"第32段（三、提高政治站位……部分）". A passage of several short paragraphs (a list of eight
items) is "第9—16段"; a paragraph too long for one passage is cut at sentence ends into
pieces cited "第4段之一", "第4段之二". A document with pages puts the page first:
"第12页，第32段". No slot is left empty: without a section there are no brackets.

**One date style** (``chinese_date``): 2024年3月5日, 2024年3月, or 2024年 where only the year is
known — in cards, the reader, tracing, draft sources, document lists, exports, admin tables
and the CLI's text output.
"""

from __future__ import annotations

import re
from typing import Literal, Protocol

from qa.passages.cutting import heading_of
from qa.retrieve.hit import Hit
from qa.text.normalise import CJK

CitationStyle = Literal["plain", "gbt7714"]
STYLES: tuple[tuple[str, CitationStyle], ...] = (("普通", "plain"), ("GB/T 7714", "gbt7714"))

# Characters after or before which a half-width mark belongs to Chinese text.
_CHINESE = rf"[{CJK}\u2018-\u201f\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\u2026\u2014]"
_FULL = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！"}
_MARK = re.compile(r" *([,;:?!]) *")
_IS_CHINESE = re.compile(_CHINESE)
_PARENTHESES = re.compile(rf"\(([^()]*{_CHINESE}[^()]*)\)")
_STRAIGHT_QUOTES = re.compile(rf'"([^"]*{_CHINESE}[^"]*)"')
_NESTED = str.maketrans({"“": "‘", "”": "’", "‘": "“", "’": "”"})
_CLAUSE_BREAK = re.compile(r"[，,；;：:]")
_CHAPTER = re.compile(r"^第[一二三四五六七八九十百零〇0-9]+(部分|章|节)")
_ENDS_IN_PUNCTUATION = re.compile(rf"[{''.join(_FULL.values())}。、）》”’…—,;:?!.)]$")
_SHORT_HEADING = 16  # a heading longer than this is cited by its first clause
_DIGITS = "零一二三四五六七八九"
_DATE = re.compile(r"(\d{4})(?:\s*[-/.年]\s*(\d{1,2}))?(?:\s*[-/.月]\s*(\d{1,2}))?\s*[日年月]?")


def full_width(text: str) -> str:
    """``text`` with the half-width , ; : ? ! ( ) " of its Chinese sentences in full width.

    A mark is Chinese when a Chinese character or full-width mark stands on either side of it
    (spaces around it are dropped), unless it stands between two digits ("1,000", "9:30" stay).
    Parentheses are converted as a pair when what they enclose, or what stands before them, is
    Chinese; straight double quotes as a pair when they enclose Chinese.
    """
    text = _PARENTHESES.sub(r"（\1）", text)
    text = re.sub(rf"(?<={_CHINESE})\(([^()]*)\)", r"（\1）", text)
    text = _STRAIGHT_QUOTES.sub(r"“\1”", text)

    def mark(match: re.Match[str]) -> str:
        before = text[match.start() - 1] if match.start() else ""
        after = text[match.end()] if match.end() < len(text) else ""
        if before.isdigit() and after.isdigit():
            return match.group(0)
        if _IS_CHINESE.fullmatch(before or " ") or _IS_CHINESE.fullmatch(after or " "):
            return _FULL[match.group(1)]
        return match.group(0)

    return _MARK.sub(mark, text)


def quoted(text: str) -> str:
    """The passage as one quotation: lines joined, full-width punctuation, inner quotes single."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    joined = ""
    for line in lines:
        glue = "" if not joined or _ENDS_IN_PUNCTUATION.search(joined) else " "
        joined += glue + line
    return f"“{full_width(joined).translate(_NESTED)}”"


def chinese_date(date: str | None) -> str:
    """The one date style: ``2022-03-05`` as 2022年3月5日, ``2022-03`` as 2022年3月, ``2022`` as
    2022年 (also from 2022/3/5, 2022.03.05, 2022年03月05日); other text as written; None as ""."""
    if not date:
        return ""
    if match := _DATE.fullmatch(date.strip()):
        year, month, day = match.groups()
        return f"{year}年" + (f"{int(month)}月" if month else "") + (f"{int(day)}日" if day else "")
    return date.strip()


def section_label(heading: str) -> str:
    """How a numbered section is named in a citation: "一、提高政治站位……部分", "第二章"."""
    heading = full_width(heading.strip())
    if chapter := _CHAPTER.match(heading):
        return chapter.group(0)
    if len(heading) > _SHORT_HEADING and (cut := _CLAUSE_BREAK.search(heading)):
        heading = heading[: cut.start()] + "……"
    return f"{heading}部分"


def cited_section(passage: Placed) -> str | None:
    """The passage's outermost section heading when it is a numbered one (一、… 第一部分… （一）…)."""
    if not passage.section_path:
        return None
    found = heading_of(passage.section_path[0])
    return passage.section_path[0] if found and found[2] else None


class Placed(Protocol):
    """What ``place`` needs of a passage: a ``Hit``, a ``Passage`` or a traced use."""

    @property
    def paragraph(self) -> int: ...
    @property
    def paragraph_end(self) -> int: ...
    @property
    def part(self) -> int: ...
    @property
    def parts(self) -> int: ...
    @property
    def section_path(self) -> tuple[str, ...]: ...
    @property
    def page_label(self) -> str: ...


def chinese_numeral(number: int) -> str:
    """1 to 99 in Chinese numerals (一, 十二, 二十, 九十九); other numbers in digits."""
    if not 0 < number < 100:
        return str(number)
    tens, ones = divmod(number, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十")
    return head + (_DIGITS[ones] if ones else "")


def paragraph_number(passage: Placed) -> str:
    """The paragraph(s) a passage holds, counted in the whole document: "第32段", "第9—16段",
    "第4段之二" (the second piece of a paragraph cut at sentence ends)."""
    if passage.paragraph_end > passage.paragraph:
        return f"第{passage.paragraph}—{passage.paragraph_end}段"
    piece = f"之{chinese_numeral(passage.part)}" if passage.parts > 1 and passage.part > 0 else ""
    return f"第{passage.paragraph}段{piece}"


def place(passage: Placed, nested: bool = False) -> str:
    """Where the passage stands: "第32段（三、提高政治站位……部分）", "第2段", "第4段之二";
    in a document with pages the page first: "第12页，第32段". ``nested`` (inside brackets
    already) names the section after a comma instead: "第32段，三、提高政治站位……部分".
    A passage of a regulation is cited by its chapter and article: "第二章第十二条"."""
    article = str(getattr(passage, "article", "") or "")
    number = article_place(passage, article) if article else paragraph_number(passage)
    if article:
        return f"{passage.page_label}，{number}" if passage.page_label else number
    if passage.page_label:
        number = f"{passage.page_label}，{number}"
    section = cited_section(passage)
    if section is None:
        return number
    return f"{number}，{section_label(section)}" if nested else f"{number}（{section_label(section)}）"


def article_place(passage: Placed, article: str) -> str:
    """A regulation's article with its chapter where it has one: "第二章第十二条", "第十二条"."""
    section = cited_section(passage)
    chapter = _CHAPTER.match(full_width(section.strip())) if section else None
    chapter_name = chapter.group(0) if chapter and chapter.group(0).endswith("章") else ""
    return f"{chapter_name}{article}"


def reference(hit: Hit) -> str:
    """The GB/T 7714-2015 entry of the hit's document (see the module's docstring): the speaker
    (or an official document's issuing authority) where known, the title, ``[Z]``, the year
    where known; nothing unknown is written."""
    speaker = str(getattr(hit, "speaker", "") or getattr(hit, "authority", "") or "").strip()
    year = re.match(r"\d{4}", hit.doc_date or "")
    parts = [speaker, f"{hit.doc_title.strip()}[Z]", year.group(0) if year else ""]
    return ". ".join(p for p in parts if p) + "."


def cite(hit: Hit, style: CitationStyle = "plain") -> str:
    """The citation of ``hit`` in ``style``, ready to paste (see the module's docstring)."""
    if style == "gbt7714":
        return f"{quoted(hit.text)}（{place(hit, nested=True)}）\n{reference(hit)}"
    return f"{source(hit, style)}：{quoted(hit.text)}"


def source(hit: Hit, style: CitationStyle = "plain") -> str:
    """Where the passage comes from, without its text — the line an export prints once after
    the passage: "《标题》（2024年3月5日），第32段（三、…部分）"; in GB/T 7714 the place, then
    the reference entry on a line of its own."""
    if style == "gbt7714":
        return f"{place(hit)}\n{reference(hit)}"
    if style != "plain":
        raise ValueError(f"Unknown citation style {style!r}; choose one of {[s for _, s in STYLES]}")
    date = chinese_date(hit.doc_date)
    when = f"（{full_width(date)}）" if date else ""
    return f"《{full_width(hit.doc_title.strip())}》{when}，{place(hit)}"
