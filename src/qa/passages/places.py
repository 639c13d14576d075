"""Where each passage stands for a question's constraints: its article and chapters (a
regulation's "第十二条" in "第三章") and the sessions it names ("十四届二次会议").

``qa build`` records them per document (``document_places``), so a question naming a session or
an article reads no passage; ``PassagePlaces`` holds them for the whole index, sparsely: at 1.24M
passages reading them from every passage took 20–42 s on the first such question
(bench/constraint_time.py, docs/scale.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from qa.ingest.fields import find_sessions
from qa.passages.cutting import Passage

# A chapter heading's number, as questions name it ("第三章" of "第三章 委员"; constraints.read_constraints).
_CHAPTER = re.compile(r"第[〇零一二三四五六七八九十百\d]{1,4}章")


def chapters_of(section_path: Iterable[str]) -> tuple[str, ...]:
    """The chapter numbers ("第三章") that begin headings of ``section_path``; a heading begins with
    a question's "第三章" exactly when its number is that one."""
    return tuple(found[0] for found in map(_CHAPTER.match, section_path) if found)


def passage_place(passage: Passage) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """``(article, chapters, sessions)`` of one passage: sessions named in its text or headings."""
    sessions = find_sessions(" ".join([*passage.section_path, passage.text]))
    return passage.article, chapters_of(passage.section_path), tuple(dict.fromkeys(sessions))


def document_places(passages: Sequence[Passage]) -> list[list[object]]:
    """The places of one document's passages that have any, JSON-ready for the manifest:
    ``[offset in the document, article, [chapters], [sessions]]`` per such passage."""
    records: list[list[object]] = []
    for offset, passage in enumerate(passages):
        article, chapters, sessions = passage_place(passage)
        if article or chapters or sessions:
            records.append([offset, article, list(chapters), list(sessions)])
    return records


@dataclass(frozen=True)
class PassagePlaces:
    """The places of the passages that have any: ``rows`` (int64, ascending) and, per such row,
    its article ("" for none), chapters and sessions. Every other passage has none."""

    rows: np.ndarray
    articles: tuple[str, ...]
    chapters: tuple[tuple[str, ...], ...]
    sessions: tuple[tuple[str, ...], ...]

    @classmethod
    def from_records(cls, starts: Sequence[int], records: Sequence[Sequence[Sequence[Any]]]) -> PassagePlaces:
        """From each document's first row and its ``document_places`` records."""
        found = [(start + int(r[0]), r) for start, recs in zip(starts, records, strict=True) for r in recs]
        return cls(
            rows=np.array([row for row, _ in found], dtype=np.int64),
            articles=tuple(str(r[1]) for _, r in found),
            chapters=tuple(tuple(map(str, r[2])) for _, r in found),
            sessions=tuple(tuple(map(str, r[3])) for _, r in found),
        )

    def naming_sessions(self, sessions: Iterable[str], passages: int) -> np.ndarray:
        """Per passage of ``passages`` (bool): whether it names one of ``sessions``."""
        wanted = set(sessions)
        named = np.zeros(passages, dtype=bool)
        named[self.rows[self._where(bool(wanted.intersection(s)) for s in self.sessions)]] = True
        return named

    def in_articles(self, articles: Iterable[str], passages: int) -> np.ndarray:
        """Per passage (bool): whether it belongs to one of ``articles`` ("第十二条")."""
        wanted = set(articles)
        inside = np.zeros(passages, dtype=bool)
        inside[self.rows[self._where(a in wanted for a in self.articles)]] = True
        return inside

    def in_chapters(self, chapters: Iterable[str], passages: int) -> np.ndarray:
        """Per passage (bool): whether a heading of its section begins with one of ``chapters``."""
        wanted = tuple(chapters)
        inside = np.zeros(passages, dtype=bool)
        inside[self.rows[self._where(any(h.startswith(wanted) for h in c) for c in self.chapters)]] = True
        return inside

    def _where(self, flags: Iterable[bool]) -> np.ndarray:
        return np.fromiter(flags, dtype=bool, count=len(self.rows))
