"""One normalisation of questions and documents for matching; what is shown stays as written.

``match_form`` is what BM25, quoted phrases, matched terms and highlights compare:

* NFKC where it maps a character to one character (full-width digits and letters to ASCII)
  and lower case;
* traditional characters folded to simplified (OpenCC's ``t2s`` phrase tables, the
  ``opencc`` package; ``bench``-measured against opencc-python-reimplemented, zhconv,
  zhconv-rs and hanziconv: the most accurate, and it never changes a text's length);
* no spaces between Chinese characters ("提 高 提 案 质 量" is 提高提案质量);
* Chinese numerals that count or number something as digits: 十四届 → 14届, 二次 → 2次,
  第三条 → 第3条, so a question typed with digits meets the text written in words.

``fold`` (the first two) keeps every character at its place, so a span found in the folded
text is the same span of the original; ``match_form_with_offsets`` maps the other two
rewritings back too. ``NORMALISATION`` names all this in the manifest.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable

NORMALISATION = "nfkc1+lower+opencc-t2s+cjk-spaces+numerals/2"

# The CJK unified ideographs (with extension A and the compatibility block), as a regex class body.
CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_OR_PUNCTUATION = rf"[{CJK}\u2018-\u201f\u3000-\u303f\uff00-\uffef]"  # with “” ‘’
_CJK_SPACES = re.compile(rf"(?<={_CJK_OR_PUNCTUATION})\s+(?={_CJK_OR_PUNCTUATION})")
_GAP = re.compile(r"(?<=\S) (?=\S)")
_SPACED_GAP = re.compile(r"(?<![A-Za-z]) (?=\S)|(?<=\S) (?![A-Za-z])")
_DIGITS = {
    "零": 0,
    "〇": 0,
    "○": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
# What a numeral counts or numbers: 届, 次 (会议), 条 (法规), 个, 年 … (not 一些, 一般, 统一).
_COUNTED = "届|次|条|款|项|章|节|批|期|轮|个|位|名|家|件|号|年|周年|月|日|天|岁|倍|百分点|万|亿|部分"
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_NUMERAL = re.compile(rf"[零〇○一二两三四五六七八九十百千]+(?=(?:{_COUNTED}))")


@functools.cache
def _converter() -> object:
    import opencc

    return opencc.OpenCC("t2s")


def simplified(text: str) -> str:
    """``text`` with traditional characters folded to simplified (same length), else unchanged.

    What the embedding model reads, for documents and questions alike: e5 places the two
    scripts of one sentence close, but not as close as the same script.
    """
    converted: str = _converter().convert(text)  # type: ignore[attr-defined]
    return converted if len(converted) == len(text) else text


def fold(text: str) -> str:
    """``text`` with full-width forms, case and traditional characters folded, at the same length."""
    folded = text.translate(_fold_table())
    if not folded.isascii() and _ASTRAL.search(folded):  # beyond the table: one character at a time
        folded = "".join(_fold_char(char) for char in folded)
    return simplified(folded)


def _fold_char(char: str) -> str:
    """``char``'s NFKC form in lower case when that is one character, else ``char``."""
    folded = unicodedata.normalize("NFKC", char).lower()
    return folded if len(folded) == 1 else char


class _FoldTable(dict[int, str]):
    """``_fold_char`` of each character, for ``str.translate``, worked out the first time it is met.

    A passage is folded at C speed instead of a call per character; filling the table for
    the whole Basic Multilingual Plane up front cost every new process a tenth of a second.
    """

    def __missing__(self, code: int) -> str:
        folded = _fold_char(chr(code)) if code < 0x10000 else chr(code)
        self[code] = folded
        return folded


@functools.cache
def _fold_table() -> _FoldTable:
    return _FoldTable()


def numeral_value(numeral: str) -> int | None:
    """The value of a Chinese numeral up to 9,999 ("十四" → 14, "二〇二四" → 2024), else None."""
    if all(char in _DIGITS for char in numeral):  # read digit by digit: 二〇二四
        return int("".join(str(_DIGITS[char]) for char in numeral))
    total, current = 0, 0
    for char in numeral:
        if char in _DIGITS:
            current = _DIGITS[char]
        elif char in "十百千":
            unit = {"十": 10, "百": 100, "千": 1000}[char]
            total += (current or 1) * unit
            current = 0
        else:
            return None
    return total + current


def match_form_with_offsets(text: str) -> tuple[str, list[int]]:
    """``match_form(text)`` and, for each of its characters, the index of the character it came from."""
    folded = fold(text)
    joined, origin = _rewrite(folded, list(range(len(folded))), _CJK_SPACES, lambda _: "")
    return _rewrite(joined, origin, _NUMERAL, _digits)


def _digits(match: re.Match[str]) -> str:
    value = numeral_value(match.group())
    return match.group() if value is None else str(value)


def _rewrite(
    text: str, origin: list[int], pattern: re.Pattern[str], replace: Callable[[re.Match[str]], str]
) -> tuple[str, list[int]]:
    """Replace each match of ``pattern``.

    A replacement's last character comes from the match's last character and the others from its
    first, so a span of the replacement maps back onto the whole match ("14" onto "十四").
    """
    if pattern.search(text) is None:
        return text, origin
    out: list[str] = []
    positions: list[int] = []
    last = 0
    for match in pattern.finditer(text):
        out.append(text[last : match.start()])
        positions.extend(origin[last : match.start()])
        replacement = replace(match)
        out.append(replacement)
        if replacement:
            positions.extend([origin[match.start()]] * (len(replacement) - 1) + [origin[match.end() - 1]])
        last = match.end()
    out.append(text[last:])
    positions.extend(origin[last:])
    return "".join(out), positions


def unspaced_question(question: str) -> str:
    """A question typed with a space after every character ("提 高 提 案 质 量 ?") without them.

    Only when most characters are followed by a single space; spaces between two Latin
    words stay ("how to", "Python 3").
    """
    gaps = _GAP.findall(question)
    characters = len(question) - question.count(" ")
    if characters < 2 or len(gaps) * 2 < characters:
        return question
    return _SPACED_GAP.sub("", question)


def question_for_model(question: str) -> str:
    """A question as the embedding model reads it: simplified, no spaces between Chinese characters."""
    return _CJK_SPACES.sub("", simplified(question))


def match_form(text: str) -> str:
    """What matching compares: ``fold``, no spaces between Chinese characters, counting numerals as digits."""
    return match_form_with_offsets(text)[0]
