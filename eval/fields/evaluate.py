"""hit@1 on questions that name their document (a year, a session, a speaker, a 文号, an article),
with the constraints read from the question and without them (the baseline: today's retriever).

    HF_HUB_OFFLINE=1 .venv/bin/python eval/fields/evaluate.py [--misses]

Builds an index of ``eval/fields/corpus`` (``make_corpus.py``) in a temporary folder (kept in
``$QA_FIELDS_INDEX`` when set, and reused), asks ``questions.jsonl`` with "today" fixed at
2025-03-01 (去年 = 2024), and counts a question right when the first passage comes from its
document and holds its span; a question about a document the archive does not have is right
when the answer is empty and says "档案中没有…". Also prints how well the constraints are read:
precision and recall of each kind against the questions' labels (``asks``; ``types`` are the
document types a question names, "工作报告中…", "通知要求…").
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
TODAY = date(2025, 3, 1)
KINDS = ("years", "sessions", "speakers", "doc_numbers", "articles", "chapters", "types", "newest_first")


@dataclass(frozen=True)
class Result:
    right: bool
    first: str


def load(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def ask(retriever: Any, q: dict[str, Any], constraints: bool) -> Result:
    found = retriever.answer(q["question"], k=5, constraints=constraints, today=TODAY)
    if q["source"] is None:
        return Result(not found.hits and found.message.startswith("档案中没有"), found.message or "(hits)")
    if not found.hits:
        return Result(False, found.message)
    first = found.hits[0]
    right = first.source == q["source"] and q["span"] in first.text
    return Result(right, f"{first.source} {first.article} {first.text[:40]}")


def parsed(question: str, speakers: tuple[str, ...]) -> dict[str, Any]:
    """The constraints read from ``question`` in the labels' form."""
    from qa.retrieve.constraints import read_constraints

    c = read_constraints(question, speakers, TODAY)
    return {
        "years": list(c.years) if c.years else None,
        "sessions": list(c.sessions),
        "speakers": list(c.speakers),
        "doc_numbers": [str(n) for n in c.doc_numbers],
        "articles": list(c.articles),
        "chapters": list(c.chapters),
        "types": list(c.named_types),
        "newest_first": c.newest_first,
    }


def parsing_scores(
    questions: list[dict[str, Any]], speakers: tuple[str, ...]
) -> dict[str, tuple[int, int, int]]:
    """Per kind: (read and labelled the same, read, labelled)."""
    scores = {kind: [0, 0, 0] for kind in KINDS}
    for q in questions:
        got = parsed(q["question"], speakers)
        for kind in KINDS:
            want = q["asks"].get(kind) or None
            have = got[kind] or None
            scores[kind][0] += bool(want) and want == have
            scores[kind][1] += bool(have)
            scores[kind][2] += bool(want)
    return {kind: (a, b, c) for kind, (a, b, c) in scores.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="list the questions answered wrong")
    args = parser.parse_args()
    from qa.build.builder import build_index
    from qa.model.onnx_encoder import OnnxEmbedder
    from qa.retrieve.retriever import Retriever

    questions = load(HERE / "questions.jsonl")
    kept = os.environ.get("QA_FIELDS_INDEX")
    with tempfile.TemporaryDirectory(prefix="qa-fields-") as scratch:
        index = Path(kept or scratch) / "index"
        embedder = OnnxEmbedder.load_default()
        if not (index / "manifest.json").is_file():
            build_index(HERE / "corpus", index, embedder)
        retriever = Retriever(index, embedder=embedder)
        rows: dict[str, dict[str, list[bool]]] = {}
        misses: list[str] = []
        for q in questions:
            for label, constraints in (("constraints", True), ("baseline", False)):
                result = ask(retriever, q, constraints)
                per_kind = rows.setdefault(q["kind"], {"constraints": [], "baseline": []})
                per_kind[label].append(result.right)
                if label == "constraints" and not result.right:
                    misses.append(f"{q['id']} [{q['kind']}] {q['question']} -> {result.first}")
        speakers = retriever.fields.speakers
    print(
        f"== {len(questions)} questions naming their document (eval/fields/questions.jsonl), today = {TODAY}"
    )
    print(f"{'kind':<10} {'n':>3} {'hit@1':>7} {'baseline':>9}")
    total_c = [r for kind in rows.values() for r in kind["constraints"]]
    total_b = [r for kind in rows.values() for r in kind["baseline"]]
    for kind, result in rows.items():
        c, b = result["constraints"], result["baseline"]
        print(f"{kind:<10} {len(c):>3} {sum(c) / len(c):>7.3f} {sum(b) / len(b):>9.3f}")
    print(
        f"{'all':<10} {len(total_c):>3} {sum(total_c) / len(total_c):>7.3f} {sum(total_b) / len(total_b):>9.3f}"
    )
    print()
    print("== constraints read from these questions (exactly as labelled)")
    print(f"{'kind':<13} {'precision':>9} {'recall':>7}  (right / read / labelled)")
    for kind, (right, read, labelled) in parsing_scores(questions, speakers).items():
        precision = right / read if read else 1.0
        recall = right / labelled if labelled else 1.0
        print(f"{kind:<13} {precision:>9.3f} {recall:>7.3f}  ({right} / {read} / {labelled})")
    if args.misses:
        print()
        for line in misses:
            print("  miss:", line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
