"""Words that say what is asked about a topic, not which topic ("有哪些要求", "最新的提法是什么").

The follow-up rule (``qa.ui.chat.conversation``) reads a question made only of them as leaning
on the previous one; the relevance gate (``qa.retrieve.gate``) gives them no weight: whether
a collection has 提法 or 官方 says nothing about whether it answers 新质生产力最新的官方提法是什么.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

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
    # how recent and how official the answer should be
    " 最新 最近 新近 官方 正式 权威 准确 确切 提出 说过"
)
ASKING_WORDS = frozenset(_ASKING.split())


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
