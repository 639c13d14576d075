"""How often a question is restricted wrongly by what ``qa.retrieve.constraints`` reads in it.

    .venv/bin/python eval/fields/false_constraints.py

For every question of every set, over its own collection (no model is needed: constraints are
read from the words and matched against the documents' fields and the passages' articles):

* **read**: the question states a constraint (a year, a session, a speaker, a 文号, an article,
  a document type: "工作报告中", "通知要求");
* **applied**: it restricts the search (the collection has documents to match it) or, for
  "最新"/"最近一次", reorders it by date (the collection has dates);
* **false**: it shuts out the passage that answers the question (its document and span), or
  says the archive has no such document when it has. The target is ≤ 1% false.

Sets: the evaluation set (``eval/questions.jsonl``) over the seeds, and over the seeds with the
72 government work reports; the everyday questions (``eval/everyday_questions.jsonl``, none
answerable: only read and applied count) over the seeds; CMRC 2018 (3,219 questions, Wikipedia); this folder's own set.
The shared corpora are skipped with a note where ``../shared/corpora`` is absent.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import tempfile
from datetime import date
from pathlib import Path

import numpy as np

from qa.ingest.documents import read_folder
from qa.passages.cutting import make_passages
from qa.retrieve.constraint_index import ConstraintIndex
from qa.retrieve.constraints import read_constraints
from qa.text.normalise import match_form

ROOT = Path(__file__).resolve().parents[2]
SHARED = next(
    (p for p in (ROOT.parent / "shared" / "corpora", Path("/work/shared/corpora")) if p.is_dir()), None
)
TODAY = date(2025, 3, 1)


def squash(text: str) -> str:
    return re.sub(r"\s+", "", match_form(text))


def constraint_index(folders: list[Path]) -> ConstraintIndex:
    """The fields of every document in ``folders`` (copied into one) and their passages."""
    with tempfile.TemporaryDirectory(prefix="qa-false-") as scratch:
        for folder in folders:
            for path in folder.iterdir():
                if path.is_file():
                    shutil.copy(path, Path(scratch) / path.name)
        report = read_folder(Path(scratch))
    documents = sorted(report.documents, key=lambda d: d.source)
    passages = [make_passages(d) for d in documents]
    owners = np.repeat(np.arange(len(documents)), [len(p) for p in passages])
    flat = [p for ps in passages for p in ps]
    return ConstraintIndex([d.fields for d in documents], [d.title for d in documents], owners, flat)


def measure(name: str, index: ConstraintIndex, questions: list[dict[str, object]]) -> None:
    read = applied = false = 0
    examples: list[str] = []
    for q in questions:
        asked = read_constraints(str(q["question"]), index.speakers, TODAY)
        if not asked.any:
            continue
        read += 1
        result = index.apply(asked)
        if result.rows is None and not result.nothing and not result.constraints.newest_first:
            continue
        applied += 1
        answers = q.get("answers") or []
        if (not q.get("source") and not answers) or (result.rows is None and not result.nothing):
            continue  # out of domain (no passage to shut out), or only reordered by date
        allowed = (
            set() if result.nothing else {int(r) for r in (result.rows if result.rows is not None else [])}
        )
        gold = [
            row
            for row, p in enumerate(index.passages)
            if p.source == q.get("source") and any(squash(str(a)) in squash(p.text) for a in answers)
        ]
        if gold and not allowed & set(gold):
            false += 1
            examples.append(f"    {q['question']} -> {asked.describe() or 'newest first'}")
    n = len(questions)
    print(f"{name:<34} {n:>6} {read:>6} {applied:>8} {false:>6} {false / n:>8.2%}")
    for line in examples[:8]:
        print(line)


def main() -> int:
    print(f"{'set (collection)':<34} {'asked':>6} {'read':>6} {'applied':>8} {'false':>6} {'false %':>8}")
    own = [json.loads(line) for line in (ROOT / "eval" / "questions.jsonl").read_text("utf-8").splitlines()]
    for q in own:
        q["answers"] = [q["span"]] if q.get("span") else []
    seeds = constraint_index([ROOT / "seeds"])
    measure("evaluation set (seeds)", seeds, own)
    everyday = [
        json.loads(line)
        for line in (ROOT / "eval" / "everyday_questions.jsonl").read_text("utf-8").splitlines()
        if line.strip()
    ]
    measure("everyday questions (seeds)", seeds, everyday)
    if SHARED is None:
        print("(../shared/corpora is absent: the reports and CMRC 2018 are skipped)")
    else:
        measure(
            "evaluation set (seeds + 72 reports)",
            constraint_index([ROOT / "seeds", SHARED / "gov-work-reports"]),
            own,
        )
        cmrc = [
            json.loads(line)
            for line in (SHARED / "cmrc2018" / "questions.jsonl").read_text("utf-8").splitlines()
        ]
        for q in cmrc:
            q["source"] = Path(str(q["doc"])).name
            q["answers"] = q.get("all_answers") or [q["answer"]]
        measure("CMRC 2018 (Wikipedia)", constraint_index([SHARED / "cmrc2018" / "docs"]), cmrc)
    fields = [
        json.loads(line)
        for line in (ROOT / "eval" / "fields" / "questions.jsonl").read_text("utf-8").splitlines()
    ]
    for q in fields:
        q["answers"] = [q["span"]] if q.get("span") else []
    measure("eval/fields (its corpus)", constraint_index([ROOT / "eval" / "fields" / "corpus"]), fields)
    return 0


if __name__ == "__main__":
    sys.exit(main())
