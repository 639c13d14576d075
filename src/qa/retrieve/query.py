"""A question as ranking reads it: validated, cut to length, without spaced-out characters.

``clean_query`` needs nothing but the text: ``qa.search``, ``Retriever.answer``, the CLI
and the page call it before the model and the index are loaded, so a bad question is
refused at once.
"""

from __future__ import annotations

import logging

from qa.errors import QuestionError
from qa.text.normalise import unspaced_question

log = logging.getLogger(__name__)

MAX_QUERY_CHARS = 500
# Longer than any question anyone types: a pasted document. Refused rather than cut, since
# its first 500 characters would be an arbitrary question. Between the two limits the
# question is cut to ``MAX_QUERY_CHARS`` (the page says so).
MAX_QUESTION_CHARS = 2000


def clean_query(query: str) -> str:
    """Validate a question: non-empty after stripping; long ones are cut to ``MAX_QUERY_CHARS``.

    Raises ``QuestionError`` (a ``ValueError``) for an empty or whitespace-only question and
    for one over ``MAX_QUESTION_CHARS`` characters, ``TypeError`` for a non-string.
    """
    if not isinstance(query, str):
        raise TypeError(f"query must be a str, not {type(query).__name__}")
    text = "".join(ch if ch.isprintable() else " " for ch in query).strip()
    if not text:
        raise QuestionError(
            "The question is empty: type a question, e.g. 政协委员怎样提高履职能力?", "请输入问题。"
        )
    if len(text) > MAX_QUESTION_CHARS:
        raise QuestionError(
            f"The question has {len(text)} characters, more than {MAX_QUESTION_CHARS}: "
            "ask about one point at a time (to check a whole draft, use `qa check`).",
            f"问题过长（{len(text):,}字），请一次只问一个要点，不超过{MAX_QUESTION_CHARS}字；"
            "核对整篇稿件请用“查重与提法核对”。",
        )
    if len(text) > MAX_QUERY_CHARS:
        log.info("Question of %d characters cut to %d", len(text), MAX_QUERY_CHARS)
        text = text[:MAX_QUERY_CHARS]
    return text


def question_text(query: str) -> str:
    """The question as ranking reads it: validated (``clean_query``) and without spaced-out characters."""
    return unspaced_question(clean_query(query))
