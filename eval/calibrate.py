"""Calibrate the "nothing relevant" gate on the tuning half of the evaluation set.

Run: .venv/bin/python eval/calibrate.py [--index index]
For every question it prints the best BM25 score and the best dense score among the
candidates, then the thresholds that reject every out-of-domain tuning question, and
what those thresholds do on both halves.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

from qa.evaluate import default_questions_path, load_questions
from qa.search import Retriever, default_index_dir


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--index", type=Path, default=default_index_dir())
    parser.add_argument("--show", action="store_true", help="print every question's features")
    args = parser.parse_args()
    retriever = Retriever(args.index)
    questions = load_questions(default_questions_path())
    features = []
    for q in questions:
        ranking = retriever.rank(q.question)
        features.append((q, float(ranking.lexical.max()), float(ranking.dense.max())))
        if args.show:
            print(
                f"{q.kind:10} {q.split:4} bm25={features[-1][1]:6.2f} dense={features[-1][2]:.3f} {q.question}"
            )

    tune_ood = [(lex, dense) for q, lex, dense in features if q.split == "tune" and not q.in_domain]
    min_lexical = round(max(lex for lex, _ in tune_ood) + 0.3, 1)
    min_dense = round(max(dense for _, dense in tune_ood) + 0.005, 3)
    print(
        f"thresholds that reject every tuning OOD question: min_lexical={min_lexical} min_dense={min_dense}"
    )
    retriever.fusion = replace(retriever.fusion, min_lexical=min_lexical, min_dense=min_dense)
    for split in ("tune", "test"):
        chosen = [(q, lex, dense) for q, lex, dense in features if q.split == split]
        answered = {q.id: retriever.is_relevant(lex, dense) for q, lex, dense in chosen}
        inside = [q for q, _, _ in chosen if q.in_domain]
        outside = [q for q, _, _ in chosen if not q.in_domain]
        ood_rejected = np.mean([not answered[q.id] for q in outside])
        id_rejected = np.mean([not answered[q.id] for q in inside])
        print(f"{split}: OOD rejected {ood_rejected:.3f}, in-domain rejected {id_rejected:.3f}")
        for q in inside:
            if not answered[q.id]:
                print(f"  wrongly rejected: {q.question}")
        for q in outside:
            if answered[q.id]:
                print(f"  wrongly answered: {q.question}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
