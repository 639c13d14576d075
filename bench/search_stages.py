"""Where one ``search()`` spends its time, stage by stage: medians over bench/scale.py's questions.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/search_stages.py LOCATION [--stand-in] [--questions 140]
        [--slowest 10]

Times the retriever's calls into the index (the HNSW searches of passages and of sentences,
reading vectors, reading postings, BM25's top k by MaxScore), the question's encoding and
the transposition check; "the rest" is the search's time outside them (constraints, fusion,
the gate, building the hits). The encoding and the HNSW searches run on a worker thread
beside the postings read and BM25's top k, so "the rest" is understated by their overlap.
``--stand-in`` encodes the questions with the stand-in embedder, in the passages' own space
for an index bench/pg_scale.py built. The first 20 questions warm the caches and are not
counted. ``--slowest N`` also prints the N slowest questions, each with its stages (the p95's
questions: where the tail's time goes).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scale import questions, stand_in_embedder

WARM = 20


def main() -> None:
    import numpy as np

    from qa.index.maxscore import PrunedScores
    from qa.model.onnx_encoder import OnnxEmbedder
    from qa.retrieve.retriever import Retriever

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("location", help="an index folder or a postgresql:// URL")
    parser.add_argument("--stand-in", action="store_true", help="questions encoded by the stand-in embedder")
    parser.add_argument("--questions", type=int, default=140)
    parser.add_argument("--slowest", type=int, default=0, help="print the N slowest questions' stages")
    args = parser.parse_args()
    embedder = stand_in_embedder() if args.stand_in else OnnxEmbedder.load_default()
    retriever = Retriever(args.location, embedder=embedder)
    spent: dict[str, float] = defaultdict(float)

    def timed(call: Callable[..., Any], stage: str) -> Callable[..., Any]:
        def run(*given: Any, **named: Any) -> Any:
            started = time.perf_counter()
            try:
                return call(*given, **named)
            finally:
                spent[stage] += time.perf_counter() - started

        return run

    index = retriever.index
    # Attributes of the instances (of the class for BM25's top k): the search's own calls go through them.
    for owner, name, stage in (
        (index.vectors, "search", "HNSW passages (with their vectors)"),
        (index.sentences, "search", "HNSW sentences"),
        (index.lexical, "postings", "postings read"),
        (index.lexical, "transposition_fix", "transposition check"),
        (retriever.embedder, "encode_queries", "encoding"),
        (PrunedScores, "top", "BM25 top k"),
    ):
        setattr(owner, name, timed(getattr(owner, name), stage))
    asked = questions()
    for question in asked[:WARM]:
        retriever.search(question)
    stages: dict[str, list[float]] = defaultdict(list)
    totals = []
    each: list[tuple[float, str, dict[str, float]]] = []
    for question in asked[WARM : WARM + args.questions]:
        spent.clear()
        started = time.perf_counter()
        retriever.search(question)
        totals.append(time.perf_counter() - started)
        for stage, seconds in spent.items():
            stages[stage].append(seconds)
        stages["the rest"].append(totals[-1] - sum(spent.values()))
        each.append((totals[-1], question, {**spent, "the rest": stages["the rest"][-1]}))
    print(
        f"{args.location}: {len(totals)} questions ({'stand-in' if args.stand_in else 'e5'}), "
        f"search() p50 {np.median(totals) * 1000:.1f} ms, mean {np.mean(totals) * 1000:.1f} ms"
    )
    for stage, seconds in stages.items():
        padded = seconds + [0.0] * (len(totals) - len(seconds))  # a stage a search did not reach
        p50, p75 = np.median(padded) * 1000, np.percentile(padded, 75) * 1000
        print(f"  {stage:36s} p50 {p50:6.1f} ms   p75 {p75:6.1f} ms")
    for total, question, by_stage in sorted(each, reverse=True)[: args.slowest]:
        parts = ", ".join(f"{stage} {seconds * 1000:.0f}" for stage, seconds in by_stage.items())
        print(f"{total * 1000:7.0f} ms  {question}\n          {parts}")


if __name__ == "__main__":
    main()
