"""Reading around a passage without a question: its neighbours, and a passage as a ``Hit``."""

from __future__ import annotations

from qa.index.load import LoadedIndex
from qa.passages.cutting import Passage
from qa.retrieve.constraint_index import ConstraintIndex
from qa.retrieve.hit import Hit, section_paragraph


class Browsing:
    """What ``Retriever`` offers besides search (it supplies ``index`` and ``fields``)."""

    index: LoadedIndex

    @property
    def fields(self) -> ConstraintIndex:
        raise NotImplementedError

    def passage_hit(self, row: int, score: float = 0.0) -> Hit:
        """Passage ``row`` as a ``Hit`` with its place and its marks (``LoadedIndex.reliability``),
        without evidence of a match: a use found by tracing, a draft sentence's source."""
        marks = self.index.reliability(row)
        fields = self.fields.fields[int(self.index.passage_docs[row])]
        return Hit.from_passage(
            self.index.passages[row],
            score,
            suspected_gaps=marks.suspected_gaps,
            damaged=marks.damaged,
            section_paragraph=section_paragraph(self.index.passages, row),
            speaker=fields.speaker,
            authority=fields.authority,
        )

    def neighbours(
        self, passage_id: str, before: int = 1, after: int = 1
    ) -> tuple[list[Passage], list[Passage]]:
        """The passages just before and after ``passage_id`` in its own document."""
        row = self.index.row_of(passage_id)
        if row is None:
            raise KeyError(f"No passage {passage_id!r} in the index at {self.index.root}")
        passages = self.index.passages
        source = passages[row].source
        earlier = [p for p in passages[max(row - before, 0) : row] if p.source == source]
        later = [p for p in passages[row + 1 : row + 1 + after] if p.source == source]
        return earlier, later
