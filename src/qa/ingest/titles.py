"""Whether a line can be a document's title, and the year a national session's name gives.

A title names a document; it is not a sentence of it. ``reads_as_sentence`` rejects a
candidate that ends with a sentence's or a clause's punctuation, runs longer than titles
do, opens the way a speech's first sentences open ("现在，我代表国务院…", "同志们…",
"首先报告…") or strings clauses together with commas. The 2012 government work report's
first sentence, printed without its full stop, was taken for its title by the rules of
``qa.ingest.cleaning``; with this check the file name's title is used instead.

``session_year``: a document named after a session of the National People's Congress or of
the CPPCC National Committee ("第十一届全国人民代表大会第一次会议关于政府工作报告的决议")
is dated by that session's year when nothing else dates it. Since the fifth NPC and the fifth
CPPCC National Committee (1978) each term holds one plenary session a year, so session *n*
of a term falls in the term's first year + *n* − 1; the irregular sessions of the first four
NPCs are listed. Years from the lists of sessions published by the NPC (中国人大网, "历届全国
人民代表大会会议") and the CPPCC (中国政协网, "历届全国委员会全体会议"). Standing-committee
meetings (常务委员会第N次会议), numbered differently, are not matched; nor are local
congresses and committees, whose terms differ from place to place.
"""

from __future__ import annotations

import re

TITLE_MAX_CHARS = 60
# What a title never ends with: a sentence's or a clause's punctuation.
_ENDS_LIKE_A_SENTENCE = re.compile(r"[。，,；;：:！？!?、…]$")
# How a speech's first sentences open; no title begins so.
_SPEECH_OPENING = re.compile(r"^(现在|同志们|各位|首先|刚才|下面|我代表|在此|最后|谢谢)")
_CLAUSE_COMMA = re.compile(r"[，,]")
_CN = "一二三四五六七八九十"
_NPC = re.compile(rf"第?(?P<term>[{_CN}]+)届全国(人民代表大会|人大)第?(?P<session>[{_CN}]+)次(全体)?会议")
_CPPCC = re.compile(
    rf"(第?(?P<term>[{_CN}]+)届全国委员会第?(?P<session>[{_CN}]+)次(全体)?会议"
    rf"|全国政协第?(?P<term2>[{_CN}]+)届第?(?P<session2>[{_CN}]+)次(全体)?会议)"
)
# The first four NPCs met irregularly: (term, session) -> year.
_EARLY_NPC = {
    (1, 1): 1954,
    (1, 2): 1955,
    (1, 3): 1956,
    (1, 4): 1957,
    (1, 5): 1958,
    (2, 1): 1959,
    (2, 2): 1960,
    (2, 3): 1962,
    (2, 4): 1963,
    (3, 1): 1964,
    (4, 1): 1975,
}
_FIFTH_TERM_YEAR = 1978  # the fifth NPC and the fifth CPPCC National Committee first met in 1978
_TERM_YEARS = 5


def reads_as_sentence(line: str, max_chars: int | None = TITLE_MAX_CHARS) -> bool:
    """Whether ``line`` reads as a sentence of the text rather than as its title (longer than
    ``max_chars`` counts, unless it is None: an official document's title may be long)."""
    line = line.strip()
    return (
        (max_chars is not None and len(line) > max_chars)
        or bool(_ENDS_LIKE_A_SENTENCE.search(line))
        or bool(_SPEECH_OPENING.match(line))
        or len(_CLAUSE_COMMA.findall(line)) >= 3
    )


def session_year(text: str) -> str | None:
    """The year of the national session ``text`` names (see the module's docstring), else None."""
    if (npc := _NPC.search(text)) and "常务委员会" not in npc.group(0):
        term, session = _number(npc["term"]), _number(npc["session"])
        year = _EARLY_NPC.get((term, session)) if term < 5 else _regular(term, session)
        return str(year) if year else None
    if cppcc := _CPPCC.search(text):
        term = _number(cppcc["term"] or cppcc["term2"])
        session = _number(cppcc["session"] or cppcc["session2"])
        year = _regular(term, session) if term >= 5 else None
        return str(year) if year else None
    return None


def _regular(term: int, session: int) -> int | None:
    """The year of session ``session`` of a term from the fifth on (one session a year)."""
    if not 1 <= session <= _TERM_YEARS:
        return None
    return _FIFTH_TERM_YEAR + (term - 5) * _TERM_YEARS + session - 1


def _number(text: str) -> int:
    """1 to 99 in Chinese numerals ("三", "十一", "二十")."""
    tens, ten, ones = text.partition("十")
    if not ten:
        return _digit(tens)
    return (_digit(tens) if tens else 1) * 10 + (_digit(ones) if ones else 0)


def _digit(text: str) -> int:
    return _CN.index(text[-1]) + 1 if text else 0
