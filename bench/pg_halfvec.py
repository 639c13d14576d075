"""A ``halfvec`` HNSW index beside the ``vector`` one of a built database: speed and recall@10.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/pg_halfvec.py postgresql://... [--build] [--drop]
        [--ef-search 800 400] [--questions 200]

``--build`` adds the index ``vectors_half`` over ``embedding::halfvec(DIM)`` to the serving
generation's vectors table (m 16, ef_construction 100, as the app's; 4 GB of
``maintenance_work_mem``) and reads it into the server's buffers; ``--drop`` removes it at the
end, leaving the database as ``qa build`` made it. For bench/scale.py's questions, encoded by
e5 and by the stand-in embedder, each ``ef_search``: the walk of each index (LIMIT 100, as the
app asks; its rows re-ranked by the float32 cosines, as the app does) against the exact top 10
over every vector of the table (read into this process: 2 GB at 1.34M).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scale import questions, stand_in_embedder

LIMIT = 100


def main() -> None:
    import numpy as np

    from qa.index.database.catalog import schema_name
    from qa.index.database.connection import connect
    from qa.index.database.reader import read_database_manifest
    from qa.model.onnx_encoder import OnnxEmbedder

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("url", help="a database built by `qa build --store URL`")
    parser.add_argument("--build", action="store_true", help="add the halfvec index first")
    parser.add_argument("--drop", action="store_true", help="remove the halfvec index at the end")
    parser.add_argument("--ef-search", type=int, nargs="+", default=[800, 400])
    parser.add_argument("--questions", type=int, default=200)
    args = parser.parse_args()

    generation, _ = read_database_manifest(args.url)
    schema = schema_name(generation)  # from the generation's number only
    connection = connect(args.url)
    with connection.cursor(binary=True) as cursor:
        cursor.execute(f"SELECT row, embedding FROM {schema}.vectors ORDER BY row")
        stored = cursor.fetchall()
    assert [row for row, _ in stored] == list(range(len(stored))), "rows are the vectors' positions"
    vectors = np.stack([embedding.to_numpy().astype(np.float32) for _, embedding in stored])
    del stored
    dim = vectors.shape[1]
    print(f"{len(vectors):,} vectors of {dim} dimensions read", flush=True)
    if args.build:
        connection.execute("SET maintenance_work_mem = '4GB'")
        started = time.perf_counter()
        connection.execute(
            f"CREATE INDEX IF NOT EXISTS vectors_half ON {schema}.vectors USING hnsw "
            f"((embedding::halfvec({dim})) halfvec_cosine_ops) WITH (m = 16, ef_construction = 100)"
        )
        print(f"halfvec index built in {time.perf_counter() - started:.1f} s", flush=True)
        connection.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
        connection.execute(f"SELECT pg_prewarm('{schema}.vectors_half'::regclass)")
    for size, name in connection.execute(
        "SELECT pg_size_pretty(pg_relation_size(indexrelid)), indexrelid::regclass::text "
        "FROM pg_index WHERE indrelid = %s::regclass",
        (f"{schema}.vectors",),
    ).fetchall():
        print(f"index {name}: {size}")

    asked = questions(args.questions)
    encoded = {
        "e5": OnnxEmbedder.load_default().encode_queries(asked),
        "stand-in": stand_in_embedder().encode_queries(asked),
    }
    walks = {
        "vector": f"SELECT row FROM {schema}.vectors ORDER BY embedding <=> %s LIMIT {LIMIT}",
        "halfvec": (
            f"SELECT row FROM {schema}.vectors ORDER BY embedding::halfvec({dim}) <=> "
            f"%s::vector::halfvec({dim}) LIMIT {LIMIT}"
        ),
    }
    for ef_search in args.ef_search:
        connection.execute("SELECT set_config('hnsw.ef_search', %s, false)", (str(ef_search),))
        for kind, queries in encoded.items():
            exact = [set(np.argpartition(-(vectors @ q), 10)[:10].tolist()) for q in queries]
            for index, walk in walks.items():
                times, recalls = [], []
                for q, best in zip(queries, exact, strict=True):
                    started = time.perf_counter()
                    rows = np.array([row for (row,) in connection.execute(walk, (q,)).fetchall()])
                    times.append(time.perf_counter() - started)
                    top = rows[np.argsort(-(vectors[rows] @ q), kind="stable")][:10]
                    recalls.append(len(best & set(top.tolist())) / 10)
                print(
                    f"ef_search {ef_search:4d}  {kind:8s} {index:8s} p50 {np.median(times) * 1000:6.1f} ms  "
                    f"p95 {np.percentile(times, 95) * 1000:6.1f} ms  recall@10 {np.mean(recalls):.3f}",
                    flush=True,
                )
    if args.drop:
        connection.execute(f"DROP INDEX IF EXISTS {schema}.vectors_half")


if __name__ == "__main__":
    main()
