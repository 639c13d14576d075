"""A question as ranking reads it: validated, cut to length, without spaced-out characters."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from qa.text.normalise import unspaced_question

if TYPE_CHECKING:
    pass

log = logging.getLogger(__name__)


MAX_QUERY_CHARS = 500


def clean_query(query: str) -> str:
    """Validate a question: non-empty after stripping; long ones are cut to ``MAX_QUERY_CHARS``."""
    if not isinstance(query, str):
        raise TypeError(f"query must be a str, not {type(query).__name__}")
    text = "".join(ch if ch.isprintable() else " " for ch in query).strip()
    if not text:
        raise ValueError("The question is empty: type a question, e.g. 政协委员怎样提高履职能力?")
    if len(text) > MAX_QUERY_CHARS:
        log.info("Question of %d characters cut to %d", len(text), MAX_QUERY_CHARS)
        text = text[:MAX_QUERY_CHARS]
    return text


def question_text(query: str) -> str:
    """The question as ranking reads it: validated (``clean_query``) and without spaced-out characters."""
    return unspaced_question(clean_query(query))
