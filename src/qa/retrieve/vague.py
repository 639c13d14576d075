"""A question too vague to answer alone: every content word is one that fits any topic.

"具体有哪些措施？" asked on its own names no topic; BM25 and e5 still find passages about
措施 of something, which read as an answer and are noise. A content word (after the
stopwords) is *generic* when it is common in general Chinese: jieba's dictionary (word
counts of a general corpus, 60 million in all) counts it at least ``GENERAL_COUNT`` times
(措施 8,163, 要求 23,944, 工作 66,367; 团结 3,941, 政协 2,695, 提案 523).

A question whose content words are all generic is answered with ``TOO_VAGUE`` instead of
passages; a question with a quoted phrase never is. ``eval/vague.py`` measured the
threshold on the evaluation set: the answerable question whose rarest word is the most
common (通过充分讨论，最终希望得到哪些结果?) has 6,028; none of the 121 answerable and 35
unanswerable questions is called vague at 7,000 (the middle between 6,028 and 措施's 8,163),
and 8 of 16 vague questions are. Also counting a word found in a fifth of the collection's
passages as generic caught 11 of 16, but called the topics of a small collection vague (团结
is in 21% of the seeds' passages, every word of a field case's question in a few-passage
index), so it is not used.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qa.index.bm25 import LexicalIndex

GENERAL_COUNT = 7000
TOO_VAGUE = "问题太笼统，单独看不出问的是哪方面的工作。请说明具体对象，例如“政协提案工作有哪些措施？”"


def is_generic(word: str, lexical: LexicalIndex) -> bool:
    """Whether ``word`` fits any topic: common in general Chinese (``GENERAL_COUNT``)."""
    return lexical.tokenizer.general_count(word) >= GENERAL_COUNT


def too_vague(words: Sequence[str], lexical: LexicalIndex) -> bool:
    """Whether a question of content ``words`` (``ChineseTokenizer.words``) names no topic at all.

    A question without content words is left to the relevance gate.
    """
    return bool(words) and all(is_generic(word, lexical) for word in words)
