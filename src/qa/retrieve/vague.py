"""A question too vague to answer alone: every content word is one that fits any topic.

"具体有哪些措施？" asked on its own names no topic; BM25 and e5 still find passages about
措施 of something, which read as an answer and are noise. A content word (after the
stopwords) is *generic* when it is common both ways one can measure here:

* in general Chinese: jieba's dictionary (word counts of a general corpus, 60 million in
  all) counts it at least ``GENERAL_COUNT`` times (措施 8,163, 要求 23,944, 工作 66,367;
  政协 2,695, 履职 and 提案 far fewer), or
* in this collection: at least ``PASSAGE_SHARE`` of the passages have it (工作, 要求 and
  落实 in the seeds).

A question whose content words are all generic is answered with ``TOO_VAGUE`` instead of
passages; a question with a quoted phrase never is. The two thresholds were measured with
``eval/vague.py`` on the evaluation set: none of its 121 answerable and 35 unanswerable
questions is called vague, and 11 of its 16 vague questions are (the rest name a rarer
generic word: 举措, 做法, 成效, 这方面).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qa.index.bm25 import LexicalIndex

GENERAL_COUNT = 8000
PASSAGE_SHARE = 0.2
TOO_VAGUE = "问题太笼统，单独看不出问的是哪方面的工作。请说明具体对象，例如“政协提案工作有哪些措施？”"


def is_generic(word: str, lexical: LexicalIndex) -> bool:
    """Whether ``word`` fits any topic: common in general Chinese or in most passages here."""
    if lexical.tokenizer.general_count(word) >= GENERAL_COUNT:
        return True
    return lexical.size > 0 and len(lexical.rows_with(word)) / lexical.size >= PASSAGE_SHARE


def too_vague(words: Sequence[str], lexical: LexicalIndex) -> bool:
    """Whether a question of content ``words`` (``ChineseTokenizer.words``) names no topic at all.

    A question without content words is left to the relevance gate.
    """
    return bool(words) and all(is_generic(word, lexical) for word in words)
