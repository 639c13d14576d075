"""Calibrate the "nothing relevant" gate's margins on the tuning half of the evaluation set.

Run: .venv/bin/python eval/calibrate.py [--index index] [--show]
For every question it reads the gate's two quantities above the collection's background
(``qa.retrieve.gate``: word coverage and the best e5 score), then picks, among the margins that meet
the targets on the tuning half (at least 90% of out-of-domain questions rejected, at most 3%
of in-domain ones), those that answer the most, and shows what they do on both halves. Check the result on other collections with
``bench/gate.py`` before changing ``GateSettings``.
"""

from __future__ import annotations

import argparse
import itertools
from dataclasses import replace
from pathlib import Path

from qa.retrieve.defaults import default_index_dir
from qa.retrieve.evaluate import default_questions_path, load_questions
from qa.retrieve.gate import GateSettings, is_relevant
from qa.retrieve.retriever import Retriever

DENSE_MARGINS = (0.01, 0.015, 0.02, 0.025, 0.03, 0.035, 0.04)
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
    # The targets: reject at least 90% of out-of-domain questions and at most 3% of in-domain
    # ones; among the margins that meet them on the tuning half, answer the most.
    meeting = [
        s for s in candidates if rejected("tune", s, False) >= 0.9 and rejected("tune", s, True) <= 0.03
    ]

    def order(s: GateSettings) -> tuple[float, float, float, float]:
        # ties (the same tuning questions pass) go to the widest margins, the farthest from letting more in
        return (rejected("tune", s, True), -rejected("tune", s, False), -s.dense_margin, -s.coverage_margin)

    best = min(meeting or candidates, key=order)
    print(
        f"margins meeting the targets on the tuning half: dense {best.dense_margin}, coverage {best.coverage_margin}"
    )
    for split in ("tune", "test"):
        print(
            f"{split}: OOD rejected {rejected(split, best, False):.3f}, "
            f"in-domain rejected {rejected(split, best, True):.3f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
