"""Build and search at 1k, 10k and 100k passages: time, memory, disk and latency.

    .venv/bin/python bench/scale.py                          # 1k, 10k, 100k (about 25 min)
    .venv/bin/python bench/scale.py --sizes 1000 --real-build 1000

For each size a synthetic corpus is written (bench/synthetic.py: the seeds' sentences
shuffled into speeches of ~10 passages, in subfolders) and indexed twice: the hybrid
index (e5 + BM25) and a BM25-only baseline (bm25s, no vectors, no torch). Every step runs
in a fresh process, so its peak RSS and the cold start are its own. Printed per row:

* build: full build seconds and passages/s, and peak RSS of the build process;
* +1%: an incremental ``qa build`` after adding 1% new documents;
* disk: size of the index folder;
* cold start: process start -> first answer of ``qa.search`` (imports, model, index);
* warm p50/p95: ``search()`` over 200 distinct questions (the query cache never hits),
  and the share of that time spent encoding the question;
* serve RSS: peak RSS of the serving process.

Embedding 100k passages with e5-small on two cores takes hours, so the hybrid index is
built with e5 itself only for the sizes in ``--real-build``. Above them the vectors come
from ``HashingEmbedder`` under e5's name, and the serving process loads the real e5 for
its questions: search cost, memory and disk do not depend on the vectors' values, only
the answers' quality does (not measured here). Those rows are marked "stand-in"; their
build time is everything but the forward passes, and the projected e5 build time adds
the texts embedded divided by e5's rate, measured on the same synthetic text.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from synthetic import PARAGRAPHS_PER_DOCUMENT, HashingEmbedder, seed_sentences, write_corpus  # noqa: E402

QUESTIONS = 200


# --- measurements, each run in its own process ------------------------------------------------------


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def questions(count: int = QUESTIONS) -> list[str]:
    """The evaluation questions, topped up with sentence openings of the seeds: all distinct."""
    from qa.retrieve.evaluate import default_questions_path, load_questions

    asked = [q.question for q in load_questions(default_questions_path())]
    rng = random.Random(7)
    extra = [s[: rng.randint(10, 24)] for s in rng.sample(seed_sentences(), count)]
    return list(dict.fromkeys(asked + extra))[:count]


def stand_in_embedder() -> HashingEmbedder:
    """Hashing vectors under the real model's name and fingerprint (see the module docstring)."""
    from qa.model.default import ensure_default_model, model_fingerprint
    from qa.model.embedder import DEFAULT_MODEL_NAME

    embedder = HashingEmbedder()
    embedder.name = DEFAULT_MODEL_NAME
    embedder.fingerprint = model_fingerprint(ensure_default_model())
    return embedder


def retriever_from_arguments(description: str | None) -> tuple[str, Any]:
    """The index named on the command line (a folder or a postgresql:// URL) and a retriever over it,
    its questions encoded by e5 or, with ``--stand-in``, by the stand-in embedder (for an index
    bench/pg_scale.py built: the passages' own space)."""
    from qa.model.onnx_encoder import OnnxEmbedder
    from qa.retrieve.retriever import Retriever

    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("location", help="an index folder or a postgresql:// URL")
    parser.add_argument("--stand-in", action="store_true", help="questions encoded by the stand-in embedder")
    args = parser.parse_args()
    embedder = stand_in_embedder() if args.stand_in else OnnxEmbedder.load_default()
    return args.location, Retriever(args.location, embedder=embedder)


def run_build(seeds: str, index: str, real: bool, full: bool, hnsw_threshold: int | None) -> dict[str, Any]:
    from qa.build.builder import build_index
    from qa.build.settings import BuildSettings
    from qa.index.store import HNSW_THRESHOLD
    from qa.model.onnx_encoder import OnnxEmbedder

    embedder = OnnxEmbedder.load_default() if real else stand_in_embedder()
    settings = BuildSettings(hnsw_threshold=hnsw_threshold or HNSW_THRESHOLD)
    started = time.perf_counter()
    manifest = build_index(Path(seeds), Path(index), embedder, settings, full=full)
    return {
        "seconds": time.perf_counter() - started,
        "passages": manifest["passage_count"],
        "sentences": manifest["sentence_count"],
        "faiss": manifest["faiss"]["type"],
        "stats": manifest["build"],
        "rss_mb": peak_rss_mb(),
    }


def run_serve(index: str, seeds: str, spawned: float) -> dict[str, Any]:
    os.environ["QA_INDEX_DIR"], os.environ["QA_SEEDS_DIR"] = index, seeds
    from qa import search
    from qa.retrieve.defaults import default_retriever

    asked = questions()
    search(asked[0])
    cold = time.time() - spawned
    embedder = default_retriever().embedder
    encode_seconds: list[float] = []
    encode = embedder.encode_queries

    def timed_encode(texts: list[str]) -> Any:
        started = time.perf_counter()
        try:
            return encode(texts)
        finally:
            encode_seconds.append(time.perf_counter() - started)

    embedder.encode_queries = timed_encode  # type: ignore[method-assign]
    total = []
    for question in asked[1:]:
        started = time.perf_counter()
        search(question)
        total.append(time.perf_counter() - started)
    return {
        "cold_s": cold,
        **latency(total),
        "encode_share": sum(encode_seconds) / sum(total),
        "rss_mb": peak_rss_mb(),
    }


def run_bm25_build(seeds: str, index: str) -> dict[str, Any]:
    """The baseline: read, cut and tokenise as the hybrid build does, then bm25s only."""
    from qa.index.bm25 import LexicalIndex
    from qa.index.layout import make_tokenizer
    from qa.index.table import write_passages
    from qa.ingest import read_folder
    from qa.passages.cutting import ChunkSettings, make_passages
    from qa.text.tokens import LexicalSettings, default_user_dictionary, quoted_terms

    started = time.perf_counter()
    chunking = ChunkSettings()
    passages = [p for doc in read_folder(Path(seeds)).documents for p in make_passages(doc, chunking)]
    tokenizer = make_tokenizer(
        LexicalSettings(), quoted_terms(p.text for p in passages), default_user_dictionary()
    )
    lexical = LexicalIndex.build([p.index_text(chunking) for p in passages], tokenizer)
    folder = Path(index)
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "bm25").mkdir(parents=True)
    lexical.save(folder / "bm25")
    offsets = write_passages(folder / "passages.jsonl", passages)
    import numpy as np

    np.save(folder / "passage_offsets.npy", offsets)
    return {"seconds": time.perf_counter() - started, "passages": len(passages), "rss_mb": peak_rss_mb()}


def run_bm25_serve(index: str, spawned: float) -> dict[str, Any]:
    import numpy as np

    from qa.index.bm25 import LexicalIndex
    from qa.index.layout import make_tokenizer
    from qa.index.table import PassageTable
    from qa.text.tokens import LexicalSettings, default_user_dictionary

    folder = Path(index)
    lexical = LexicalIndex.load(
        folder / "bm25", make_tokenizer(LexicalSettings(), [], default_user_dictionary())
    )
    passages = PassageTable(folder / "passages.jsonl", np.load(folder / "passage_offsets.npy"), "")

    def search(question: str, k: int = 5) -> list[Any]:
        scores = lexical.scores(question)
        top = np.argpartition(-scores, min(k, len(scores) - 1))[:k]
        return [passages[int(i)] for i in top[np.argsort(-scores[top])] if scores[i] > 0]

    asked = questions()
    search(asked[0])
    cold = time.time() - spawned
    total = []
    for question in asked[1:]:
        started = time.perf_counter()
        search(question)
        total.append(time.perf_counter() - started)
    return {"cold_s": cold, **latency(total), "encode_share": 0.0, "rss_mb": peak_rss_mb()}


def run_e5_rate(seeds: str) -> dict[str, Any]:
    """e5 (ONNX Runtime, as ``qa build``) texts per second on 512 synthetic passages and their sentences."""
    from qa.build.builder import _sentences
    from qa.ingest import read_folder
    from qa.model.onnx_encoder import OnnxEmbedder
    from qa.passages.cutting import ChunkSettings, make_passages

    chunking = ChunkSettings()
    documents = read_folder(Path(seeds)).documents[:60]
    passages = [p for doc in documents for p in make_passages(doc, chunking)][:512]
    sentences = _sentences(passages)[0][:2048]
    embedder = OnnxEmbedder.load_default()
    rates = {}
    for name, texts in (("passages", [p.index_text(chunking) for p in passages]), ("sentences", sentences)):
        started = time.perf_counter()
        embedder.encode_documents(texts)
        rates[f"{name}_per_s"] = len(texts) / (time.perf_counter() - started)
    return rates


# ann-benchmarks' k-nn recall: a returned neighbour counts when its distance is within this of
# the exact k-th's (erikbern/ann-benchmarks, ann_benchmarks/plotting/metrics.py, knn_threshold).
ANN_BENCHMARKS_EPSILON = 1e-3


def recall_at_10(queries: Any, vectors: Any, found: Any) -> tuple[float, float]:
    """Recall@10 of a vector search against exact search: (by rows, by distance).

    ``queries`` (n, dim) and ``vectors`` (rows, dim) unit-length float32; ``found``: per query
    the rows the search returned, best first (negative rows are padding), of which the first
    10 count. By rows: the share of the exact top 10's rows found (exact ties broken at
    random count as misses). By distance: ann-benchmarks' k-nn recall, the share of the 10
    found whose cosine distance is at most the exact 10th's plus ``ANN_BENCHMARKS_EPSILON``.
    """
    import numpy as np

    by_rows, by_distance = [], []
    for q, rows in zip(queries, found, strict=True):
        scores = vectors @ q
        exact = np.argpartition(-scores, 10)[:10]
        rows = np.asarray(rows, dtype=np.int64)
        rows = rows[rows >= 0][:10]
        by_rows.append(len(set(exact.tolist()) & set(rows.tolist())) / 10)
        by_distance.append(int(np.sum(scores[rows] >= scores[exact].min() - ANN_BENCHMARKS_EPSILON)) / 10)
    return float(np.mean(by_rows)), float(np.mean(by_distance))


def latency(seconds: list[float]) -> dict[str, float]:
    ms = sorted(s * 1000 for s in seconds)
    return {"p50_ms": statistics.median(ms), "p95_ms": ms[round(0.95 * (len(ms) - 1))]}


WORKERS = {
    "build": run_build,
    "serve": run_serve,
    "bm25-build": run_bm25_build,
    "bm25-serve": run_bm25_serve,
    "e5-rate": run_e5_rate,
}


def in_fresh_process(step: str, script: str = __file__, **kwargs: Any) -> dict[str, Any]:
    """Run one worker of ``script`` (this one, or another bench script with ``--worker``) in a new
    interpreter; ``spawned`` lets it time its own cold start."""
    payload = json.dumps({"step": step, "kwargs": kwargs, "spawned": time.time()})
    done = subprocess.run(
        [sys.executable, script, "--worker", payload], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"{step} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- the benchmark -------------------------------------------------------------------------------------


def folder_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


def bench_size(passages: int, real: bool, hnsw_threshold: int | None, work: Path) -> list[dict[str, Any]]:
    documents = max(passages // PARAGRAPHS_PER_DOCUMENT, 1)
    seeds, index, baseline = work / "seeds", work / "index", work / "bm25-index"
    shutil.rmtree(work, ignore_errors=True)
    write_corpus(seeds, documents)
    full = in_fresh_process(
        "build", seeds=str(seeds), index=str(index), real=real, full=True, hnsw_threshold=hnsw_threshold
    )
    bm25_build = in_fresh_process("bm25-build", seeds=str(seeds), index=str(baseline))
    write_corpus(seeds, max(documents // 100, 1), start=documents)
    added = in_fresh_process(
        "build", seeds=str(seeds), index=str(index), real=real, full=False, hnsw_threshold=hnsw_threshold
    )
    hybrid = {
        "kind": f"hybrid ({'e5' if real else 'stand-in'}, {full['faiss']})",
        "passages": full["passages"],
        "sentences": full["sentences"],
        "build_s": full["seconds"],
        "build_rss_mb": full["rss_mb"],
        "add_s": added["seconds"],
        "added": added["stats"]["passages_embedded"],
        "disk_mb": folder_mb(index),
        **in_fresh_process("serve", index=str(index), seeds=str(seeds)),
    }
    bm25 = {
        "kind": "BM25 only (bm25s)",
        "passages": bm25_build["passages"],
        "build_s": bm25_build["seconds"],
        "build_rss_mb": bm25_build["rss_mb"],
        "add_s": None,
        "added": None,
        "disk_mb": folder_mb(baseline),
        **in_fresh_process("bm25-serve", index=str(baseline)),
    }
    return [hybrid, bm25]


def bench_seeds(work: Path) -> dict[str, Any]:
    """The five seed speeches, embedded by e5: the small-corpus row of the table."""
    from synthetic import REPO

    index = work / "index"
    full = in_fresh_process(
        "build", seeds=str(REPO / "seeds"), index=str(index), real=True, full=True, hnsw_threshold=None
    )
    return {
        "kind": f"seeds: hybrid (e5, {full['faiss']})",
        "passages": full["passages"],
        "build_s": full["seconds"],
        "build_rss_mb": full["rss_mb"],
        "add_s": None,
        "added": None,
        "disk_mb": folder_mb(index),
        **in_fresh_process("serve", index=str(index), seeds=str(REPO / "seeds")),
    }


def print_table(rows: list[dict[str, Any]], e5_rate: dict[str, float] | None) -> None:
    header = (
        f"| {'passages':>8} | {'index':<24} | {'build s':>8} | {'passages/s':>10} | {'+1% s':>6} | "
        f"{'disk MB':>7} | {'build RSS MB':>12} | {'cold s':>6} | {'p50 ms':>6} | {'p95 ms':>6} | "
        f"{'encode':>6} | {'serve RSS MB':>12} |"
    )
    print(header)
    print("|" + "|".join("-" * (len(cell) + 0) for cell in header.split("|")[1:-1]) + "|")
    for r in rows:
        add = "" if r["add_s"] is None else f"{r['add_s']:.1f}"
        print(
            f"| {r['passages']:>8} | {r['kind']:<24} | {r['build_s']:>8.1f} | "
            f"{r['passages'] / r['build_s']:>10.0f} | {add:>6} | {r['disk_mb']:>7.1f} | "
            f"{r['build_rss_mb']:>12.0f} | {r['cold_s']:>6.1f} | {r['p50_ms']:>6.1f} | {r['p95_ms']:>6.1f} | "
            f"{r['encode_share']:>6.0%} | {r['rss_mb']:>12.0f} |"
        )
    if e5_rate:
        print(
            f"\ne5 through ONNX Runtime, measured on synthetic text: {e5_rate['passages_per_s']:.1f} "
            f"passages/s, {e5_rate['sentences_per_s']:.1f} sentences/s."
        )
        for r in rows:
            if "stand-in" in r["kind"]:
                per_passage, per_sentence = 1 / e5_rate["passages_per_s"], 1 / e5_rate["sentences_per_s"]
                forward = r["passages"] * per_passage + r["sentences"] * per_sentence
                print(
                    f"  projected e5 build of {r['passages']} passages and {r['sentences']} sentences: "
                    f"{(r['build_s'] + forward) / 3600:.1f} h = stand-in build {r['build_s']:.0f} s "
                    f"+ forward passes {forward:.0f} s; the +1% build adds {r['added'] * per_passage:.0f} s"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument(
        "--real-build",
        type=int,
        nargs="*",
        default=[1_000],
        help="sizes whose hybrid index is embedded by e5 itself",
    )
    parser.add_argument("--hnsw-threshold", type=int, help="override qa.index.store.HNSW_THRESHOLD")
    parser.add_argument("--work", type=Path, help="scratch folder (default: a temporary one)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        job = json.loads(args.worker)
        kwargs = job["kwargs"] | ({"spawned": job["spawned"]} if job["step"].endswith("serve") else {})
        print(json.dumps(WORKERS[job["step"]](**kwargs)))
        return

    work = args.work or Path(tempfile.mkdtemp(prefix="qa-scale-"))
    rows = [bench_seeds(work / "seeds")]
    e5_rate = None
    for size in args.sizes:
        real = size in args.real_build
        size_rows = bench_size(size, real, args.hnsw_threshold, work / str(size))
        if e5_rate is None:
            e5_rate = in_fresh_process("e5-rate", seeds=str(work / str(size) / "seeds"))
        rows.extend(size_rows)
        print(f"done: {size} passages", file=sys.stderr, flush=True)
    print_table(rows, e5_rate)
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
