"""Does "nothing relevant" mean the same on another collection? The gate on three of them.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/gate.py [--seeds-gov-index DIR] [--cmrc-index DIR] [--misses]

* **seeds**: the committed index and the evaluation set (121 in-domain, 35 out-of-domain);
* **seeds + gov-work-reports**: the seeds with the 72 government work reports added as
  distractors (built into ``--seeds-gov-index``, reused when it is there); the same
  questions. An in-domain question counts as answered right when the passage ranked first
  contains its span, whichever document it comes from (a report may say the same);
* **CMRC 2018**: 848 Wikipedia passages (``--cmrc-index``); in-domain are its 3,219 questions
  (right when the first passage contains an answer), out-of-domain are the evaluation set's
  35 out-of-domain questions and its 121 questions about the speeches.

For each: the background the build measured, hit@1 (first passage right; an empty answer is
a miss), the share of in-domain questions rejected (and of those whose first passage was
right: what the gate cost) and of out-of-domain ones rejected, for
the gate (``qa.retrieve.gate``) and, beside it, the old fixed thresholds (BM25 >= 5.1 or e5 >= 0.872).
``--misses`` lists, for the first two, the in-domain questions whose first passage lacks the
answer and the out-of-domain questions answered, with that passage: the README's judgements
of which of them a report answers anyway were made by reading this list.
The shared corpora are read in place (``../shared/corpora``); without them only the seeds run.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.build.builder import build_index
from qa.model.onnx_encoder import OnnxEmbedder
from qa.retrieve.defaults import default_index_dir, default_seeds_dir
from qa.retrieve.evaluate import default_questions_path, load_questions
from qa.retrieve.retriever import Retriever
from qa.text.normalise import match_form

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
OLD_MIN_BM25, OLD_MIN_DENSE = 5.1, 0.872


@dataclass(frozen=True)
class Asked:
    """One question: its answers (empty when out-of-domain) and what the retriever made of it."""

    question: str
    answers: tuple[str, ...]
    right_first: bool
    answered: bool
    answered_before: bool  # by the old fixed thresholds
    first: str = ""  # the first passage's document title and opening, for reading the misses


def ask(retriever: Retriever, question: str, answers: tuple[str, ...]) -> Asked:
    ranking = retriever.rank(question)
    if not len(ranking.ids):
        return Asked(question, answers, False, ranking.relevant, False)
    first = retriever.passages[int(ranking.ids[int(np.argmax(ranking.fused))])]
    key = match_form(first.text).replace(" ", "")
    right = any(match_form(a).replace(" ", "") in key for a in answers)
    before = float(ranking.lexical.max()) >= OLD_MIN_BM25 or float(ranking.dense.max()) >= OLD_MIN_DENSE
    opening = f"《{first.doc_title}》{first.text[:120]}"
    return Asked(question, answers, right, ranking.relevant, before, opening)


def misses(name: str, inside: list[Asked], outside: list[Asked]) -> str:
    """The questions to read by hand: in-domain ones not right at rank 1, out-of-domain ones answered."""
    lines = [f"## {name}: in-domain questions whose first passage lacks the answer"]
    lines += [
        f"- [{'answered' if r.answered else 'rejected'}] {r.question} (expected {r.answers[0]})"
        f"\n    {r.first}"
        for r in inside
        if not r.right_first
    ]
    lines.append(f"## {name}: out-of-domain questions answered")
    lines += [f"- {r.question}\n    {r.first}" for r in outside if r.answered]
    return "\n".join(lines)


def report(name: str, retriever: Retriever, inside: list[Asked], outside: list[Asked]) -> str:
    """One table row: the background, hit@1, and the rejection rates of the gate and of the old one."""

    def share(rows: list[Asked], predicate: Callable[[Asked], bool]) -> float:
        return sum(map(predicate, rows)) / max(len(rows), 1)

    bg = retriever.background
    cells = [
        name,
        f"{len(retriever.passages):,}",
        f"{bg.dense:.4f} / {bg.coverage:.3f}",
        f"{len(inside)} + {len(outside)}",
        f"{share(inside, lambda r: r.right_first and r.answered):.3f}",
        f"{share(inside, lambda r: r.right_first):.3f}",
        f"{share(inside, lambda r: not r.answered):.3f}",
        f"{share(inside, lambda r: r.right_first and not r.answered):.3f}",
        f"{share(outside, lambda r: not r.answered):.3f}",
        f"{share(inside, lambda r: not r.answered_before):.3f}",
        f"{share(outside, lambda r: not r.answered_before):.3f}",
    ]
    return "| " + " | ".join(cells) + " |"


def seeds_gov_index(folder: Path | None, embedder: OnnxEmbedder) -> Path:
    """The seeds and the government work reports in one index (built when ``folder`` has none)."""
    target = folder or Path(tempfile.mkdtemp(prefix="seeds-gov-")) / "index"
    if not (target / "manifest.json").is_file():
        documents = Path(tempfile.mkdtemp(prefix="seeds-gov-docs-"))
        shutil.copytree(default_seeds_dir(), documents, dirs_exist_ok=True)
        shutil.copytree(CORPORA / "gov-work-reports", documents / "gov")
        print(f"building seeds + reports into {target} (about 15 minutes on two cores) ...", flush=True)
        build_index(documents, target, embedder)
    return target


def cmrc_index(folder: Path | None, embedder: OnnxEmbedder) -> Path:
    """The CMRC 2018 passages in one index (built when ``folder`` has none)."""
    target = folder or Path(tempfile.mkdtemp(prefix="cmrc-")) / "index"
    if not (target / "manifest.json").is_file():
        print(f"building CMRC 2018 into {target} (about 10 minutes on two cores) ...", flush=True)
        build_index(CORPORA / "cmrc2018" / "docs", target, embedder)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--seeds-gov-index", type=Path, help="index of seeds + gov-work-reports (built if absent)"
    )
    parser.add_argument("--cmrc-index", type=Path, help="index of the CMRC 2018 passages (built if absent)")
    parser.add_argument(
        "--misses", action="store_true", help="also list the misses on the seeds and seeds + reports"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    embedder = OnnxEmbedder.load_default()
    questions = load_questions(default_questions_path())
    speech = [(q.question, (q.span or "",)) for q in questions if q.in_domain]
    ood = [(q.question, ()) for q in questions if not q.in_domain]
    collections: list[tuple[str, Path, list, list]] = [("seeds", default_index_dir(), speech, ood)]
    if CORPORA.is_dir():
        collections.append(
            ("seeds + gov-work-reports", seeds_gov_index(args.seeds_gov_index, embedder), speech, ood)
        )
        with (CORPORA / "cmrc2018" / "questions.jsonl").open(encoding="utf-8") as handle:
            cmrc = [(r["question"], tuple(r["all_answers"])) for r in map(json.loads, handle)]
        collections.append(("CMRC 2018", cmrc_index(args.cmrc_index, embedder), cmrc, ood + speech))
    else:
        print(f"{CORPORA} is not here: only the seeds are measured", file=sys.stderr)
    columns = ["collection", "passages", "background (dense / coverage)", "questions (in + out)", "hit@1"]
    columns += ["hit@1, gate off"]
    columns += [
        "in-domain rejected",
        "of them right at rank 1",
        "out-of-domain rejected",
        "old gate: in rejected",
        "old gate: out rejected",
    ]
    print("| " + " | ".join(columns) + " |")
    print("|---|---:|---|---|---:|---:|---:|---:|---:|---:|---:|")
    listed: list[str] = []
    for name, index, inside, outside in collections:
        retriever = Retriever(index, embedder=embedder)
        asked_in = [ask(retriever, q, answers) for q, answers in inside]
        asked_out = [ask(retriever, q, answers) for q, answers in outside]
        print(report(name, retriever, asked_in, asked_out), flush=True)
        if args.misses and name != "CMRC 2018":
            listed.append(misses(name, asked_in, asked_out))
    if listed:
        print("\n\n" + "\n\n".join(listed))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
