"""Calibrate the "nothing relevant" gate's margins on the tuning half of the evaluation set.

Run: .venv/bin/python eval/calibrate.py [--index index] [--show]
For every question it reads the gate's two quantities above the collection's background
(``qa.gate``: word coverage and the best e5 score), then picks the smallest margins that
reject every out-of-domain tuning question while rejecting the fewest in-domain ones, and
shows what they do on both halves. Check the result on other collections with
``bench/gate.py`` before changing ``GateSettings``.
"""

from __future__ import annotations

import argparse
import itertools
from dataclasses import replace
from pathlib import Path

from qa.evaluate import default_questions_path, load_questions
from qa.gate import is_relevant
from qa.search import Retriever, default_index_dir

DENSE_MARGINS = (0.015, 0.02, 0.025, 0.03, 0.035, 0.04)
COVERAGE_MARGINS = (0.1, 0.15, 0.2, 0.3, 0.4)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--index", type=Path, default=default_index_dir())
    parser.add_argument("--show", action="store_true", help="print every question's quantities")
    args = parser.parse_args()
    retriever = Retriever(args.index)
    background = retriever.background
    print(f"background: dense {background.dense:.4f}, coverage {background.coverage:.3f}")
    features = []
    for q in load_questions(default_questions_path()):
        ranking = retriever.rank(q.question)
        dense = float(ranking.dense.max()) if len(ranking.ids) else 0.0
        features.append((q, ranking.coverage, dense))
        if args.show:
            print(f"{q.kind:10} {q.split:4} coverage={ranking.coverage:.3f} dense={dense:.4f} {q.question}")

    def rejected(split: str, settings, in_domain: bool) -> float:
        chosen = [(c, d) for q, c, d in features if q.split == split and q.in_domain == in_domain]
        return sum(not is_relevant(c, d, background, settings) for c, d in chosen) / max(len(chosen), 1)

    candidates = [
        replace(retriever.gate, dense_margin=d, coverage_margin=c)
        for d, c in itertools.product(DENSE_MARGINS, COVERAGE_MARGINS)
    ]
    safe = [s for s in candidates if rejected("tune", s, in_domain=False) == 1.0]
    best = min(
        safe or candidates, key=lambda s: (rejected("tune", s, True), s.dense_margin, s.coverage_margin)
    )
    print(
        f"margins that reject every tuning OOD question: dense {best.dense_margin}, coverage {best.coverage_margin}"
    )
    for split in ("tune", "test"):
        print(
            f"{split}: OOD rejected {rejected(split, best, False):.3f}, "
            f"in-domain rejected {rejected(split, best, True):.3f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
