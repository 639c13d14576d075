"""Every SQL statement one ``search()`` on a database runs, with its time and rows returned.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/pg_profile.py postgresql://... [--questions 30 --show 3]

Wraps ``Database.rows`` (through which every read of the index passes), asks the first
``--questions`` of bench/scale.py's 200 questions (after one to warm up) and prints, for the
first ``--show`` of them each distinct statement: how many times it ran, its total time and
the rows it returned, and the same for the ``--show`` slowest; then the medians over all
asked: search() time, statements, SQL time.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scale import questions


def main() -> None:
    import numpy as np

    from qa.index.database import connection
    from qa.model.onnx_encoder import OnnxEmbedder
    from qa.retrieve.retriever import Retriever

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("url", help="a database built by `qa build --store URL`")
    parser.add_argument("--questions", type=int, default=30)
    parser.add_argument("--show", type=int, default=3)
    args = parser.parse_args()
    ran: list[tuple[str, float, int]] = []
    rows = connection.Database.rows

    def timed(self: Any, query: Any, params: Any = None, binary: bool = False) -> list[Any]:
        started = time.perf_counter()
        found = rows(self, query, params, binary)
        text = query.as_string(None) if hasattr(query, "as_string") else str(query)
        ran.append((text[:100], time.perf_counter() - started, len(found)))
        return found

    connection.Database.rows = timed  # type: ignore[method-assign]
    retriever = Retriever(args.url, embedder=OnnxEmbedder.load_default())
    asked = questions()
    retriever.search(asked[0])
    totals, runs = [], []
    for question in asked[1 : args.questions + 1]:
        ran.clear()
        started = time.perf_counter()
        retriever.search(question)
        took = time.perf_counter() - started
        totals.append((took, len(ran), sum(seconds for _, seconds, _ in ran)))
        runs.append((took, question, list(ran)))
    shown = runs[: args.show] + sorted(runs, key=lambda run: -run[0])[: args.show]
    for took, question, statements in shown:  # the first few, then the slowest few
        print(f"{question}: search() {took * 1000:.0f} ms, {len(statements)} statements")
        per: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0])
        for text, seconds, count in statements:
            per[text][0] += 1
            per[text][1] += seconds
            per[text][2] += count
        for text, (times, seconds, count) in sorted(per.items(), key=lambda item: -item[1][1]):
            print(f"  {times:3.0f}x {seconds * 1000:7.1f} ms {count:8.0f} rows  {text}")
    median = np.median(np.array(totals), axis=0)
    print(
        f"median over {len(totals)} questions: search() {median[0] * 1000:.0f} ms, "
        f"{median[1]:.0f} statements, {median[2] * 1000:.0f} ms in SQL"
    )


if __name__ == "__main__":
    main()
