"""BM25's top 100 by MaxScore beside the full array of every passage's score, on a built index.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/maxscore.py INDEX_FOLDER_OR_URL [...] [--questions 200]

For bench/scale.py's 200 questions (after one pass that fills the database's postings cache
as far as it goes), each asked both ways: the retriever's BM25 before MaxScore (every
passage's score added into one array, then ``top_rows``) and ``LexicalIndex.ranked(...).top``
(``qa.index.maxscore``). Prints the questions whose top 100 or scores differ (there should
be none), and p50/p95 of each way, reading the postings included.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scale import latency, questions


def main() -> None:
    import numpy as np

    from qa.index.maxscore import top_rows
    from qa.retrieve.retriever import Retriever

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("locations", nargs="+", help="index folders or postgresql:// URLs")
    parser.add_argument("--questions", type=int, default=200)
    args = parser.parse_args()
    asked = questions()[: args.questions]
    for location in args.locations:
        lexical = Retriever(location).index.lexical
        allowed = np.ones(lexical.size, dtype=bool)
        for question in asked:
            lexical.postings(lexical.tokenizer(question))
        whole, pruned, differ = [], [], 0
        for question in asked:
            started = time.perf_counter()
            full = np.where(allowed, lexical.scores(question), -1.0)
            expected = top_rows(full, 100)
            whole.append(time.perf_counter() - started)
            started = time.perf_counter()
            ranked = lexical.ranked(question, allowed)
            found = ranked.top(100)
            pruned.append(time.perf_counter() - started)
            if not np.array_equal(found, expected) or not np.array_equal(ranked.at(expected), full[expected]):
                differ += 1
                print(f"differs: {question}")
        every, top = latency(whole), latency(pruned)
        print(
            f"{location}: {lexical.size:,} passages, {len(asked)} questions, {differ} differ; "
            f"every passage p50 {every['p50_ms']:.1f} ms, p95 {every['p95_ms']:.1f} ms; "
            f"MaxScore p50 {top['p50_ms']:.1f} ms, p95 {top['p95_ms']:.1f} ms"
        )


if __name__ == "__main__":
    main()
