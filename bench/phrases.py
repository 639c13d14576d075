"""Quoted phrases on a built index: the bounded candidates beside every passage holding the phrase.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/phrases.py INDEX_FOLDER_OR_URL [--stand-in]

A quoted phrase is a requirement: only passages containing it are candidates. The retriever
takes the ``PHRASE_CANDIDATES`` of them BM25 ranks best (``Retriever._rows_with_phrases``);
before, it took every one. For each of bench/scale.py's questions with a quoted phrase, both
ways, on the same retriever (so both read the same caches): how many passages hold the phrase,
the seconds of ``search()`` each way, whether the top 5 hits are the same passages in the same
order, and how many of them both ways share. Each question is asked once, bounded, before it
is timed, so both ways find its vector and postings cached. ``--stand-in`` encodes the
questions with the stand-in embedder (for an index bench/pg_scale.py built: the passages'
own space, where the gate lets answers through).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scale import questions, stand_in_embedder

EVERY = 1 << 40  # a bound no index reaches: every passage holding the phrase is a candidate


def main() -> None:
    import numpy as np

    from qa.model.onnx_encoder import OnnxEmbedder
    from qa.retrieve import retriever as module
    from qa.retrieve.query import question_text
    from qa.text.tokens import quoted_phrases

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("location", help="an index folder or a postgresql:// URL")
    parser.add_argument("--stand-in", action="store_true", help="questions encoded by the stand-in embedder")
    args = parser.parse_args()
    embedder = stand_in_embedder() if args.stand_in else OnnxEmbedder.load_default()
    retriever = module.Retriever(args.location, embedder=embedder)
    asked = [q for q in questions() if quoted_phrases(question_text(q))]
    bound = module.PHRASE_CANDIDATES
    retriever.search(asked[0])  # the model and the caches warm
    checked = retriever._rows_with_phrases
    held: list[int] = []

    def counted(*given: Any) -> Any:  # the candidates: with every holder allowed, how many hold it
        rows = checked(*given)
        held.append(len(rows))
        return rows

    retriever._rows_with_phrases = counted  # type: ignore[method-assign]
    same, overlap, seconds = 0, 0, {bound: [], EVERY: []}
    print(f"{args.location}: {len(asked)} questions with a quoted phrase, PHRASE_CANDIDATES {bound}")
    for question in asked:
        found = {}
        retriever.search(question)  # bounded, not timed: both ways then find its vector and postings cached
        held.clear()
        for limit in (EVERY, bound):
            module.PHRASE_CANDIDATES = limit
            started = time.perf_counter()
            found[limit] = [hit.passage_id for hit in retriever.search(question)]
            seconds[limit].append(time.perf_counter() - started)
        module.PHRASE_CANDIDATES = bound
        holders = held[0] if held else 0  # none: a filter the question named left no passage
        agree = found[bound] == found[EVERY]
        same += agree
        shared = len(set(found[bound]) & set(found[EVERY]))
        overlap += shared
        print(
            f"  {question[:24]:24s} holders {holders:7d}  every {seconds[EVERY][-1] * 1000:8.0f} ms  "
            f"bounded {seconds[bound][-1] * 1000:6.0f} ms  "
            f"top 5 {'same' if agree else 'differ'}, {shared} shared"
        )
    for limit, name in ((EVERY, "every holder"), (bound, f"at most {bound}")):
        p50, p95 = np.median(seconds[limit]) * 1000, np.percentile(seconds[limit], 95) * 1000
        print(f"{name:14s} search() p50 {p50:8.1f} ms, p95 {p95:8.1f} ms")
    print(f"top 5 the same (passages, order) in {same} of {len(asked)} questions; {overlap} passages shared")


if __name__ == "__main__":
    main()
