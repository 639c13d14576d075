"""Text published with words removed: known formulas with a gap, and documents missing a word.

Some sites publish speeches through a word filter that deletes 党, 政治, 习近平 … wherever
they occur ("始终与党站在一起" becomes "始终与站在一起", "党员委员" becomes "员委员"). Such a
text reads almost normally, so a writer could paste it into a speech. This module finds the
evidence; it never guesses the missing text.

**Passages.** ``FORMULAS`` lists set phrases of CPPCC and Party speeches with their deletable
words in brackets ("与[党]站在一起"). A *gap* is the phrase with one or more bracketed words
removed ("与站在一起") standing where the whole phrase does not. A gapped form that is also
ordinary language is listed only with the context that makes the gap ungrammatical (党组成员
→ "组成员" as in "小组成员", so "[党]组成员联系[党]员委员"), or with its ordinary uses in
``ORDINARY`` ("政协的建设性", "科学贯彻"). ``bench/damage.py --formulas`` counts every gapped
form in clean text — the 72 government work reports 1954–2025, CMRC 2018's Wikipedia passages,
the clean seeds and field cases: none occurs there. ``suspected_gaps(text)`` returns the
gapped forms found, as they stand in the text.

**Documents.** The deletion is systematic: one filter, applied to the whole document. A
document is damaged when, for some deleted word, its gaps number at least
``MIN_DOCUMENT_GAPS`` (2) and more than the word's intact occurrences in the document, or the
word has a gap and stands in the title or a heading but never in the body ("…政协党的建设工作
会议" with no 党 in 2,700 characters). One stray gap in a clean document (a typo) does not make
it damaged. Every passage of a damaged document is suspect: the filter removed the word there
too, even where no listed phrase shows it. A character that is merely rare in a document
compared with the rest of the collection is no evidence on its own: the government work
reports lack frequent characters for reasons of their time (1954 writes 國, not 国; the
2005–2008 reports never use 习; the 1960 one never says 府), so the word's absence counts only
beside gaps of the word.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from itertools import combinations

from qa.text.normalise import fold

NOTICE = "原文疑似缺字，引用前请核对"
MIN_DOCUMENT_GAPS = 2

# Set phrases with their deletable words in brackets. Each gapped form (one or more bracketed
# words removed) must be ungrammatical or unheard-of in clean official text: bench/damage.py
# counts them in clean corpora. A phrase whose gapped form is also ordinary language is given
# with the context that rules that out, or with an ``ORDINARY`` exception.
FORMULAS: tuple[str, ...] = (
    # 党
    "与[党]站在一起",
    "跟[党]走",
    "同[党]同心同德",
    "[党]组成员联系[党]员委员",
    "[党]员委员联系[党]外委员",
    "[党]员委员",
    "[党]外委员",
    "[党]员干部",
    "[党]员领导干部",
    "民主评议[党]员",
    "各民主[党]派",
    "各[党]派团体",
    "中国共产[党]的领导",
    "中国共产[党]成立",
    "核心的[党]中央",
    "坚持[党]的领导",
    "加强[党]的领导",
    "在[党]的领导下",
    "在[党]的坚强领导下",
    "坚持和加强[党]的全面领导",
    "加强[党]的全面领导",
    "加强[党]的建设",
    "政协[党]的建设",
    "新时代[党]的建设总要求",
    "新时代[党]的组织路线",
    "以[党]的政治建设为统领",
    "[党]的十八大以来",
    "[党]的十九大",
    "[党]的二十大",
    "[党]的十九届",
    "[党]的二十届",
    "用[党]的创新理论",
    "[党]的创新理论武装",
    "把[党]的主张",
    "[党]和国家事业",
    "[党]和国家工作大局",
    "为[党]和国家",
    "[党]委政府",
    "[党]委和政府",
    "的[党]性锻炼",
    "加强[党]性修养",
    "[党]纪学[习]教育",
    "[党]组把方向",
    # 习近平, 学习
    "以[习近平]同志为核心",
    "以[习近平新时代中国特色社会主义思想]为指导",
    "学[习]贯彻",
    "学[习]领会",
    "理论学[习]中心组",
    # 政治
    "旗帜鲜明讲[政治]",
    "履行[政治]协商、民主监督",
    "思想自觉、[政治]自觉",
    "[政治]认同、思想认同",
)
# Where a gapped form is ordinary language ("政协的建设性", "科学贯彻", "公务员干部"): text
# matching these patterns is no gap.
ORDINARY: dict[str, str] = {
    "政协[党]的建设": "政协的建设[性者]",
    "学[习]贯彻": "[科大中小教]学贯彻",
    "学[习]领会": "[科大中小教]学领会",
    "[党]员委员": "员委员会",
    "[党]外委员": "[海境国对涉中]外委员",
    "[党]员干部": "[务人]员干部",
    "[党]员领导干部": "[务人]员领导干部",
    "加强[党]的领导": "[要需待应亟]加强的领导",
    "[党]委政府": "[省市县区乡镇]委政府",
    "[党]委和政府": "[省市县区乡镇]委和政府",
    "旗帜鲜明讲[政治]": "旗帜鲜明讲[党原]",
}

_BRACKETED = re.compile(r"\[([^\]]+)\]")


@dataclass(frozen=True)
class Gap:
    """One gapped formula found in a text: where, as written there, and the words it lacks."""

    start: int
    end: int
    text: str
    missing: tuple[str, ...]  # the deleted words (for counting per word, never shown as a fix)


@dataclass(frozen=True)
class _Pattern:
    gapped: str
    intact: str
    missing: tuple[str, ...]


@cache
def _patterns() -> tuple[tuple[_Pattern, ...], re.Pattern[str], re.Pattern[str]]:
    """Every gapped form of every formula (longest first); what is no gap: the formulas
    written out in full and the ``ORDINARY`` uses of gapped forms; any gapped form."""
    patterns: list[_Pattern] = []
    intact: set[str] = set()
    for formula in FORMULAS:
        parts = _BRACKETED.split(formula)  # literal, word, literal, word, …, literal
        words = range(1, len(parts), 2)
        full = "".join(parts)
        intact.add(full)
        for size in range(1, len(words) + 1):
            for removed in combinations(words, size):
                gapped = "".join(p for i, p in enumerate(parts) if i not in removed)
                patterns.append(_Pattern(gapped, full, tuple(parts[i] for i in removed)))
    patterns.sort(key=lambda p: len(p.gapped), reverse=True)
    no_gap = [*map(re.escape, sorted(intact, key=len, reverse=True)), *ORDINARY.values()]
    any_gapped = re.compile("|".join(re.escape(p.gapped) for p in patterns))
    return tuple(patterns), re.compile("|".join(no_gap)), any_gapped


def gapped_forms() -> tuple[tuple[str, str], ...]:
    """Every ``(gapped form, formula written out)`` that ``find_gaps`` looks for."""
    return tuple((p.gapped, p.intact) for p in _patterns()[0])


def find_gaps(text: str) -> list[Gap]:
    """The gapped formulas in ``text``, in text order, none overlapping (longest preferred).

    Matching reads the text folded (full-width forms and traditional characters as their
    plain simplified forms, same length); a place where a full formula or an ``ORDINARY``
    use stands is no gap.
    """
    patterns, no_gap, any_gapped = _patterns()
    folded = fold(text)
    if not any_gapped.search(folded):  # most text: no gapped form, nothing to rule out
        return []
    taken = [False] * len(folded)
    for match in no_gap.finditer(folded):
        taken[match.start() : match.end()] = [True] * (match.end() - match.start())
    gaps: list[Gap] = []
    for pattern in patterns:
        start = folded.find(pattern.gapped)
        while start >= 0:
            end = start + len(pattern.gapped)
            if not any(taken[start:end]):
                taken[start:end] = [True] * (end - start)
                gaps.append(Gap(start, end, text[start:end], pattern.missing))
            start = folded.find(pattern.gapped, start + 1)
    return sorted(gaps, key=lambda g: g.start)


def suspected_gaps(text: str) -> tuple[str, ...]:
    """The gapped formulas of ``text`` as they stand there ("员委员联系外委员"), each once."""
    return tuple(dict.fromkeys(gap.text for gap in find_gaps(text)))


def missing_words(body: Iterable[str], headings: Iterable[str] = ()) -> tuple[str, ...]:
    """The words systematically deleted from a document: its passages ``body``; title and headings.

    A word is deleted when its gaps number at least ``MIN_DOCUMENT_GAPS`` and more than its
    intact occurrences in the body, or when it has a gap, stands in the title or a heading and
    never in the body. Empty for a clean document.
    """
    texts = list(body)
    gaps = Counter(word for text in texts for gap in find_gaps(text) for word in gap.missing)
    if not gaps:
        return ()
    folded = [fold(text) for text in texts]
    above = fold(" ".join(headings))
    deleted = []
    for word, count in gaps.items():
        intact = sum(text.count(word) for text in folded)
        if (count >= MIN_DOCUMENT_GAPS and count > intact) or (word in above and intact == 0):
            deleted.append(word)
    return tuple(sorted(deleted, key=lambda w: -gaps[w]))
