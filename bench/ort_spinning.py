"""ONNX Runtime's thread spinning: what one question's encoding leaves running after it.

    .venv/bin/python bench/ort_spinning.py [--rounds 3]

ORT's intra-op worker threads spin on the CPU after a run by default, waiting for the next
one (``session.intra_op.allow_spinning``, onnxruntime's thread-management page). The
search that follows an encoding (BM25 in this process, the HNSW walk in the database's)
runs on the same cores. For the e5 session with spinning allowed (ORT's default) and not
(``qa.model.onnx_encoder.session_options``), alternating, ``--rounds`` times: the median
time to encode one question (the evaluation questions, the query cache bypassed), the
median CPU time this process uses in the 50 ms after it (sleeping), and passages per
second embedding the seeds' index's passages (the build's rate).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
AFTER = 0.05  # seconds


def measure(spinning: bool, questions: list[str], passages: list[str]) -> tuple[float, float, float]:
    from qa.model.onnx_encoder import OnnxEmbedder

    embedder = OnnxEmbedder.load_default(spinning=spinning)
    embedder.encode_queries(questions[:1])
    took, after = [], []
    for number, question in enumerate(questions):
        started = time.perf_counter()
        embedder.encode_queries([f"{question}{number}"])  # never the query cache's
        took.append(time.perf_counter() - started)
        cpu = time.process_time()
        time.sleep(AFTER)
        after.append(time.process_time() - cpu)
    started = time.perf_counter()
    embedder.encode_documents(passages)
    rate = len(passages) / (time.perf_counter() - started)
    return statistics.median(took) * 1000, statistics.median(after) * 1000, rate


def main() -> None:
    from qa.index.load import load_index
    from qa.retrieve.evaluate import default_questions_path, load_questions

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    questions = [q.question for q in load_questions(default_questions_path())][:60]
    passages = [p.text for p in load_index(REPO / "index").passages]
    print(f"{'spinning':<9} {'encode ms':>9} {'CPU ms in the 50 ms after':>26} {'passages/s':>11}")
    for _ in range(args.rounds):
        for spinning in (True, False):
            query_ms, cpu_ms, rate = measure(spinning, questions, passages)
            print(f"{'on' if spinning else 'off':<9} {query_ms:9.1f} {cpu_ms:26.1f} {rate:11.1f}", flush=True)


if __name__ == "__main__":
    main()
