"""Another HNSW graph beside the serving one of a built database: speed and recall@10 of each.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/pg_graph.py postgresql://... [--build]
        [--m 16] [--ef-construction 100] [--halfvec] [--ef-search 800 400] [--questions 200]
        [--drop | --replace]

``--build`` adds a graph over the serving generation's vectors table: pgvector HNSW with the
given ``m`` and ``ef_construction``, over ``embedding`` (cosine) or, with ``--halfvec``, over
``embedding::halfvec(DIM)`` (16-bit floats in the graph, float32 in the table), and reads it
into the server's buffers. For bench/scale.py's questions, encoded by e5 and by the stand-in
embedder, each graph of the table and each ``ef_search``: the walk (LIMIT 100, as the app asks;
its rows re-ranked by the float32 cosines, as the app does) against the exact top 10 over every
vector of the table (read into this process: 2 GB at 1.34M), by rows and by distance
(bench/scale.py ``recall_at_10``). Each graph is measured inside a
transaction that drops the table's other graphs and is rolled back, so the planner can only
walk the one measured and the database keeps both.

At the end ``--drop`` removes the added graph (the database as ``qa build`` made it);
``--replace`` removes the serving graph instead, leaving the added one to serve.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scale import questions, recall_at_10, stand_in_embedder

LIMIT = 100
BUILD_MEMORY = "8GB"


def graph_name(m: int, ef_construction: int, halfvec: bool) -> str:
    return f"vectors_m{m}_efc{ef_construction}{'_half' if halfvec else ''}"


def main() -> None:
    import numpy as np
    from psycopg import sql as q

    from qa.index.database.catalog import schema_name
    from qa.index.database.connection import connect
    from qa.index.database.reader import read_database_manifest
    from qa.model.onnx_encoder import OnnxEmbedder

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("url", help="a database built by `qa build --store URL`")
    parser.add_argument("--build", action="store_true", help="add the graph first")
    parser.add_argument("--m", type=int, default=16)
    parser.add_argument("--ef-construction", type=int, default=100)
    parser.add_argument("--halfvec", action="store_true", help="the graph over halfvec casts")
    parser.add_argument("--ef-search", type=int, nargs="+", default=[800, 400])
    parser.add_argument("--questions", type=int, default=200)
    ends = parser.add_mutually_exclusive_group()
    ends.add_argument("--drop", action="store_true", help="remove the added graph at the end")
    ends.add_argument("--replace", action="store_true", help="remove the serving graph at the end")
    args = parser.parse_args()

    generation, _ = read_database_manifest(args.url)
    schema = schema_name(generation)  # from the generation's number only
    table = f"{schema}.vectors"
    connection = connect(args.url)
    with connection.cursor(binary=True) as cursor:
        cursor.execute(f"SELECT row, embedding FROM {table} ORDER BY row")
        stored = cursor.fetchall()
    assert [row for row, _ in stored] == list(range(len(stored))), "rows are the vectors' positions"
    vectors = np.stack([embedding.to_numpy().astype(np.float32) for _, embedding in stored])
    del stored
    dim = vectors.shape[1]
    print(f"{len(vectors):,} vectors of {dim} dimensions read", flush=True)

    def graphs() -> dict[str, bool]:
        """The table's HNSW indexes: name -> over halfvec casts."""
        return {
            name: "halfvec" in definition
            for name, definition in connection.execute(
                "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam "
                "WHERE i.indrelid = %s::regclass AND a.amname = 'hnsw'",
                (table,),
            ).fetchall()
        }

    serving = set(graphs())
    added = graph_name(args.m, args.ef_construction, args.halfvec)
    if args.build:
        over = (
            f"(embedding::halfvec({dim})) halfvec_cosine_ops"
            if args.halfvec
            else "embedding vector_cosine_ops"
        )
        connection.execute("SELECT set_config('maintenance_work_mem', %s, false)", (BUILD_MEMORY,))
        started = time.perf_counter()
        connection.execute(
            q.SQL(
                "CREATE INDEX IF NOT EXISTS {} ON {}.vectors USING hnsw ("
                + over
                + ") WITH (m = {}, ef_construction = {})"
            ).format(
                q.Identifier(added), q.Identifier(schema), q.Literal(args.m), q.Literal(args.ef_construction)
            )
        )
        print(f"{added} built in {time.perf_counter() - started:.1f} s", flush=True)
        connection.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
        connection.execute("SELECT pg_prewarm(%s::regclass)", (f"{schema}.{added}",))
    serving.discard(added)
    for name, definition in connection.execute(
        "SELECT c.relname, pg_size_pretty(pg_relation_size(i.indexrelid)) || ', ' "
        "|| pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "WHERE i.indrelid = %s::regclass",
        (table,),
    ).fetchall():
        print(f"index {name}: {definition}", flush=True)

    asked = questions(args.questions)
    encoded = {
        "e5": OnnxEmbedder.load_default().encode_queries(asked),
        "stand-in": stand_in_embedder().encode_queries(asked),
    }
    walks = {
        False: f"SELECT row FROM {table} ORDER BY embedding <=> %s LIMIT {LIMIT}",
        True: (
            f"SELECT row FROM {table} ORDER BY embedding::halfvec({dim}) <=> "
            f"%s::vector::halfvec({dim}) LIMIT {LIMIT}"
        ),
    }
    every = graphs()
    for ef_search in args.ef_search:
        for measured, halfvec in every.items():
            connection.execute("BEGIN")
            for other in every:
                if other != measured:
                    connection.execute(
                        q.SQL("DROP INDEX {}.{}").format(q.Identifier(schema), q.Identifier(other))
                    )
            connection.execute("SELECT set_config('hnsw.ef_search', %s, true)", (str(ef_search),))
            plan = "\n".join(
                row for (row,) in connection.execute("EXPLAIN " + walks[halfvec], (encoded["e5"][0],))
            )
            assert measured in plan, f"the walk does not use {measured}:\n{plan}"
            for kind, queries in encoded.items():
                times, found = [], []
                for v in queries:
                    started = time.perf_counter()
                    rows = np.array([row for (row,) in connection.execute(walks[halfvec], (v,)).fetchall()])
                    times.append(time.perf_counter() - started)
                    found.append(rows[np.argsort(-(vectors[rows] @ v), kind="stable")][:10])
                by_rows, by_distance = recall_at_10(queries, vectors, found)
                print(
                    f"ef_search {ef_search:4d}  {kind:8s} {measured:28s} "
                    f"p50 {np.median(times) * 1000:6.1f} ms  p95 {np.percentile(times, 95) * 1000:6.1f} ms  "
                    f"recall@10 {by_rows:.3f} by rows, {by_distance:.3f} by distance",
                    flush=True,
                )
            connection.execute("ROLLBACK")
    if args.drop:
        connection.execute(
            q.SQL("DROP INDEX IF EXISTS {}.{}").format(q.Identifier(schema), q.Identifier(added))
        )
    if args.replace:
        for name in serving:
            connection.execute(q.SQL("DROP INDEX {}.{}").format(q.Identifier(schema), q.Identifier(name)))
            print(f"dropped {name}; {added} serves", flush=True)


if __name__ == "__main__":
    main()
