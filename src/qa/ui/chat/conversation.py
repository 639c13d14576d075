"""Follow-up questions without a language model: decide when a question leans on the previous one.

A follow-up ("那具体要怎么做?", "还有呢?", "有哪些要求") names no topic of its own (or points
back at the previous answer: "其中民主监督怎么做?"), so it is searched together with the last
question that did ("政协委员怎样提高履职能力? 那具体要怎么做?").
The lexical ranker then sees the topic's words and the dense ranker the combined intent.
A question with a topic of its own starts a new thread.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from qa.retrieve.hit import Hit
from qa.text.asking import topic_words

# Demonstratives that point at the previous answer: "其中民主监督怎么做?", "这些措施在基层怎么落实?".
_POINTS_BACK = re.compile(
    r"这(些|个|项|种|样|么|方面|一点|几|里|条|段|句|部分)|那(些|个|段|句|几)|其中|其余|上述|以上|上面"
    r"|前面|刚才|上文|对此|为此|它们?"
)
# "…呢?" narrowing the previous question to a part: "在民主监督方面呢?", "那在基层呢?".
# A bare "那协商民主呢?" swaps the topic instead, so it is a new question.
_NARROWS = re.compile(
    r"((方面|领域|环节|层面|上|中|里)呢$)"
    r"|^(那么?|还有|另外)?[，,、 ]*(在|从|就|对于?|针对|具体到|落实到).*呢$"
)
_END = "?？!！。.…~～ "


@dataclass(frozen=True)
class Query:
    """What is searched for one question, and whether it was read as a follow-up."""

    text: str
    topic: str
    follow_up: bool


def is_follow_up(question: str, words: Sequence[str], known: Callable[[str], bool] = lambda _: True) -> bool:
    """Whether ``question`` (with its content ``words``) leans on the previous question.

    It does when it names no topic of its own ("那具体要怎么做?", "有哪些要求"), or names
    one while pointing back at the previous answer ("其中民主监督怎么做?") or narrowing the
    previous question ("在民主监督方面呢?"). A question that names its own topic is a new
    question however short it is ("协商民主", "团结怎么做?", "那协商民主呢?"): searching it
    with the previous topic's words would bring back the previous topic's passages. A topic
    the speeches never use ("红烧肉怎么做?") is never merged: ``known`` says whether the index
    has a word.
    """
    topics = topic_words(words)
    if not topics:
        return True
    if not all(known(term) for term in topics):
        return False
    text = question.strip().rstrip(_END)
    return bool(_POINTS_BACK.search(text) or _NARROWS.search(text))


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


# One chat message in Gradio's format: role, content and, under a follow-up's answer, options.
Message = dict[str, Any]


@dataclass
class Turn:
    """One answered question: what was asked, what was searched and what was shown."""

    question: str
    query: str
    passage_ids: tuple[str, ...]
    k: int
    sources: tuple[str, ...] = ()
    build_id: str = ""  # the index that answered, for ratings recorded after a rebuild
    follow_up: bool = False  # searched together with the conversation's topic
    hits: tuple[Hit, ...] = ()  # the passages shown, as shown (for exporting the ticked cards)
    applied: str = ""  # the constraints the search read from the question ("2024年"), "" for none


@dataclass
class Conversation:
    """A chat session's state: its messages, the current topic and the answered turns."""

    messages: list[Message] = field(default_factory=list)
    topic: str | None = None
    turns: dict[int, Turn] = field(default_factory=dict)  # assistant message index -> turn

    def shown_passages(self) -> set[str]:
        """Every passage id already shown in this conversation."""
        return {pid for turn in self.turns.values() for pid in turn.passage_ids}

    def last_follow_up(self) -> Turn | None:
        """The newest answer's turn when that answer read its question as a follow-up, else None."""
        turn = self.turns.get(len(self.messages) - 1)
        return turn if turn is not None and turn.follow_up else None

    def last_constrained(self) -> Turn | None:
        """The newest answer's turn when its search applied constraints read from the question."""
        turn = self.turns.get(len(self.messages) - 1)
        return turn if turn is not None and turn.applied else None

    def before_last_answer(self) -> Conversation:
        """This conversation without its newest question and answer, topic unchanged.

        Meant for taking back a follow-up's answer (``last_follow_up``): a follow-up never
        changes the topic, so the topic is the one it had before that question.
        """
        last = len(self.messages) - 1
        return Conversation(
            messages=self.messages[:-2],
            topic=self.topic,
            turns={index: turn for index, turn in self.turns.items() if index < last - 1},
        )
