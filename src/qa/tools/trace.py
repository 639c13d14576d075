"""Formulation tracing (提法溯源): where and since when a phrase has been used, and its variants.

>>> from qa import trace
>>> found = trace("有事好商量")
>>> [(o.doc_date, o.doc_title, o.left + o.match + o.right) for o in found.occurrences]
>>> found.first, found.latest, found.per_year, found.variants

Every occurrence of the phrase in the indexed passages (and in standalone section headings,
searched once with the first passage below them) is listed in date order, undated documents
last, each with its keyword-in-context line (``CONTEXT_CHARS`` characters either side), its
document, section and paragraph; counts per document and per year; the first and the latest
dated use. Close variants (a character inserted, deleted or substituted; the words in another
order) are found too and kept apart. What counts as the same wording and as a variant is
``qa.tools.wording``'s rule.

No file is read: the candidates come from the BM25 index's character-pair postings
(``LexicalIndex.rows_with``). Each passage gets a bit for each pair of adjacent Chinese
characters of the phrase that it contains, and is read (memory-mapped, ``match_form``) only
when its bits allow the phrase or a variant (``_may_hold``): all pairs; or at least two, with
at most two missing (a reordering of up to three words) or the missing ones within E stretches
of two adjacent pairs (E from ``wording.max_edits``: an edit inside the phrase breaks the one
or two pairs around it). The cost follows the number of passages that nearly contain the
phrase, not the collection's size: ``bench/trace.py`` measures it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np

from qa.index.load import LoadedIndex
from qa.passages.cutting import Passage
from qa.passages.reliability import CLEAN, Reliability
from qa.text.normalise import CJK, unspaced_question
from qa.text.tokens import pair_token, phrase_tokens
from qa.tools.wording import Kind, Letters, Span, find, max_edits

if TYPE_CHECKING:
    from qa.retrieve.retriever import Retriever

MIN_PHRASE_CHARS = 2
MAX_PHRASE_CHARS = 50
CONTEXT_CHARS = 30
_QUOTES = "“”\"'‘’「」『』《》〈〉"
_CHINESE = re.compile(f"[{CJK}]")
_YEAR = re.compile(r"\d{4}")


@dataclass(frozen=True)
class Occurrence:
    """One use of the phrase (or of a variant) with its place and its keyword-in-context line.

    ``left`` + ``match`` + ``right`` is the KWIC line as written (newlines as spaces, "…"
    where the passage goes on); ``start``/``end`` are ``match``'s character offsets in the
    passage's text (in the heading when ``in_heading``). ``variant`` is "" for the phrase
    itself, else the variant's wording (its letters in ``match_form``), and ``kind`` says how
    it differs.
    """

    passage_id: str
    source: str
    doc_title: str
    doc_date: str | None
    section: str | None
    paragraph: int
    left: str
    match: str
    right: str
    start: int
    end: int
    kind: Kind = "exact"
    variant: str = ""
    in_heading: bool = False
    # The rest of the passage's place, so a use is numbered as its passage is cited
    # (``qa.ui.citation.place``: "第32段之二（三、…部分）").
    paragraph_end: int = 0
    part: int = 0
    parts: int = 0
    section_path: tuple[str, ...] = ()
    page_label: str = ""
    # Whether the passage's words may differ from the original (``qa.passages.reliability``).
    reliability: Reliability = CLEAN

    @property
    def is_variant(self) -> bool:
        """Whether this is a variant of the phrase rather than the phrase itself."""
        return self.kind != "exact"


@dataclass(frozen=True)
class DocumentCount:
    """How often one document uses the phrase and its variants."""

    source: str
    title: str
    date: str | None
    occurrences: int
    variants: int


@dataclass(frozen=True)
class YearCount:
    """Uses in one year (``year`` None: documents without a date)."""

    year: str | None
    occurrences: int
    variants: int


@dataclass(frozen=True)
class VariantForm:
    """One variant wording: as first written, how it differs, how often, when first and last."""

    wording: str
    form: str
    kind: Kind
    count: int
    documents: int
    first: str | None
    latest: str | None


@dataclass(frozen=True)
class Trace:
    """Where ``phrase`` is used; ``occurrences``/``variants`` cut to ``k`` (``total``s count all).

    ``first``/``latest`` are the earliest and latest dated exact uses (None when no use has a
    date); ``message`` says why nothing is listed, else is "".
    """

    phrase: str
    form: str
    occurrences: tuple[Occurrence, ...]
    variants: tuple[Occurrence, ...]
    total: int
    total_variants: int
    per_document: tuple[DocumentCount, ...]
    per_year: tuple[YearCount, ...]
    variant_forms: tuple[VariantForm, ...]
    first: Occurrence | None
    latest: Occurrence | None
    max_edits: int
    message: str = ""

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (tuples as lists; a use's ``reliability`` as its ``to_json``)."""
        record = asdict(self)
        uses = [*self.occurrences, *self.variants, self.first, self.latest]
        records = [*record["occurrences"], *record["variants"], record["first"], record["latest"]]
        for use, data in zip(uses, records, strict=True):
            if use is not None:
                data["reliability"] = use.reliability.to_json()
        return record


def phrase_form(phrase: str) -> tuple[str, Letters]:
    """The phrase as shown (spaces and surrounding quotes removed) and its letters (``qa.tools.wording``).

    Raises ``ValueError`` for a phrase with fewer than 2 or more than 50 letters.
    """
    if not isinstance(phrase, str):
        raise TypeError(f"phrase must be a str, not {type(phrase).__name__}")
    text = "".join(ch if ch.isprintable() else " " for ch in phrase)
    shown = unspaced_question(" ".join(text.split())).strip().strip(_QUOTES).strip()
    wording = Letters(shown)
    if len(wording.chars) < MIN_PHRASE_CHARS:
        raise ValueError(f"The phrase {phrase!r} is too short: give at least two characters, e.g. 有事好商量")
    if len(wording.chars) > MAX_PHRASE_CHARS:
        raise ValueError(
            f"The phrase has {len(wording.chars)} characters; trace at most {MAX_PHRASE_CHARS} "
            "(a formulation, not a passage)"
        )
    return shown, wording


def trace(phrase: str, k: int | None = None, retriever: Retriever | None = None) -> Trace:
    """Every use of ``phrase`` in the default index (or ``retriever``'s), in date order, and its variants.

    ``k`` caps how many occurrences and how many variants are listed (the earliest); counts,
    ``first`` and ``latest`` always cover all. Raises ``ValueError`` for a phrase of fewer than
    2 or more than 50 characters (punctuation and spaces not counted).
    """
    if retriever is None:
        from qa.retrieve.defaults import default_retriever

        retriever = default_retriever()
    return trace_index(retriever.index, phrase, k)


def trace_index(
    index: LoadedIndex, phrase: str, k: int | None = None, sources: Sequence[str] | None = None
) -> Trace:
    """``trace`` over one loaded index; ``sources`` restricts it to those documents (file names)."""
    if k is not None and k < 1:
        raise ValueError(f"k must be at least 1 (or None for all), got {k}")
    shown, wording = phrase_form(phrase)
    limit = max_edits(len(wording.chars))
    found: list[tuple[tuple[Any, ...], Occurrence]] = []
    for row in _candidate_rows(index, shown, wording, limit, sources):
        found.extend(_occurrences(index, int(row), wording))
    found.sort(key=lambda pair: pair[0])
    exact = [o for _, o in found if not o.is_variant]
    variants = [o for _, o in found if o.is_variant]
    dated = [o for o in exact if o.doc_date]
    if not found:
        message = f"没有段落包含“{shown}”，也没有相近的表述。"
    elif not exact:
        message = f"没有段落包含“{shown}”，但有{len(variants)}处相近的表述。"
    else:
        message = ""
    return Trace(
        phrase=shown,
        form=wording.chars,
        occurrences=tuple(exact[:k]),
        variants=tuple(variants[:k]),
        total=len(exact),
        total_variants=len(variants),
        per_document=tuple(_per_document(exact + variants)),
        per_year=tuple(_per_year(exact, variants)),
        variant_forms=tuple(_forms(variants)),
        first=dated[0] if dated else None,
        latest=dated[-1] if dated else None,
        max_edits=limit,
        message=message,
    )


def candidates(index: LoadedIndex, phrase: str, sources: Sequence[str] | None = None) -> np.ndarray:
    """The rows of the passages ``trace_index`` compares with ``phrase``, in order (see the module's
    docstring); raises ``ValueError`` as ``trace`` does."""
    shown, wording = phrase_form(phrase)
    return _candidate_rows(index, shown, wording, max_edits(len(wording.chars)), sources)


def _candidate_rows(
    index: LoadedIndex, shown: str, wording: Letters, edits: int, sources: Sequence[str] | None
) -> np.ndarray:
    form = wording.chars
    pairs = {  # letter position -> token, for each pair of adjacent Chinese characters of the phrase
        i: pair_token(form[i : i + 2])
        for i in range(len(form) - 1)
        if _CHINESE.match(form[i]) and _CHINESE.match(form[i + 1]) and i + 1 not in wording.breaks
    }
    lexical = index.lexical
    distinct = list(dict.fromkeys(pairs.values()))
    if distinct:
        bits = np.zeros(len(index.passages), dtype=np.uint64)  # a phrase has at most 49 pairs
        for bit, token in enumerate(distinct):
            bits[lexical.rows_with(token)] |= np.uint64(1 << bit)
        rows = np.flatnonzero(bits)
        masks, inverse = np.unique(bits[rows], return_inverse=True)
        positions = {token: [i for i, t in pairs.items() if t == token] for token in distinct}
        keep = [_may_hold(int(mask), distinct, positions, edits) for mask in masks.tolist()]
        rows = rows[np.asarray(keep, dtype=bool)[inverse]]
    else:  # no two adjacent Chinese characters ("CPPCC", "2035年"): its Latin words, exactly
        words = phrase_tokens(shown)
        if not words:
            return np.zeros(0, dtype=np.int64)
        rows = lexical.rows_with(words[0])
        for word in words[1:]:
            rows = np.intersect1d(rows, lexical.rows_with(word))
    if sources:
        rows = np.intersect1d(rows, index.rows_of_sources(list(sources)))
    return np.sort(rows).astype(np.int64)


def _may_hold(mask: int, tokens: list[str], positions: dict[str, list[int]], edits: int) -> bool:
    """Whether a passage with the phrase's pairs ``mask`` (bit i: ``tokens[i]``) may hold it or a variant.

    All pairs: the phrase itself. Else at least two pairs kept, and either at most two missing
    (a reordering of up to three words) or the missing ones within ``edits`` stretches of two
    adjacent pairs (an edit inside the phrase breaks the one or two pairs around it).
    """
    missing = [token for bit, token in enumerate(tokens) if not mask >> bit & 1]
    if not missing:
        return True
    if edits == 0 or len(tokens) - len(missing) < min(2, len(tokens)):
        return False
    if len(missing) <= 2:
        return True
    stretches, covered = 0, -1
    for position in sorted(p for token in missing for p in positions[token]):
        if position > covered:
            stretches, covered = stretches + 1, position + 1
    return stretches <= edits


def _occurrences(
    index: LoadedIndex, row: int, wording: Letters
) -> Iterator[tuple[tuple[Any, ...], Occurrence]]:
    """The phrase's uses in passage ``row`` (its opening headings first), each with its sort key."""
    passages = index.passages
    passage = passages[row]
    before = passages[row - 1] if row > 0 else None
    if before is not None and before.source != passage.source:
        before = None
    key = (passage.doc_date is None, passage.doc_date or "", row)
    marks = partial(index.reliability, row)  # called only where the passage holds a use
    for level, heading in enumerate(passage.section_path):
        opened = before is None or before.section_path[: level + 1] != passage.section_path[: level + 1]
        if opened and not passage.text.lstrip().startswith(heading):  # a run-in heading is in the text
            for span, occurrence in _in_text(passage, heading, wording, True, marks):
                yield (*key, 0, level, span.start), occurrence
    for span, occurrence in _in_text(passage, passage.text, wording, False, marks):
        yield (*key, 1, 0, span.start), occurrence


def _in_text(
    passage: Passage, text: str, wording: Letters, in_heading: bool, marks: Callable[[], Reliability]
) -> Iterator[tuple[Span, Occurrence]]:
    within = Letters(text)
    for span in find(wording, within):
        start, end = within.origin(span.start), within.origin(span.end - 1) + 1
        yield (
            span,
            Occurrence(
                passage_id=passage.passage_id,
                source=passage.source,
                doc_title=passage.doc_title,
                doc_date=passage.doc_date,
                section=text if in_heading else passage.section,
                paragraph=passage.paragraph,
                left=_context(
                    text[max(start - CONTEXT_CHARS, 0) : start], start > CONTEXT_CHARS, before=True
                ),
                match=text[start:end],
                right=_context(
                    text[end : end + CONTEXT_CHARS], end + CONTEXT_CHARS < len(text), before=False
                ),
                start=start,
                end=end,
                kind=span.kind,
                variant="" if span.kind == "exact" else within.chars[span.start : span.end],
                in_heading=in_heading,
                paragraph_end=passage.paragraph_end,
                part=passage.part,
                parts=passage.parts,
                section_path=passage.section_path,
                page_label=passage.page_label,
                reliability=marks(),
            ),
        )


def _context(text: str, cut: bool, before: bool) -> str:
    flat = text.replace("\r", " ").replace("\n", " ")
    if not cut:
        return flat
    return "…" + flat if before else flat + "…"


def _per_document(found: list[Occurrence]) -> Iterator[DocumentCount]:
    seen: dict[str, list[Occurrence]] = {}
    for occurrence in found:  # date order: a document is listed where its first use stands
        seen.setdefault(occurrence.source, []).append(occurrence)
    order = sorted(seen.values(), key=lambda uses: (uses[0].doc_date is None, uses[0].doc_date or ""))
    for uses in order:
        first = uses[0]
        variants = sum(o.is_variant for o in uses)
        yield DocumentCount(first.source, first.doc_title, first.doc_date, len(uses) - variants, variants)


def _year(date: str | None) -> str | None:
    match = _YEAR.match(date or "")
    return match.group(0) if match else None


def _per_year(exact: list[Occurrence], variants: list[Occurrence]) -> Iterator[YearCount]:
    uses = Counter(_year(o.doc_date) for o in exact)
    others = Counter(_year(o.doc_date) for o in variants)
    for year in sorted(uses.keys() | others.keys(), key=lambda y: (y is None, y or "")):
        yield YearCount(year, uses[year], others[year])


def _forms(variants: list[Occurrence]) -> Iterator[VariantForm]:
    groups: dict[str, list[Occurrence]] = {}
    for occurrence in variants:
        groups.setdefault(occurrence.variant, []).append(occurrence)
    ordered = sorted(
        groups.values(), key=lambda uses: (-len(uses), uses[0].doc_date is None, uses[0].doc_date or "")
    )
    for uses in ordered:
        dates = [o.doc_date for o in uses if o.doc_date]
        yield VariantForm(
            wording=uses[0].match,
            form=uses[0].variant,
            kind=uses[0].kind,
            count=len(uses),
            documents=len({o.source for o in uses}),
            first=dates[0] if dates else None,
            latest=dates[-1] if dates else None,
        )
