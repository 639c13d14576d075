"""Questions that ask for a figure: "收到提案多少件", "视察调研几次", "办复率是多少".

Among the documents a question names ("2023年市政协收到提案多少件": that year's report, notices
and a regulation), what is left of the question after the naming words is a few common words
(市政协, 收到, 提案) that a notice's "根据市政协2023年度工作安排…提交提案" or a regulation's
"遴选若干件重点提案" holds as well as the report's "共收到…提案451件". What tells the answer
apart is that it states a figure in the unit asked: ``asked_unit`` reads the unit ("件", "次",
"人次", "%" for a rate), ``states_figure`` whether a passage gives a number in it (digits or
Chinese numerals; "第二次会议", "十四届二次" are ordinals, not counts).
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

from qa.index.load import LoadedIndex
from qa.passages.cutting import sentences_of
from qa.retrieve.gate import GateSettings, coverage, topic_weights

# What a passage stating the asked figure gains, in fused units (``qa.retrieve.retriever``): more than
# near-identical passages of one kind of document differ by, less than an unrelated passage falls behind.
FIGURE_WEIGHT = 0.3
# Measure words a count is asked in, longest first ("人次" before "人" and "次").
_UNITS = (
    "人次|万元|亿元|公里|平方米|件|篇|次|个|项|名|人|条|家|份|场|期|天|户|所|批|座|亩|吨|元|部|本|台|辆|起|封"
)
_ASKED = re.compile(rf"(?:多少|几)(?P<unit>{_UNITS})")
_RATE = re.compile(r"(?:率|比例|比重|占比)(?:是|为|达到?|有)?(?:多少|几成)")
_NUMBER = r"(?:\d+(?:[.,]\d+)*|[零〇一二两三四五六七八九十百千万]+)"


def asked_unit(question: str) -> str:
    """The unit the question asks a figure in ("件" for "多少件", "%" for "办复率是多少"), or ""."""
    if match := _ASKED.search(question):
        return match["unit"]
    return "%" if _RATE.search(question) else ""


@lru_cache(maxsize=64)
def _figure(unit: str) -> re.Pattern[str]:
    if unit == "%":
        return re.compile(rf"{_NUMBER}\s*[%％]|百分之{_NUMBER}")
    # Not an ordinal ("第二次", "十四届二次") and not the start of a longer unit ("3人" in "3人次").
    longer = "|".join(u[len(unit) :] for u in _UNITS.split("|") if u.startswith(unit) and u != unit)
    after = f"(?!{longer})" if longer else ""
    return re.compile(rf"(?<![第届\d零〇一二两三四五六七八九十百千万]){_NUMBER}\s*(?:多|余)?{unit}{after}")


def states_figure(text: str, unit: str) -> bool:
    """Whether ``text`` gives a number in ``unit`` ("提案451件", "23次", "99.3%")."""
    return bool(unit) and bool(_figure(unit).search(text))


def figure_bonus(question: str, rows: np.ndarray, index: LoadedIndex, settings: GateSettings) -> np.ndarray:
    """What each passage of ``rows`` gains for answering ``question``'s figure: ``FIGURE_WEIGHT``
    times the share of the question's topic words (weighted as the gate weighs them,
    ``qa.retrieve.gate``) that one of its sentences stating a figure in the asked unit holds —
    "共收到委员和参加单位提案451件" holds 收到 and 提案 of "市政协收到提案多少件", a notice's
    "决定对30件优秀提案…予以表彰" only 提案. All 0 when no figure is asked."""
    unit = asked_unit(question)
    if not unit:
        return np.zeros(len(rows))
    lexical = index.lexical
    words = lexical.tokenizer.words(question)
    weights = topic_weights(words, lexical.document_frequencies(words).__getitem__, lexical.size, settings)
    texts = (index.passages[int(row)].text for row in rows)
    stating = ([s for s in sentences_of(text) if states_figure(s, unit)] for text in texts)
    return FIGURE_WEIGHT * np.array([coverage(weights, found) if found else 0.0 for found in stating])
