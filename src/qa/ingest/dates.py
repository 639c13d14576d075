"""Dates in Chinese documents: "2024年1月18日", "2024-01-18" and "二〇二四年一月十八日" as ISO dates,
and lines that are only a date."""

from __future__ import annotations

import re

_DATE = re.compile(r"(?P<y>(19|20)\d{2})\s*[-年/.]\s*(?P<m>\d{1,2})\s*[-月/.]\s*(?P<d>\d{1,2})")


_CN_DIGIT = "〇○零一二三四五六七八九"


_CN_DIGITS = str.maketrans(_CN_DIGIT, "000123456789")


_CN_DAY = "[一二三]?十[一二三四五六七八九]?|[一二三四五六七八九]"


# "二〇二四年一月十八日", as printed speeches date themselves.
_CN_DATE = re.compile(
    rf"(?P<y>(一九|二[〇○零])[{_CN_DIGIT}]{{2}})\s*年\s*(?P<m>{_CN_DAY})\s*月\s*(?P<d>{_CN_DAY})\s*日"
)


_YEAR = re.compile(r"(?P<y>(19|20)\d{2})年")


BRACKETS = re.compile(r"^[(（〔\[]\s*|\s*[)）〕\]]$")


_PLACE = re.compile(r"[\s,，、]+[\u4e00-\u9fff]{2,8}$")


def find_date(text: str) -> str | None:
    """The first full date in ``text`` as ISO ``YYYY-MM-DD``, else a bare year, else None.

    Dates in Chinese numerals ("二〇二四年一月十八日") count as full dates too.
    """
    if match := _DATE.search(text):
        month, day = int(match["m"]), int(match["d"])
        if 1 <= month <= 12 and 1 <= day <= 31:
            return f"{match['y']}-{month:02d}-{day:02d}"
    if match := _CN_DATE.search(text):
        month, day = _cn_number(match["m"]), _cn_number(match["d"])
        if 1 <= month <= 12 and 1 <= day <= 31:
            return f"{match['y'].translate(_CN_DIGITS)}-{month:02d}-{day:02d}"
    if match := _YEAR.search(text):
        return match["y"]
    return None


def _cn_number(text: str) -> int:
    """1 to 39 written in Chinese numerals ("九", "十二", "二十", "三十一")."""
    tens, ten, ones = text.translate(_CN_DIGITS).partition("十")
    return int(tens or 1) * 10 + int(ones or 0) if ten else int(tens)


def is_date_line(line: str) -> bool:
    """A line that is only a date, perhaps in brackets and with a place: "（2024年1月18日，北京）"."""
    core = _PLACE.sub("", BRACKETS.sub("", line))
    dated = _DATE.fullmatch(core.removesuffix("日")) or _CN_DATE.fullmatch(core)
    return bool(dated) and len(find_date(core) or "") == 10
