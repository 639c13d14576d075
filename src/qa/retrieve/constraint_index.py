"""Matching a question's constraints against the archive: the rows of the documents and
passages that satisfy them (``ConstraintIndex``), read from each document's fields and each
passage's article, chapters and the years and sessions it names."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np

from qa.ingest.fields import DocumentFields, DocumentNumber, find_document_numbers
from qa.passages.cutting import Passage
from qa.passages.places import PassagePlaces, document_places
from qa.retrieve.constraints import Constraints, document_matches, named_documents
from qa.retrieve.doctypes import type_matches

# A year a passage or title names: "2024年", "2024 年" (its digits, as they were always read).
_NAMED_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")


@dataclass(frozen=True)
class Applied:
    """What a search applied: the rows it may return (None: all), what it says about it, and
    why nothing can answer ("档案中没有2018年的文件。") when no document matches."""

    rows: np.ndarray | None
    constraints: Constraints
    note: str = ""
    nothing: str = ""


class ConstraintIndex:
    """Each document's fields and each passage's article, chapters, years and sessions, to match
    constraints.

    ``places`` gives the passages' articles, chapters and sessions (``LoadedIndex.places``, as
    the build recorded them); without it they are read from every passage, on the first question
    naming a session, an article or a chapter.
    """

    def __init__(
        self,
        fields: Sequence[DocumentFields],
        titles: Sequence[str],
        passage_docs: np.ndarray,
        passages: Sequence[Passage],
        year_rows: Callable[[int], np.ndarray] | None = None,
        places: Callable[[], PassagePlaces] | None = None,
    ) -> None:
        self.fields = list(fields)
        self.titles = list(titles)
        self.passage_docs = passage_docs
        self.passages = passages
        self.year_rows = year_rows
        self.speakers = tuple(dict.fromkeys(f.speaker for f in self.fields if f.speaker))
        self._places = places or (lambda: PassagePlaces.from_records([0], [document_places(self.passages)]))
        self._years: list[frozenset[int]] | None = None
        self._title_years: np.ndarray | None = None

    @cached_property
    def places(self) -> PassagePlaces:
        """The passages' articles, chapters and named sessions (got once, when first needed)."""
        return self._places()

    def naming_years(self, first: int, last: int) -> np.ndarray:
        """Per passage (bool), whether its text, headings or document title name a year from
        ``first`` to ``last``: an undated "2024年度工作安排" names its year in its title only.

        With ``year_rows`` (the BM25 postings of a year's token, "2024" of "2024年" or
        "二〇二四年", over texts indexed with their headings) it reads no passage; without, it
        reads every passage once, on the first question that needs them (at 1.24M passages on
        a database that took 70 s: bench/constraint_time.py, docs/scale.md).
        """
        if self.year_rows is None:
            return np.array([any(first <= y <= last for y in ys) for ys in self._years_read()], dtype=bool)
        if self._title_years is None:  # (document, year) for each year a title names
            pairs = [
                (doc, int(y)) for doc, title in enumerate(self.titles) for y in _NAMED_YEAR.findall(title)
            ]
            self._title_years = np.array(pairs, dtype=np.int64).reshape(-1, 2)
        docs, years = self._title_years.T
        titled = np.zeros(len(self.titles), dtype=bool)
        titled[docs[(first <= years) & (years <= last)]] = True
        named = titled[self.passage_docs]
        for year in range(first, last + 1):
            named[self.year_rows(year)] = True
        return named

    def _years_read(self) -> list[frozenset[int]]:
        if self._years is None:
            self._years = [
                frozenset(int(y) for y in _NAMED_YEAR.findall(" ".join([*self._context(i), p.text])))
                for i, p in enumerate(self.passages)
            ]
        return self._years

    def _context(self, row: int) -> list[str]:
        return [self.titles[self.passage_docs[row]], *self.passages[row].section_path]

    def apply(self, asked: Constraints) -> Applied:
        """The rows that satisfy ``asked``; constraints nothing in the collection could satisfy
        (an article no regulation has, a relative year with no document) are dropped."""
        if not asked.any:
            return Applied(None, asked)
        groups, doc_group = self._groups
        if not any(g.year for g in groups):  # an undated collection: a year names no document
            asked = replace(asked, years=None, month=0, newest_first=False)
        kinds = np.array([type_matches(g.doc_type, asked.named_types) for g in groups], dtype=bool)
        if kinds[doc_group].all() or not any(g.doc_type for g in groups):  # a type word that tells no
            asked = replace(asked, named_types=())  # document from another names nothing
        docs = self._document_matches(asked)
        if asked.years and asked.relative and not docs["year"].any():
            asked = replace(asked, years=None, month=0)
            docs = self._document_matches(asked)
        every = np.ones(len(self.fields), dtype=bool)
        whole = np.logical_and.reduce([every, *docs.values()])
        # A passage naming the year stands for it in a document of another year ("2018年工作回顾").
        but_year = np.logical_and.reduce([every, *(v for k, v in docs.items() if k != "year")])
        rows = whole[self.passage_docs]
        if asked.years and not asked.relative and not asked.filtered:
            first, last = asked.years
            named = self.naming_years(first, last)
            rows |= but_year[self.passage_docs] & named
            # An undated document whose opening names the year is of that year (a sheet titled
            # "2022年度优秀提案" in its first row): all its passages stand for it.
            opened, first_rows = self._openings
            opens = np.zeros(len(self.fields), dtype=bool)
            opens[opened] = named[first_rows]
            undated = np.array([not g.year for g in groups], dtype=bool)[doc_group]
            rows |= (but_year & opens & undated)[self.passage_docs]
        if asked.sessions:  # so does one naming the session: the 主席会议纪要 that prepares it
            but_session = np.logical_and.reduce([every, *(v for k, v in docs.items() if k != "session")])
            rows |= but_session[self.passage_docs] & self.places.naming_sessions(asked.sessions, len(rows))
        for wanted, inside, dropped in (
            (asked.articles, PassagePlaces.in_articles, {"articles": ()}),
            (asked.chapters, PassagePlaces.in_chapters, {"chapters": ()}),
        ):
            if not wanted:
                continue
            has = inside(self.places, wanted, len(rows))
            if not has.any():  # an article no regulation of the archive has: dropped, said
                asked = replace(asked, **dropped)  # type: ignore[arg-type]
                continue
            rows &= has
        if not asked.any or (rows.all() and not asked.newest_first):
            return Applied(None, asked)
        documents = named_documents(asked)
        places = "、".join([*asked.chapters, *asked.articles])
        if not rows.any():
            where = f"的{places}" if places else ""
            return Applied(rows, asked, nothing=f"档案中没有{documents or '文件'}{where}。")
        newest = "，按日期从新到旧排列" if asked.newest_first else ""
        note = f"已按{documents}{places}检索{newest}。" if asked or asked.types or asked.named_types else ""
        return Applied(None if rows.all() else np.flatnonzero(rows), asked, note)

    @cached_property
    def _groups(self) -> tuple[list[DocumentFields], np.ndarray]:
        """The distinct fields that ``document_matches`` reads but the 文号 (one per document,
        nearly), and each document's group: 100k documents fall into a few hundred groups, so a
        question is matched against those, not against every document."""
        found: dict[DocumentFields, int] = {}
        doc_group = [
            found.setdefault(
                DocumentFields(f.year, f.month, session=f.session, speaker=f.speaker, doc_type=f.doc_type),
                len(found),
            )
            for f in self.fields
        ]
        return list(found), np.array(doc_group, dtype=np.int64)

    @cached_property
    def _openings(self) -> tuple[np.ndarray, np.ndarray]:
        """The documents that have passages and the row of each one's first passage (a sort of
        every passage's document: once, not on each year question)."""
        return np.unique(self.passage_docs, return_index=True)

    @cached_property
    def _doc_numbers(self) -> list[list[DocumentNumber]]:
        return [find_document_numbers(f.doc_number) for f in self.fields]

    def _document_matches(self, asked: Constraints) -> dict[str, np.ndarray]:
        """``document_matches`` of every document, by kind: per document (bool)."""
        groups, doc_group = self._groups
        by_group = [document_matches(replace(asked, doc_numbers=()), g) for g in groups]
        kinds = by_group[0].keys() if by_group else ()
        docs = {kind: np.array([m[kind] for m in by_group], dtype=bool)[doc_group] for kind in kinds}
        if asked.speakers:  # a speaker the title names
            docs["speaker"] |= np.array(
                [any(s in t for s in asked.speakers) for t in self.titles], dtype=bool
            )
        if asked.doc_numbers:
            docs["doc_number"] = np.array(
                [
                    bool(found) and any(n.matches(found[0]) for n in asked.doc_numbers)
                    for found in self._doc_numbers
                ],
                dtype=bool,
            )
        return docs

    def recency(self) -> np.ndarray:
        """Each passage's document's place in date order, 0 (oldest or undated) to 1 (newest)."""
        dates = [f.date or (str(f.year) if f.year else "") for f in self.fields]
        order = {d: i for i, d in enumerate(sorted(set(d for d in dates if d)))}
        scale = max(len(order) - 1, 1)
        per_doc = np.array([order[d] / scale if d else 0.0 for d in dates] or [0.0])
        return per_doc[self.passage_docs]
