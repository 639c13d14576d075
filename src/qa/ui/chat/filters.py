"""The filters beside the document filter: a year range, document types and speakers, and
whether constraints read from the question apply (``qa.retrieve.constraints``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from qa.ingest.fields import DOCUMENT_TYPES
from qa.retrieve.retriever import Retriever

_YEAR_RANGE = re.compile(
    r"^\s*((?:19|20)\d{2})\s*(?:年)?\s*(?:(?:-|—|－|~|～|至|到)\s*((?:19|20)\d{2})\s*年?)?\s*$"
)


@dataclass(frozen=True)
class Filters:
    """What a search is restricted to besides documents: ``years`` an inclusive range."""

    years: tuple[int, int] | None = None
    types: tuple[str, ...] = ()
    speakers: tuple[str, ...] = ()
    constraints: bool = True

    def search(self) -> dict[str, Any]:
        """The keyword arguments of ``Retriever.answer``."""
        return {
            "years": self.years,
            "types": self.types or None,
            "speakers": self.speakers or None,
            "constraints": self.constraints,
        }

    @classmethod
    def of(cls, years: str | None, types: list[str] | None, speakers: list[str] | None) -> Filters:
        """The filters as the page gives them: years typed as "2024" or "2020-2024" ("" for any).

        Raises ``ValueError`` for years written otherwise."""
        return cls(parse_years(years or ""), tuple(types or ()), tuple(speakers or ()))


def parse_years(text: str) -> tuple[int, int] | None:
    """ "2024" → (2024, 2024), "2020-2024" or "2020至2024年" → (2020, 2024), "" → None."""
    if not text.strip():
        return None
    match = _YEAR_RANGE.match(text)
    if not match:
        raise ValueError(f"年份请写成 2024 或 2020-2024，而不是 {text!r}")
    first = int(match.group(1))
    last = int(match.group(2) or first)
    return (min(first, last), max(first, last))


def type_choices(retriever: Retriever) -> list[str]:
    """The document types the collection has, in ``DOCUMENT_TYPES`` order."""
    present = {f.doc_type for f in retriever.fields.fields}
    return [kind for kind in DOCUMENT_TYPES if kind in present]


def speaker_choices(retriever: Retriever) -> list[str]:
    """The speakers the collection's documents name."""
    return list(retriever.fields.speakers)
