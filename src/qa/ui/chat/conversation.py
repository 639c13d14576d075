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
from functools import cache
from typing import Any

from qa.retrieve.hit import Hit
from qa.text.tokens import default_stopwords, longest_terms

# Words that say what is asked about a topic, not which topic: "有哪些要求", "这些措施怎么落实?",
# "原文是怎么说的?". The tokenizer's stopwords (怎么, 如何, 哪些, 具体, 方面, 做…) are gone already.
# A word made only of these and stopwords (具体措施, 哪些方面) counts as one of them.
_ASKING = (
    # what to do and how
    "要求 措施 举措 办法 方法 做法 途径 路径 步骤 方式 形式 手段 机制 抓手 思路 原则 标准 流程 程序"
    " 做到 做好 做起 落实 抓好 推进 实施 执行 入手 着手 把握 加强 提高 提升 改进 完善 发挥 解决 应对"
    " 保障 确保 实现 推动 坚持 注意 存在 牵头 负责 衡量 评价 考核 理解 认识 看待 体现 表现"
    # which part of it, and why
    " 内容 重点 难点 关键 核心 目标 任务 意义 作用 价值 必要性 重要性 好处 原因 背景 问题 情况 成效"
    " 效果 经验 不足 短板 特点 特征 内涵 含义 意思 区别 关系 时间 时候 阶段 主体 对象 范围"
    # where it was said, and more of it
    " 讲话 原文 原话 出处 出自 来源 文件 文章 段落 几段 一段 表述 提法 说法 换个 例子 举例 举个 案例"
    " 依据 更多 其他 其它 别的 详细 全面 深入 透彻 系统 清楚 说说 讲讲 谈谈 介绍 解释 说明 补充"
    " 总结 概括 展开 多给 再找"
    # pointing back and moving on
    " 还有 还要 其中 其余 另外 此外 然后 接下来 下一步 一步 进一步 同时 首先 其次 最后 对此 为此"
    " 上述 以上 上面 前面 刚才 几点 一点 一些 没有 重要 最 更 实际 实践"
    " 工作 日常 平时 现在 目前 当前 今后"
)
ASKING_WORDS = frozenset(_ASKING.split())
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


@cache
def _asking_pieces() -> frozenset[str]:
    return ASKING_WORDS | default_stopwords()


def is_asking_word(word: str) -> bool:
    """Whether ``word`` asks about a topic rather than names one (要求, 具体措施, 这句, 哪篇, 2022)."""
    if not word or word.isdigit() or word[0] in "这那哪":  # 这句, 那段, 哪篇: a pointer, not a topic
        return True
    pieces = _asking_pieces()
    # Can ``word`` be cut into pieces that are all asking words or stopwords?
    ends = {0}
    for end in range(1, len(word) + 1):
        if any(start in ends and word[start:end] in pieces for start in range(end)):
            ends.add(end)
    return len(word) in ends


def topic_words(words: Sequence[str]) -> list[str]:
    """The words of a question that name its topic: its longest content words that are not asking words."""
    return [term for term in longest_terms(words) if not is_asking_word(term)]


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
