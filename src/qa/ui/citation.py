"""Citations a writer pastes unchanged: full-width punctuation, nested quotes, a findable place.

Two styles (``CitationStyle``):

``"plain"`` — what a speechwriter pastes into a draft::

    《2022年在市委政协工作会议上讲话》（2022年），一、提高政治站位……部分第3段起：“二是要……”

``"gbt7714"`` — the quotation with its place, then a reference entry after GB/T 7714-2015
《信息与文献 参考文献著录规则》::

    “二是要……”（一、提高政治站位……部分第3段起）
    2022年在市委政协工作会议上讲话[Z]. [出版地不详]: [出版者不详], 2022.

The entry follows the standard's rules as far as the index knows the document. Document type
``[Z]`` (其他, Appendix B's table of codes): a speech read from a local file is none of
M/C/G/N/J/D/R/S/P/DB/CP/EB/A/CM/DS — ``[R]`` is for reports issued as such by an institution,
and ``[EB/OL]`` needs the URL and the access date, which the index does not hold. The speaker
is not recorded, and the standard lets an entry of a numbered (顺序编码制) list open with the
title when the author is unknown (instead of "佚名"); unknown place and publisher are written
"[出版地不详]: [出版者不详]"; the year is the document's, left out when it has none; there are
no page numbers to give. The entry keeps the standard's own punctuation (". ", ": ", ", ").
(The rules as the standard states them, checked against the localisation strings of
zepinglee/gbt7714-bibtex-style, its LaTeX implementation, not against the standard's text.)

In both styles the quoted text gets consistent full-width punctuation (``full_width``) and
its own “ ” become ‘ ’ inside the citation's “ ” (GB/T 15834-2011 标点符号用法: the inner
quotation takes single quotes). The place is the passage's outermost numbered section and the
paragraph counted within it ("一、提高政治站位……部分第3段"); a passage that runs over several
source lines (a list of eight items is eight) is cited by where it starts ("第3段起"), never as
a range or a part ("第9–16段", "第2段之2"). A passage in no numbered section is cited by its
paragraph in the whole document ("第2段"). No slot is left empty: without a date there are no
brackets, without a section no "部分".
"""

from __future__ import annotations

import re
from typing import Literal

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
    """``2022-03-05`` as 2022年3月5日, ``2022`` as 2022年; any other text as written; None as ""."""
    if not date:
        return ""
    if match := re.fullmatch(r"(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?", date.strip()):
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


def cited_section(hit: Hit) -> str | None:
    """The hit's outermost section heading when it is a numbered one (一、… 第一部分… （一）…)."""
    if not hit.section_path:
        return None
    found = heading_of(hit.section_path[0])
    return hit.section_path[0] if found and found[2] else None


def place(hit: Hit) -> str:
    """Where the passage stands: "一、提高政治站位……部分第3段", "第2段", "…第3段起"; in a
    document with pages, the page comes first: "第12页，第3段"."""
    start = "起" if hit.paragraph_end > hit.paragraph else ""
    section = cited_section(hit)
    if section is not None and hit.section_paragraph > 0:
        paragraph = f"{section_label(section)}第{hit.section_paragraph}段{start}"
    else:
        paragraph = f"第{hit.paragraph}段{start}"
    return f"{hit.page_label}，{paragraph}" if hit.page_label else paragraph


def reference(hit: Hit) -> str:
    """The GB/T 7714-2015 entry of the hit's document (see the module's docstring)."""
    year = re.match(r"\d{4}", hit.doc_date or "")
    published = f", {year.group(0)}" if year else ""
    return f"{hit.doc_title.strip()}[Z]. [出版地不详]: [出版者不详]{published}."


def cite(hit: Hit, style: CitationStyle = "plain") -> str:
    """The citation of ``hit`` in ``style``, ready to paste (see the module's docstring)."""
    if style == "gbt7714":
        return f"{quoted(hit.text)}（{place(hit)}）\n{reference(hit)}"
    if style != "plain":
        raise ValueError(f"Unknown citation style {style!r}; choose one of {[s for _, s in STYLES]}")
    date = chinese_date(hit.doc_date)
    when = f"（{full_width(date)}）" if date else ""
    return f"《{full_width(hit.doc_title.strip())}》{when}，{place(hit)}：{quoted(hit.text)}"
