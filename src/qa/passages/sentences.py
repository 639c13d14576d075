"""Where the sentences of a paragraph end: the only places a passage may start or end.

A sentence ends at 。！？； (and their half-width forms ! ? ;) together with the closing
quotation marks and brackets right after it ("……同心圆。”"), unless

* the mark stands inside a quotation or a bracket that is still open (“……。……”,
  （……。）): a passage must never open half-way into a quotation;
* what follows continues the sentence ("“……！”，他说"): a comma, an enumeration comma, a
  colon, another closing mark.

Commas, enumeration commas and colons never end a sentence. Quotation marks and brackets
are counted as pairs (“ ” 「 」 『 』 （ ） ( )); in a paragraph where they do not pair up
(a quote that runs on into the next paragraph, a stray mark in the source), they are not
counted and only the marks above decide.

Only when one sentence alone is longer than a passage may hold is it cut inside, at the
clause end (，,、：:) nearest the limit, as a last resort (``split_overlong``); a sentence
without any clause end is then cut at the limit itself.
"""

from __future__ import annotations

from itertools import pairwise
from typing import TypeVar

from qa.ingest.tracked import TrackedText

SENTENCE_MARKS = "。！？!?；;"
CLOSERS = "”’」』）)】〕》"
_PAIRS = {"“": "”", "「": "」", "『": "』", "（": "）", "(": ")"}
_CLOSING = set(_PAIRS.values())
# After a sentence mark and its closers, these continue the same sentence.
_CONTINUES = set("，,、：:") | set(SENTENCE_MARKS) | set(CLOSERS)
CLAUSE_MARKS = "，,、：:"

_Text = TypeVar("_Text", str, TrackedText)


def depths(text: str) -> list[int] | None:
    """How many quotations and brackets are open before each position of ``text`` (``len + 1``
    values), or None when they do not pair up in ``text``."""
    depth = 0
    out = [0]
    for ch in text:
        if ch in _PAIRS:
            depth += 1
        elif ch in _CLOSING:
            depth -= 1
            if depth < 0:
                return None
        out.append(depth)
    return out if depth == 0 else None


def sentence_ends(text: str) -> list[int]:
    """The positions just after each sentence end of ``text`` (see the module's docstring),
    ``len(text)`` last; a position ``p`` means ``text[:p]`` ends a sentence."""
    open_at = depths(text)
    ends: list[int] = []
    i, n = 0, len(text)
    while i < n:
        if text[i] in SENTENCE_MARKS:
            k = i + 1
            while k < n and text[k] in SENTENCE_MARKS:  # "？！", "。；"
                k += 1
            while k < n and text[k] in CLOSERS:
                k += 1
            inside = open_at is not None and open_at[k] > 0
            if not inside and (k == n or text[k] not in _CONTINUES):
                ends.append(k)
            i = k
        else:
            i += 1
    if not ends or ends[-1] != n:
        ends.append(n)
    return ends


def split_sentences(text: _Text) -> list[_Text]:
    """``text`` cut into its sentences (``sentence_ends``), each with what follows it up to the
    next one (spaces included): joined back they give ``text`` again."""
    plain: str = text if isinstance(text, str) else text.text
    starts = [0, *sentence_ends(plain)]
    return [text[a:b] for a, b in pairwise(starts) if b > a]


def split_overlong(sentence: _Text, max_chars: int) -> list[_Text]:
    """A sentence longer than ``max_chars`` cut at the clause end nearest the limit, again and
    again, into pieces of at most ``max_chars`` (the last resort of passage cutting: the pieces
    start inside a sentence). A stretch without a clause end is cut at ``max_chars``."""
    pieces: list[_Text] = []
    rest = sentence
    while len(rest) > max_chars:
        plain: str = rest if isinstance(rest, str) else rest.text
        ends = [i + 1 for i, ch in enumerate(plain) if ch in CLAUSE_MARKS and i + 1 < len(plain)]
        fitting = [e for e in ends if e <= max_chars]
        cut = fitting[-1] if fitting else max_chars
        pieces.append(rest[:cut])
        rest = rest[cut:]
    pieces.append(rest)
    return [p for p in pieces if len(p)]
