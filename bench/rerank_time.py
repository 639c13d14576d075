"""The reranking pass's time: an answer's p50 / p95 with it on, for each model and ``k``.

    HF_HUB_OFFLINE=1 nice -n 10 .venv/bin/python bench/rerank_time.py FILE [FILE ...] \
        [--k 5,10,20] [--questions 121]

Each ``FILE`` is a reranker (``train/reranker.py``; ``--steps 0`` writes an untrained one, as
fast as a trained one). For the seeds' committed index and the questions of
``eval/questions.jsonl``, it times ``Retriever.answer`` (what the page asks: constraints, both
searches, fusion, gate, the pass, the hits and their best sentences) without the pass and with
each file at each ``k``, every question asked once uncached (the question's vector is encoded
each time), and prints p50 / p95 of the wall time and of the process's CPU time (its
threads together: on a shared machine the wall time mostly measures the other jobs) in ms,
with the load average beside them. The issue's bound:
an answer in at most 0.3 s on two cores.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np

from qa.model.cross_encoder import OnnxCrossEncoder
from qa.model.embedder import QueryCache
from qa.model.onnx_encoder import OnnxEmbedder
from qa.retrieve.defaults import default_index_dir
from qa.retrieve.evaluate import default_questions_path, load_questions
from qa.retrieve.rerank import Reranker, RerankSettings
from qa.retrieve.retriever import Retriever


def times(retriever: Retriever, embedder: OnnxEmbedder, questions: list[str]) -> str:
    """Table cells: wall ms p50 / p95, CPU ms p50 / p95 (all threads of this process), load average."""
    embedder.queries = QueryCache()
    wall, cpu = [], []
    for question in questions:
        started, used = time.perf_counter(), time.process_time()
        retriever.answer(question)
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - used)
    w, c = np.array(wall) * 1000, np.array(cpu) * 1000
    cells = [np.percentile(w, 50), np.percentile(w, 95), np.percentile(c, 50), np.percentile(c, 95)]
    return " | ".join(f"{x:.0f}" for x in cells) + f" | {os.getloadavg()[0]:.1f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("files", type=Path, nargs="+")
    parser.add_argument("--k", default="5,10,20")
    parser.add_argument("--questions", type=int, default=121)
    parser.add_argument("--precision", default="fp32", help="fp32 or int8 (the reranker's)")
    args = parser.parse_args(argv)
    embedder = OnnxEmbedder.load_default()
    retriever = Retriever(default_index_dir(), embedder=embedder, reranker=None)
    retriever.reranker = None
    questions = [q.question for q in load_questions(default_questions_path())][: args.questions]
    times(retriever, embedder, questions[:5])  # warm: sessions, caches of passages
    print(f"{len(questions)} questions, seeds index; load average {os.getloadavg()[0]:.2f}")
    print(
        "| layers | k | answer ms p50 | p95 | CPU ms p50 | CPU ms p95 | load |\n"
        "|---:|---:|---:|---:|---:|---:|---:|"
    )
    print(f"| off | — | {times(retriever, embedder, questions)} |", flush=True)
    for path in args.files:
        model = OnnxCrossEncoder.load(path, precision=args.precision)
        model.scores("热身", ["热身"] * 3)
        for k in map(int, args.k.split(",")):
            retriever.reranker = Reranker(model.scores, RerankSettings(k))
            cells = times(retriever, embedder, questions)
            print(f"| {model.record['layers']} {args.precision} | {k} | {cells} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
