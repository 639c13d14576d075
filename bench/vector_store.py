"""Exact vs HNSW search by collection size: where the threshold in ``qa.index.store`` comes from.

    .venv/bin/python bench/vector_store.py [--sizes 10000 50000 100000 200000]

Vectors are the synthetic corpus's passages through ``HashingEmbedder`` (see
bench/synthetic.py); queries are the evaluation questions. Prints, per size, the search
time per query of each kind, HNSW's build time, and per efSearch its time and its
recall@10 against exact search.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import PASSAGE_CHARS, HashingEmbedder, seed_sentences

from qa.index.store import HNSW_EF_SEARCH, FaissStore
from qa.retrieve.evaluate import default_questions_path, load_questions


def synthetic_passages(count: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    sentences = seed_sentences()
    out = []
    for _ in range(count):
        text = ""
        while len(text) < PASSAGE_CHARS - 60:
            text += rng.choice(sentences)
        out.append(text[:PASSAGE_CHARS])
    return out


def per_query_ms(store: FaissStore, queries: np.ndarray, k: int) -> float:
    times = []
    for q in queries:
        started = time.perf_counter()
        store.search(q[None, :], k)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000, 100_000, 200_000])
    parser.add_argument("-k", type=int, default=100, help="candidates per query, as the retriever asks")
    parser.add_argument("--ef-search", type=int, nargs="+", default=[HNSW_EF_SEARCH, 256, 512, 1024])
    args = parser.parse_args()
    embedder = HashingEmbedder()
    queries = embedder.encode_queries([q.question for q in load_questions(default_questions_path())])
    pool = embedder.encode_documents(synthetic_passages(max(args.sizes)))
    print(f"{'size':>8} {'flat ms':>8} {'hnsw build s':>13} {'efSearch':>9} {'hnsw ms':>8} {'recall@10':>10}")
    for size in args.sizes:
        vectors = pool[:size]
        flat = FaissStore.build(vectors, embedder.dim, "flat")
        started = time.perf_counter()
        hnsw = FaissStore.build(vectors, embedder.dim, "hnsw")
        build = time.perf_counter() - started
        _, exact = flat.search(queries, args.k)
        flat_ms = per_query_ms(flat, queries, args.k)
        for ef in args.ef_search:
            hnsw.index.hnsw.efSearch = ef
            _, approx = hnsw.search(queries, args.k)
            pairs = zip(approx, exact, strict=True)
            recall = np.mean([len(set(a[:10]) & set(e[:10])) / 10 for a, e in pairs])
            hnsw_ms = per_query_ms(hnsw, queries, args.k)
            row = f"{size:>8} {flat_ms:>8.2f} {build:>13.1f} {ef:>9} {hnsw_ms:>8.2f} {recall:>10.3f}"
            print(row, flush=True)


if __name__ == "__main__":
    main()
