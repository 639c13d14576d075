"""Questions that name their document (a year, a session, an article) on a big index, first and later.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/constraint_time.py INDEX_FOLDER_OR_URL [--stand-in]

A question naming a year, a session or an article is answered from the passages that satisfy
it (``qa.retrieve.constraint_index``). What a retriever works out once for such questions
costs the first one; this prints, in a fresh retriever, the seconds of ``search()`` for each
question below in order, each asked twice (the second time shows what stays per question),
after one question without a constraint has warmed the model and the caches, and for a
question searched among its allowed passages, how many and the milliseconds of the dense
searches among them (passages and sentences; they run beside the BM25 side).
``--stand-in`` encodes the questions with the stand-in embedder (for an index
bench/pg_scale.py built).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scale import retriever_from_arguments

WARM = "政协委员怎样提高履职能力?"
ASKED = (
    "2025年政协党的建设工作会议的主要任务是什么?",
    "2019年的讲话怎样部署提案工作?",
    "2018年至2020年政协协商工作有哪些进展?",
    "去年政协工作的重点是什么?",
    "十四届二次会议对委员提出了什么要求?",
    "第十二条是怎么规定的?",
)


def main() -> None:
    location, retriever = retriever_from_arguments(__doc__)
    started = time.perf_counter()
    retriever.search(WARM)
    warm = time.perf_counter() - started
    print(f"{location}: {len(retriever.passages):,} passages; warm-up {warm:.2f} s")
    filtered = time_filtered_searches(retriever.index)
    for question in ASKED:
        seconds, dense = [], []
        for _ in range(2):
            filtered.clear()
            started = time.perf_counter()
            hits = retriever.search(question)
            seconds.append(time.perf_counter() - started)
            dense.append(filtered.get("ms", 0.0))
        first, again = seconds[0] * 1000, seconds[1] * 1000
        line = f"  {question[:30]:30s} first {first:9.0f} ms, again {again:7.0f} ms, {len(hits)} hits"
        if "allowed" in filtered:
            among = f"{filtered['allowed']:,.0f} allowed"
            line += f"; dense search among {among} {dense[0]:.0f} / {dense[1]:.0f} ms"
        print(line)


def time_filtered_searches(index: Any) -> dict[str, float]:
    """Wrap ``index``'s passage and sentence searches: those given allowed rows add their
    milliseconds to ``["ms"]`` of the returned dict, the passages' count to ``["allowed"]``."""
    spent: dict[str, float] = {}

    def timed(search: Callable[..., Any], passages: bool) -> Callable[..., Any]:
        def run(queries: Any, k: int, allowed: Any = None) -> Any:
            started = time.perf_counter()
            try:
                return search(queries, k, allowed)
            finally:
                if allowed is not None:
                    spent["ms"] = spent.get("ms", 0.0) + (time.perf_counter() - started) * 1000
                    if passages:
                        spent["allowed"] = len(allowed)

        return run

    index.vectors.search = timed(index.vectors.search, passages=True)
    index.sentences.search = timed(index.sentences.search, passages=False)
    return spent


if __name__ == "__main__":
    main()
