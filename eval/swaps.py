"""How often the swapped-pair typo fix (``LexicalIndex.transposition_fix``) takes a typo back,
and how often it changes a question typed correctly, per rarity of a character pair.

    HF_HUB_OFFLINE=1 .venv/bin/python eval/swaps.py                        # the committed index
    HF_HUB_OFFLINE=1 .venv/bin/python eval/swaps.py --folder DOCS         # BM25 of another folder

Questions: the evaluation set's and (when ``../shared/corpora`` is there) CMRC 2018's.
Each is asked as written (a change is a false correction) and with the middle pair of its
longest Chinese run swapped (taken back exactly, or not). ``--folder`` cuts and tokenises
the documents there (no embedding), e.g. the seeds with twenty government work reports.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from qa.index.bm25 import RARE_PAIR_SHARE, LexicalIndex
from qa.index.layout import make_tokenizer
from qa.index.load import load_index
from qa.retrieve.defaults import default_index_dir
from qa.retrieve.evaluate import default_questions_path, load_questions
from qa.text.tokens import CJK_RUN, LexicalSettings, quoted_terms

CORPORA = Path(os.environ.get("QA_CORPORA") or Path(__file__).resolve().parents[2] / "shared" / "corpora")


def swapped(question: str) -> str | None:
    """``question`` with the middle pair of its longest Chinese run swapped (None if that changes nothing)."""
    runs = list(CJK_RUN.finditer(question))
    if not runs:
        return None
    run = max(runs, key=lambda m: len(m.group()))
    k = run.start() + len(run.group()) // 2 - 1
    if len(run.group()) < 4 or question[k] == question[k + 1]:
        return None
    return question[:k] + question[k + 1] + question[k] + question[k + 2 :]


def lexical_of(folder: Path) -> LexicalIndex:
    from qa.ingest.documents import read_folder
    from qa.passages.cutting import ChunkSettings, make_passages

    report = read_folder(folder, {}, frozenset())
    texts = [p.index_text(ChunkSettings()) for d in report.documents for p in make_passages(d)]
    return LexicalIndex.build(texts, make_tokenizer(LexicalSettings(), quoted_terms(texts)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, help="documents to index with BM25 only (default: the index)")
    args = parser.parse_args()
    lexical = lexical_of(args.folder) if args.folder else load_index(default_index_dir()).lexical
    sets = {"evaluation set": [q.question for q in load_questions(default_questions_path())]}
    cmrc = CORPORA / "cmrc2018" / "questions.jsonl"
    if cmrc.is_file():
        lines = cmrc.read_text(encoding="utf-8").splitlines()
        sets["CMRC 2018"] = [json.loads(line)["question"] for line in lines]
    print(f"{lexical.size:,} passages")
    print(
        "| questions | pair unused if in ≤ share of passages | typed correctly: changed | swapped: taken back |"
    )
    print("|---|---:|---:|---:|")
    for name, questions in sets.items():
        typos = [(q, t) for q in questions if (t := swapped(q))]
        for share in (0.0, RARE_PAIR_SHARE, 0.002):
            changed = sum(lexical.transposition_fix(q, share) is not None for q in questions)
            back = sum(lexical.transposition_fix(t, share) == q for q, t in typos)
            mark = " (chosen)" if share == RARE_PAIR_SHARE else ""
            print(f"| {name} | {share:.3f}{mark} | {changed} of {len(questions)} | {back} of {len(typos)} |")


if __name__ == "__main__":
    main()
