"""Real question → passage pairs for the e5 adapter (issue 22, lever 1(b)): DRCD and the CMRC 2018 trial set.

Read by ``train/adapter.py --pairs qa`` (or ``mix``). The files are the public releases, extracted
from their repositories, e.g. ::

    git -C <DRCD clone> show HEAD:DRCD_dev.json > /tmp/qa_data/DRCD_dev.json      # and DRCD_test.json
    git -C <cmrc2018 clone> show HEAD:data/cmrc2018_trial.json > /tmp/qa_data/cmrc2018_trial.json

* **DRCD** (Delta Reading Comprehension Dataset, github.com/DRCKnowledgeTeam/DRCD, CC BY-SA 3.0):
  SQuAD-style JSON (``data`` → articles → ``paragraphs`` → ``qas``), traditional characters,
  folded to simplified with ``qa.text.normalise.simplified`` (opencc t2s, same length, so the
  answers' offsets still hold);
* **CMRC 2018** (github.com/ymcui/cmrc2018, CC BY-SA 4.0) train and trial files: a JSON list of
  ``{context_id, context_text, title, qas: [{query_text, answers}]}``. Its **dev** file is the
  external benchmark (``bench/external.py``): a file named ``*cmrc2018_dev*`` is refused.

A pair's query is the question; its positive is the window of whole sentences of the paragraph
around the answer's first occurrence, at most ``window`` characters (the product's passages are
up to 450 characters, training reads 128 tokens of each). The pool (for hard negatives) holds
every paragraph; its group is the article, so a negative never comes from the question's own
article, and never holds the answer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class QAPair:
    """A question, the window of its paragraph around the answer, the paragraph's row and article."""

    query: str
    positive: str
    answer: str
    row: int
    group: tuple[str, str]  # (file name, article id)


def _refuse_benchmark(path: Path) -> None:
    if "cmrc2018_dev" in path.name.lower():
        raise ValueError(
            f"{path} is CMRC 2018 dev, the external benchmark: never train on it "
            "(use cmrc2018_train.json or cmrc2018_trial.json)."
        )


def _records(path: Path) -> list[tuple[str, str, str, list[tuple[str, str, int]]]]:
    """(article id, title, paragraph, [(question, answer, answer start or -1)]) of one file."""
    _refuse_benchmark(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    records = []
    if isinstance(data, dict) and "data" in data:  # DRCD / SQuAD layout
        for article in data["data"]:
            for paragraph in article["paragraphs"]:
                qas = [
                    (q["question"], q["answers"][0]["text"], int(q["answers"][0].get("answer_start", -1)))
                    for q in paragraph["qas"]
                    if q.get("answers")
                ]
                records.append((str(article["id"]), article.get("title", ""), paragraph["context"], qas))
    elif isinstance(data, list) and data and "context_text" in data[0]:  # CMRC 2018 layout
        for entry in data:
            qas = [(q["query_text"], q["answers"][0], -1) for q in entry["qas"] if q.get("answers")]
            records.append((str(entry["context_id"]), entry.get("title", ""), entry["context_text"], qas))
    else:
        raise ValueError(f"{path} is neither DRCD (SQuAD layout) nor CMRC 2018 JSON.")
    return records


def answer_window(paragraph: str, answer: str, start: int, window: int) -> str:
    """The whole sentences of ``paragraph`` around ``answer`` (at ``start``, else its first place),
    at most ``window`` characters when the answer's sentence is shorter; the paragraph's start if
    the answer is not in it."""
    from qa.passages.cutting import sentences_of

    if start < 0 or paragraph[start : start + len(answer)] != answer:
        start = max(paragraph.find(answer), 0)
    spans, cursor = [], 0
    for sentence in sentences_of(paragraph, min_chars=1):
        at = paragraph.find(sentence, cursor)
        if at < 0:
            continue
        spans.append((at, at + len(sentence)))
        cursor = at + len(sentence)
    if not spans:
        return paragraph[:window]
    middle = next((i for i, (a, b) in enumerate(spans) if a <= start < b), 0)
    low, high = middle, middle + 1
    while True:
        grown = False
        for low_try, high_try in ((low, high + 1), (low - 1, high)):
            if (
                low_try >= 0
                and high_try <= len(spans)
                and spans[high_try - 1][1] - spans[low_try][0] <= window
            ):
                low, high, grown = low_try, high_try, True
                break
        if not grown:
            return paragraph[spans[low][0] : spans[high - 1][1]]


def read_qa_pairs(
    files: list[Path], window: int = 150
) -> tuple[list[QAPair], list[str], list[tuple[str, str]]]:
    """The pairs of ``files`` (in file order), the pool of their paragraphs and each paragraph's group.

    Raises ``ValueError`` for CMRC 2018 dev or a file of another layout, ``OSError`` when unreadable.
    """
    from qa.text.normalise import simplified

    pairs: list[QAPair] = []
    pool: list[str] = []
    groups: list[tuple[str, str]] = []
    for path in files:
        for article, _title, paragraph, qas in _records(path):
            paragraph = simplified(paragraph)
            row = len(pool)
            pool.append(paragraph)
            groups.append((path.name, article))
            for question, answer, start in qas:
                answer = simplified(answer)
                positive = answer_window(paragraph, answer, start, window)
                pairs.append(QAPair(simplified(question), positive, answer, row, (path.name, article)))
    return pairs, pool, groups
