"""Where a phrase's wording stands in a text, exactly or as a close variant (for ``qa.tools.trace``).

Both sides are compared as ``Letters``: the text in ``match_form`` (simplified, NFKC, counting
numerals as digits) with every character that is not a letter or a digit dropped, and where
punctuation stood. Which mark it is never decides (“有事好商量、众人的事情由众人商量” and
有事好商量，众人的事情由众人商量 are the same wording), and the phrase's marks may be missing
from the text; but a mark in the text where the phrase has none breaks the wording: 政治协商、民主监督
holds no 协商民主. A digit or Latin letter at either end of the phrase must not continue a
longer number or word of the text (两个确立 is 2个确立, not found inside 十二个确立 = 12个确立).

Variants, for a phrase of m ≥ 4 letters (``max_edits`` gives E):

* **edited**: a stretch of the text that begins and ends with the phrase's own first and last
  characters and differs from it in between by 1..E characters inserted, deleted or
  substituted (Levenshtein distance), E = 1 for m ≤ 7, 2 for m ≤ 15, 3 above: 有事多商量 for
  有事好商量, 众人的事由众人商量 for 众人的事情由众人商量. Anchoring the ends keeps out the phrase
  merely cut short or run into its neighbours (这个确立 is no variant of 两个确立), at the price
  of variants that change the first or last character;
* **reordered**: a stretch of exactly the phrase's characters in another order that keeps at
  least half of the phrase's adjacent character pairs, i.e. its words moved whole (民主协商 for
  协商民主; 众人的事情由众人商量、有事好商量).

A stretch that overlaps an exact occurrence is never a variant; of overlapping variants the
closest is kept (fewest edits, then the length nearest m, then the first). A variant may hold
no more marks than the phrase has.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import numpy as np

from qa.text.normalise import match_form_with_offsets

Kind = Literal["exact", "substituted", "inserted", "deleted", "reordered"]
MIN_VARIANT_CHARS = 4
_HASH_1 = np.uint64(0x9E3779B97F4A7C15)
_HASH_2 = np.uint64(0xBF58476D1CE4E5B9)
_NOT_LETTER = re.compile(r"[\W_]+")  # ``str.isalnum`` accepts what \w does but "_"
_NOT_LETTER_CHAR = re.compile(r"[\W_]")


class Letters:
    """A text's letters and digits in ``match_form`` (``chars``), where each comes from in the
    original text (``origin``), and the letters that punctuation stands before (``breaks``;
    spaces are no break). Only ``chars`` is made at once: most passages compared hold no match.
    """

    def __init__(self, text: str) -> None:
        self.form, self._origin = match_form_with_offsets(text)
        self.chars = _NOT_LETTER.sub("", self.form)

    @cached_property
    def _gaps(self) -> list[int]:
        """The index in ``form`` of every character that is not a letter (few: punctuation, spaces)."""
        return [match.start() for match in _NOT_LETTER_CHAR.finditer(self.form)]

    @cached_property
    def _positions(self) -> np.ndarray:
        """The index in ``form`` of every letter."""
        letter = np.ones(len(self.form), dtype=bool)
        letter[self._gaps] = False
        return np.flatnonzero(letter)

    def origin(self, letter: int) -> int:
        """The index in the original text of the character letter ``letter`` comes from."""
        return self._origin[int(self._positions[letter])]

    @cached_property
    def _break_list(self) -> list[int]:
        # The j-th gap at form index g stands before letter g - j.
        form, count = self.form, len(self.chars)
        found = {g - j for j, g in enumerate(self._gaps) if not form[g].isspace()}
        return sorted(b for b in found if 0 < b < count)

    @cached_property
    def breaks(self) -> frozenset[int]:
        """The letters punctuation stands before (not the first)."""
        return frozenset(self._break_list)

    def breaks_within(self, start: int, end: int) -> set[int]:
        """The breaks inside ``chars[start:end]``, counted from ``start``."""
        marks = self._break_list
        return {b - start for b in marks[bisect_right(marks, start) : bisect_left(marks, end)]}


def max_edits(length: int) -> int:
    """E, the most characters an edited variant of a phrase of ``length`` letters may change."""
    if length < MIN_VARIANT_CHARS:
        return 0
    return 1 if length <= 7 else 2 if length <= 15 else 3


@dataclass(frozen=True)
class Span:
    """Where the wording stands in the letters of a text: ``letters[start:end]``."""

    start: int
    end: int
    kind: Kind
    edits: int = 0  # characters inserted, deleted or substituted (0 for exact and reordered)


def find(wording: Letters, within: Letters) -> list[Span]:
    """Exact occurrences and variants of ``wording`` in ``within``, in text order."""
    phrase, text = wording.chars, within.chars
    m = len(phrase)
    if m == 0:
        return []
    found: list[Span] = []
    at = text.find(phrase)
    while at >= 0:
        if _whole(phrase, text, at, at + m) and within.breaks_within(at, at + m) <= wording.breaks:
            found.append(Span(at, at + m, "exact"))
            at = text.find(phrase, at + m)
        else:
            at = text.find(phrase, at + 1)
    if m < MIN_VARIANT_CHARS:
        return found
    taken = [(s.start, s.end) for s in found]
    rest = text  # variants are looked for where no exact use stands
    for start, end in taken:
        rest = rest[:start] + "\0" * (end - start) + rest[end:]
    marks = len(wording.breaks)
    edited = sorted(_edited(phrase, rest), key=lambda s: (s.edits, abs(s.end - s.start - m), s.start))
    for span in [*edited, *_reordered(phrase, rest)]:
        if not _overlaps(span, taken) and len(within.breaks_within(span.start, span.end)) <= marks:
            found.append(span)
            taken.append((span.start, span.end))
    return sorted(found, key=lambda s: s.start)


def _whole(phrase: str, text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` does not continue a number or Latin word at either end."""
    before = start > 0 and _latin(phrase[0]) and _latin(text[start - 1])
    after = end < len(text) and _latin(phrase[-1]) and _latin(text[end])
    return not (before or after)


def _latin(char: str) -> bool:
    return char.isascii() and char.isalnum()


def _overlaps(span: Span, taken: list[tuple[int, int]]) -> bool:
    return any(span.start < end and start < span.end for start, end in taken)


def _edited(phrase: str, text: str) -> list[Span]:
    """Stretches anchored on the phrase's first and last characters within E edits (not exact)."""
    m, limit = len(phrase), max_edits(len(phrase))
    inner = phrase[1:-1]
    out = []
    start = text.find(phrase[0])
    while start >= 0:
        for length in range(m - limit, m + limit + 1):
            end = start + length
            if end > len(text) or text[end - 1] != phrase[-1] or text[start:end] == phrase:
                continue
            edits = distance(inner, text[start + 1 : end - 1], limit)
            if edits <= limit and _whole(phrase, text, start, end):
                kind: Kind = "substituted" if length == m else "inserted" if length > m else "deleted"
                out.append(Span(start, end, kind, edits))
        start = text.find(phrase[0], start + 1)
    return out


def distance(a: str, b: str, limit: int) -> int:
    """The Levenshtein distance of ``a`` and ``b``, or ``limit + 1`` as soon as it must exceed ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, 1):
        current = [i]
        for j, other in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def _reordered(phrase: str, text: str) -> list[Span]:
    """Stretches of the phrase's characters in another order that keep half of its pairs, or more."""
    m = len(phrase)
    pairs = {phrase[i : i + 2] for i in range(m - 1)}
    if len(text) < m or 2 * sum(pair in text for pair in pairs) < len(pairs):
        return []
    # A window's characters, as a multiset, are summed hashes: equal sums are then checked exactly.
    codes = _mix(np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32))
    sums = np.concatenate([np.zeros(1, dtype=np.uint64), np.cumsum(codes, dtype=np.uint64)])
    target = _mix(np.frombuffer(phrase.encode("utf-32-le"), dtype=np.uint32)).sum(dtype=np.uint64)
    wanted = sorted(phrase)
    out = []
    last_end = -1
    for start in np.flatnonzero((sums[m:] - sums[:-m]) == target).tolist():
        window = text[start : start + m]
        if start < last_end or window == phrase or sorted(window) != wanted:
            continue
        kept = len(pairs & {window[i : i + 2] for i in range(m - 1)})
        if 2 * kept >= len(pairs) and _whole(phrase, text, start, start + m):
            out.append(Span(start, start + m, "reordered"))
            last_end = start + m
    return out


def _mix(codes: np.ndarray) -> np.ndarray:
    """A 64-bit hash of every code point (wrapping arithmetic: a multiset's sum is well mixed)."""
    mixed = codes.astype(np.uint64) * _HASH_1
    mixed ^= mixed >> np.uint64(31)
    return mixed * _HASH_2
