"""Follow-up questions without a language model: decide when a question leans on the previous one.

A follow-up ("那具体要怎么做?", "还有呢?", "有哪些要求") names no topic of its own, so it is
searched together with the last question that did ("政协委员怎样提高履职能力? 那具体要怎么做?").
The lexical ranker then sees the topic's words and the dense ranker the combined intent.
A question with a topic of its own starts a new thread.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from qa.lexical import longest_terms

# Openings that point back at the previous answer: "那…", "这些…", "其中…", "还有…", "具体…".
_POINTS_BACK = re.compile(
    r"^(那么?|这(些|个|样|种|方面)?|那(些|个|样|种)|其(中|他|它)?|它们?|他们|她们|上述|以上|前面|刚才"
    r"|还有|还|另外|此外|再|又|具体|进一步|接下来|然后|同时|除此之外|对此|为此|如何做到)"
)
# "…呢?" asks for more of the same ("在民主监督方面呢?").
_ASKS_FOR_MORE = re.compile(r"呢\s*[?？!！。]*\s*$")
# A question this short with at most one content word cannot carry a topic ("怎么落实?").
_SHORT = 8


@dataclass(frozen=True)
class Query:
    """What is searched for one question, and whether it was read as a follow-up."""

    text: str
    topic: str
    follow_up: bool


def is_follow_up(question: str, words: Sequence[str], known: Callable[[str], bool] = lambda _: True) -> bool:
    """Whether ``question`` (with its content ``words``) leans on the previous question.

    A question with a word the speeches never use ("红烧肉怎么做?") brings a topic of its
    own, however short it is, so ``known`` (is this word in the index?) rules it out.
    """
    text = question.strip()
    terms = longest_terms(words)
    if not terms:
        return True
    if not all(known(term) for term in terms):
        return False
    if _POINTS_BACK.match(text) or _ASKS_FOR_MORE.search(text):
        return True
    return len(terms) <= 1 and len(text.rstrip("?？!！。 ")) <= _SHORT


def build_query(
    question: str,
    topic: str | None,
    words: Callable[[str], Sequence[str]],
    known: Callable[[str], bool] = lambda _: True,
) -> Query:
    """The query for ``question`` given the conversation's current ``topic`` (None at the start).

    ``words`` gives a text's content words (the index tokenizer's ``words``) and ``known``
    whether the index has a word. A follow-up is searched as ``topic + question`` and keeps
    the topic; any other question becomes the new topic.
    """
    question = question.strip()
    if topic and is_follow_up(question, words(question), known):
        return Query(f"{topic} {question}", topic, follow_up=True)
    return Query(question, question, follow_up=False)


@dataclass
class Turn:
    """One answered question: what was asked, what was searched and what was shown."""

    question: str
    query: str
    passage_ids: tuple[str, ...]
    k: int
    sources: tuple[str, ...] = ()
    build_id: str = ""  # the index that answered, for ratings recorded after a rebuild


@dataclass
class Conversation:
    """A chat session's state: its messages, the current topic and the answered turns."""

    messages: list[dict[str, str]] = field(default_factory=list)
    topic: str | None = None
    turns: dict[int, Turn] = field(default_factory=dict)  # assistant message index -> turn

    def shown_passages(self) -> set[str]:
        """Every passage id already shown in this conversation."""
        return {pid for turn in self.turns.values() for pid in turn.passage_ids}
