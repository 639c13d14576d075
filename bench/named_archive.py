"""The evaluation set's 121 in-domain questions on a larger archive, with the constraints read
from the questions (years, sessions, speakers, 文号, articles, document types) and without them.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/named_archive.py --index DIR [--misses]

``DIR`` is an index of the seeds with distractors (for the seeds + 72 government work reports,
``bench/gate.py --seeds-gov-index DIR`` builds it). hit@1 counts the fused ranker's first passage
right when it contains the question's span, whichever document it comes from (as ``qa eval``
and ``bench/gate.py`` do); "applied" counts the questions whose search the constraints
restricted or reordered. Run it with another checkout's ``src`` on ``PYTHONPATH`` to compare
code versions on the same index.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import numpy as np

from qa.model.onnx_encoder import OnnxEmbedder
from qa.retrieve.evaluate import default_questions_path, load_questions
from qa.retrieve.retriever import Retriever
from qa.text.normalise import match_form


def squash(text: str) -> str:
    return re.sub(r"\s+", "", match_form(text))


def first_right(retriever: Retriever, question: str, span: str, constraints: bool) -> tuple[bool, bool, str]:
    """Whether the first passage holds ``span``, whether constraints were applied, and that passage."""
    ranking, applied = retriever.ranked(question, constraints=constraints)
    used = applied.rows is not None or bool(applied.nothing) or applied.constraints.newest_first
    if not len(ranking.ids):
        return False, used, applied.nothing or "(none)"
    first = retriever.passages[int(ranking.ids[int(np.argmax(ranking.fused))])]
    return squash(span) in squash(first.text), used, f"《{first.doc_title}》{first.text[:60]}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True, help="index of the seeds with distractors")
    parser.add_argument("--misses", action="store_true", help="list the wrong first passages")
    args = parser.parse_args(argv)
    retriever = Retriever(args.index, embedder=OnnxEmbedder.load_default())
    questions = [q for q in load_questions(default_questions_path()) if q.in_domain]
    right = {True: 0, False: 0}
    applied = 0
    misses: list[str] = []
    for q in questions:
        for constraints in (True, False):
            ok, used, first = first_right(retriever, q.question, q.span or "", constraints)
            right[constraints] += ok
            if constraints:
                applied += used
                if not ok:
                    misses.append(f"  {q.id} {q.question} -> {first}")
    n = len(questions)
    print(f"index {args.index}: {len(retriever.passages):,} passages; {n} in-domain questions")
    print(f"hit@1 with constraints    {right[True] / n:.3f}  ({right[True]} of {n}; {applied} constrained)")
    print(f"hit@1 without constraints {right[False] / n:.3f}  ({right[False]} of {n})")
    if args.misses:
        print("\n".join(misses))
    return 0


if __name__ == "__main__":
    sys.exit(main())
