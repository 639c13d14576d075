"""Quoted phrases on a built index: the bounded candidates beside every passage holding the phrase.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/phrases.py INDEX_FOLDER_OR_URL [--stand-in]

A quoted phrase is a requirement: only passages containing it are candidates. When many hold
it, the retriever takes the ``PHRASE_CANDIDATES`` of them BM25 ranks best and those of the
dense search's passages that hold it (``qa.retrieve.phrases``). For each of bench/scale.py's
questions with a quoted phrase, three ways on the same retriever (so all read the same
caches): every holder a candidate (the reference), BM25's best only (the bound without the
dense search's holders), and the bound as the app has it. Printed: how many passages hold
the phrase, the seconds of ``search()`` each way, and for each bounded way whether its top 5
hits are the reference's passages in the same order and how many of them it shares. Each
question is asked once before it is timed, so every way finds its vector and postings
cached. ``--stand-in`` encodes the questions with the stand-in embedder (for an index
bench/pg_scale.py built: the passages' own space, where the gate lets answers through).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scale import questions, retriever_from_arguments

EVERY = 1 << 40  # a bound no index reaches: every passage holding the phrase is a candidate


def main() -> None:
    import numpy as np

    from qa.retrieve import phrases
    from qa.retrieve import retriever as module
    from qa.retrieve.query import question_text
    from qa.text.tokens import quoted_phrases

    location, retriever = retriever_from_arguments(__doc__)
    asked = [q for q in questions() if quoted_phrases(question_text(q))]
    bound = phrases.PHRASE_CANDIDATES
    retriever.search(asked[0])  # the model and the caches warm
    checked = phrases.phrase_holders
    held: list[int] = []

    def counted(*given: Any) -> Any:  # the candidates: with every holder allowed, how many hold it
        found = checked(*given)
        held.append(len(found.rows))
        return found

    module.phrase_holders = counted  # type: ignore[assignment]
    with_dense = module.with_dense_holders
    reference = "every holder"
    ways = {reference: (EVERY, with_dense), "BM25 only": (bound, bm25_only), "the app's": (bound, with_dense)}
    seconds: dict[str, list[float]] = {way: [] for way in ways}
    same, shared = dict.fromkeys(ways, 0), dict.fromkeys(ways, 0)
    print(f"{location}: {len(asked)} questions with a quoted phrase, PHRASE_CANDIDATES {bound}")
    for question in asked:
        retriever.search(question)  # not timed: every way then finds its vector and postings cached
        held.clear()
        found = {}
        for way, (limit, joining) in ways.items():
            phrases.PHRASE_CANDIDATES, module.with_dense_holders = limit, joining  # type: ignore[assignment]
            started = time.perf_counter()
            found[way] = [hit.passage_id for hit in retriever.search(question)]
            seconds[way].append(time.perf_counter() - started)
        phrases.PHRASE_CANDIDATES, module.with_dense_holders = bound, with_dense  # type: ignore[assignment]
        holders = held[0] if held else 0  # none: a filter the question named left no passage
        line = f"  {question[:24]:24s} holders {holders:7d}"
        for way in ways:
            agree, common = found[way] == found[reference], len(set(found[way]) & set(found[reference]))
            same[way] += agree
            shared[way] += common
            line += f"  {way} {seconds[way][-1] * 1000:6.0f} ms"
            line += f" ({'same' if agree else 'differ'}, {common})" if way != reference else ""
        print(line)
    for way in ways:
        p50, p95 = np.median(seconds[way]) * 1000, np.percentile(seconds[way], 95) * 1000
        agreement = (
            f"; top 5 as every holder's in {same[way]} of {len(asked)}, {shared[way]} passages shared"
            if way != reference
            else ""
        )
        print(f"{way:14s} search() p50 {p50:8.1f} ms, p95 {p95:8.1f} ms{agreement}")


def bm25_only(index: Any, holders: Any, phrases: Any, dense: Any) -> Any:
    """``with_dense_holders`` without the dense search's holders: BM25's best only."""
    return holders.rows


if __name__ == "__main__":
    main()
