"""How the "too vague alone" thresholds were chosen (``qa.retrieve.vague``).

    HF_HUB_OFFLINE=1 .venv/bin/python eval/vague.py

For each threshold of general-language count, alone and with a word in a given share of the
passages counted as generic too (tried, not used: it calls a small collection's topics vague),
the number of the
evaluation set's answerable and unanswerable questions called vague (both must be 0) and
of ``VAGUE``, questions that name no topic (written for this; a follow-up would lean on the
previous question, here each is asked alone), that are. The chosen pair is marked.
"""

from __future__ import annotations

from qa.index.bm25 import LexicalIndex
from qa.index.load import load_index
from qa.retrieve.defaults import default_index_dir
from qa.retrieve.evaluate import default_questions_path, load_questions
from qa.retrieve.query import question_text
from qa.retrieve.vague import GENERAL_COUNT

VAGUE = (
    "具体有哪些措施？",
    "有什么要求？",
    "怎么落实？",
    "主要内容是什么？",
    "有哪些具体举措？",
    "工作重点是什么？",
    "意义是什么？",
    "有哪些做法？",
    "取得了哪些成效？",
    "下一步怎么办？",
    "这方面有什么经验？",
    "还有哪些要求？",
    "具体怎么抓落实？",
    "有什么重要意义？",
    "主要任务是什么？",
    "有哪些主要做法？",
)


def called_vague(question: str, lexical: LexicalIndex, count: int, share: float) -> bool:
    words = lexical.tokenizer.words(question_text(question))
    return bool(words) and all(
        lexical.tokenizer.general_count(w) >= count or len(lexical.rows_with(w)) / lexical.size >= share
        for w in words
    )


def main() -> None:
    lexical = load_index(default_index_dir()).lexical
    questions = load_questions(default_questions_path())
    answerable = [q.question for q in questions if q.source]
    unanswerable = [q.question for q in questions if not q.source]
    print(f"{len(answerable)} answerable, {len(unanswerable)} unanswerable, {len(VAGUE)} vague questions")
    print(
        "| general count ≥ | passage share ≥ | answerable called vague | unanswerable | vague called vague |"
    )
    print("|---:|---:|---:|---:|---:|")
    for count in (4000, 6000, 7000, 8000, 12000):
        for share in (0.2, 1.01):
            row = [
                sum(called_vague(q, lexical, count, share) for q in group)
                for group in (answerable, unanswerable)
            ]
            caught = sum(called_vague(q, lexical, count, share) for q in VAGUE)
            chosen = " ← chosen" if (count, share) == (GENERAL_COUNT, 1.01) else ""
            print(f"| {count:,} | {share:.2f} | {row[0]} | {row[1]} | {caught} of {len(VAGUE)}{chosen} |")
    missed = [q for q in VAGUE if not called_vague(q, lexical, GENERAL_COUNT, 1.01)]
    print("not caught:", "、".join(missed))


if __name__ == "__main__":
    main()
