"""How long the chat page takes to answer, once warm: in process and through the HTTP API.

    .venv/bin/python bench/chat_latency.py                      # ChatService.respond only
    .venv/bin/python bench/chat_latency.py --url http://127.0.0.1:7860   # also the /search endpoint

Questions are the evaluation set's (in-domain and out-of-domain), each asked once, so the
query-embedding cache does not flatter the numbers.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from qa.retrieve.defaults import default_retriever
from qa.retrieve.evaluate import default_questions_path, load_questions
from qa.ui import ChatService, Conversation, FeedbackLog


def percentiles(seconds: list[float]) -> str:
    ms = sorted(s * 1000 for s in seconds)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    return f"n={len(ms)}  p50 {statistics.median(ms):.0f} ms  p95 {p95:.0f} ms  max {ms[-1]:.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running app.py to call through gradio_client")
    parser.add_argument("-k", type=int, default=3)
    args = parser.parse_args()
    questions = [q.question for q in load_questions(default_questions_path())]

    started = time.perf_counter()
    service = ChatService(default_retriever(), FeedbackLog(Path(tempfile.mkdtemp()) / "feedback.jsonl"))
    service.warm_up()
    print(f"load + warm-up: {time.perf_counter() - started:.1f} s")

    timings = []
    for question in questions:
        t = time.perf_counter()
        service.respond(question, args.k, None, Conversation())
        timings.append(time.perf_counter() - t)
    print(f"ChatService.respond, k={args.k}: {percentiles(timings)}")

    if args.url:
        from gradio_client import Client

        client = Client(args.url, verbose=False)
        timings = []
        for question in questions:
            t = time.perf_counter()
            client.predict(question, args.k, None, None, api_name="/search")
            timings.append(time.perf_counter() - t)
        print(f"HTTP /search via gradio_client, k={args.k}: {percentiles(timings)}")


if __name__ == "__main__":
    main()
