"""Many simulated users at once against a running chat page, through ``gradio_client``.

    .venv/bin/python app.py &                      # or `make run`
    .venv/bin/python bench/load_test.py --users 50 --questions 20

Each user is a thread with its own client that asks ``--questions`` questions of the
evaluation set one after another through the ``search`` endpoint. Loopback only; the run
stops after ``--max-seconds`` whatever happens. Prints throughput, latency percentiles,
every error by kind, and the CPU the load generator itself used: on a 2-core machine it
competes with the server. ``--client http`` uses Gradio's two-step REST API over one kept-alive
``httpx`` connection per user instead of ``gradio_client``, which costs far less CPU per call.
Both clients send the question and ``k`` by name and leave every other input of the endpoint
at the default the page declares (read from ``/gradio_api/info``), so a new input of ``search``
does not break the load test.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from urllib.parse import urlparse

import httpx

from qa.retrieve.evaluate import default_questions_path, load_questions

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
ENDPOINT = "search"
REQUIRED = object()  # an input the page declares without a default


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def search_inputs(http: httpx.Client) -> list[tuple[str, object]]:
    """The ``search`` endpoint's inputs in order, each its name and the default the page declares
    (``REQUIRED`` for one without), as Gradio describes them at ``/gradio_api/info``.

    Raises ``RuntimeError`` naming the URL when the page has no ``search`` endpoint."""
    info = http.get("/gradio_api/info")
    info.raise_for_status()
    endpoint = info.json().get("named_endpoints", {}).get(f"/{ENDPOINT}")
    if endpoint is None:
        raise RuntimeError(f"{http.base_url} has no /{ENDPOINT} endpoint (is it the chat page?)")
    return [
        (p["parameter_name"], p["parameter_default"] if p.get("parameter_has_default") else REQUIRED)
        for p in endpoint["parameters"]
    ]


def request_data(inputs: list[tuple[str, object]], given: dict[str, object]) -> list[object]:
    """The positional ``data`` of one call: ``given`` by name, every other input its default.

    Raises ``ValueError`` naming an input that is required and not given, or a given name the
    endpoint does not have."""
    unknown = set(given) - {name for name, _ in inputs}
    if unknown:
        raise ValueError(f"the /{ENDPOINT} endpoint has no input {sorted(unknown)}; it takes {inputs}")
    data = [given.get(name, default) for name, default in inputs]
    missing = [name for (name, _), value in zip(inputs, data, strict=True) if value is REQUIRED]
    if missing:
        raise ValueError(f"the /{ENDPOINT} endpoint requires {missing}, which the load test does not send")
    return data


def last_event(lines: Iterable[str]) -> tuple[str, str]:
    """The kind and data of the last event of a Gradio ``/call`` stream other than ``heartbeat``
    (sent while a call waits in the queue, every 15 s by default: ``GRADIO_HEARTBEAT_INTERVAL``);
    ``("?", "null")`` if there is none."""
    found, kind = ("?", "null"), "?"
    for line in lines:
        if line.startswith("event: "):
            kind = line[7:]
        elif line.startswith("data: ") and kind != "heartbeat":
            found = (kind, line[6:])
    return found


def connect(url: str, kind: str, session: str = "") -> Callable[[str, int], object]:
    """A function that asks one question through the ``search`` endpoint and returns its result.

    With ``session`` the REST calls carry it as Gradio's ``session_hash``, as a client that keeps
    its session does: Gradio then builds the page's session state once per user instead of once
    per call (about 0.15 ms of CPU for each of the page's components, ``bench/load_test.py``'s
    ``--session per-call`` row in docs/speed.md)."""
    if kind == "gradio":
        from gradio_client import Client

        client = Client(url, verbose=False)
        return lambda question, k: client.predict(question=question, k=k, api_name=f"/{ENDPOINT}")

    http = httpx.Client(base_url=url, timeout=60)
    inputs = search_inputs(http)

    def ask(question: str, k: int) -> object:
        data = request_data(inputs, {"question": question, "k": k})
        body: dict[str, object] = {"data": data, **({"session_hash": session} if session else {})}
        event = http.post(f"/gradio_api/call/{ENDPOINT}", json=body)
        event.raise_for_status()
        with http.stream("GET", f"/gradio_api/call/{ENDPOINT}/{event.json()['event_id']}") as stream:
            kind, data_line = last_event(stream.iter_lines())
        if kind != "complete":
            raise RuntimeError(f"{kind}: {data_line[:80]}")
        return json.loads(data_line)[0]

    return ask


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:7860")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--questions", type=int, default=20, help="questions per user")
    parser.add_argument("-k", type=int, default=3)
    parser.add_argument("--max-seconds", type=float, default=600)
    parser.add_argument(
        "--client", choices=["gradio", "http"], default="gradio", help="how users call the API"
    )
    parser.add_argument(
        "--session",
        choices=["per-user", "per-call"],
        default="per-user",
        help="http client: one Gradio session_hash per user (a client keeping its session), or none",
    )
    parser.add_argument(
        "--save", type=Path, help="also write every latency (ms) and error count to this JSON file"
    )
    args = parser.parse_args()
    if urlparse(args.url).hostname not in LOOPBACK:
        parser.error("the load test only runs against this machine (127.0.0.1 / localhost)")
    if not (1 <= args.users <= 200 and 1 <= args.questions <= 100):
        parser.error("keep it bounded: 1-200 users, 1-100 questions each")

    pool = [q.question for q in load_questions(default_questions_path())]
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    lock = threading.Lock()
    deadline = time.monotonic() + args.max_seconds
    start_together = threading.Barrier(args.users)

    def user(number: int) -> None:
        rng = random.Random(number)
        try:
            session = f"load-test-{number}" if args.session == "per-user" else ""
            ask = connect(args.url, args.client, session)
        except Exception as exc:  # counted, not raised: a user who cannot connect is an error
            with lock:
                errors[f"connect: {type(exc).__name__}: {str(exc)[:80]}"] += 1
            start_together.abort()
            return
        start_together.wait()
        for _ in range(args.questions):
            if time.monotonic() > deadline:
                with lock:
                    errors["not asked: time limit"] += 1
                continue
            question = rng.choice(pool)
            started = time.perf_counter()
            try:
                result = ask(question, args.k)
                assert isinstance(result, dict) and "passages" in result, f"unexpected answer {result!r:.80}"
            except Exception as exc:
                with lock:
                    errors[f"{type(exc).__name__}: {str(exc)[:80]}"] += 1
                continue
            with lock:
                latencies.append(time.perf_counter() - started)

    threads = [threading.Thread(target=user, args=(n,), daemon=True) for n in range(args.users)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()) + 5)
    elapsed = time.perf_counter() - began

    asked = args.users * args.questions
    print(
        f"{args.users} users x {args.questions} questions = {asked} requests to {args.url}, "
        f"k={args.k}, client {args.client}" + (f", session {args.session}" if args.client == "http" else "")
    )
    print(f"answered {len(latencies)}, errors {sum(errors.values())}, wall time {elapsed:.1f} s")
    if latencies:
        ms = [s * 1000 for s in latencies]
        print(f"throughput {len(latencies) / elapsed:.1f} answers/s")
        print(
            f"latency p50 {statistics.median(ms):.0f} ms, p95 {percentile(ms, 0.95):.0f} ms, "
            f"p99 {percentile(ms, 0.99):.0f} ms, max {max(ms):.0f} ms"
        )
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime
    print(f"load generator CPU {cpu:.1f} s ({cpu / max(len(latencies), 1) * 1000:.0f} ms per answer)")
    for kind, count in errors.most_common():
        print(f"  {count} x {kind}")
    if args.save:
        saved = {"latencies_ms": [s * 1000 for s in latencies], "errors": dict(errors), "wall_s": elapsed}
        args.save.write_text(json.dumps(saved, ensure_ascii=False), encoding="utf-8")
    return 0 if not errors else 1


if __name__ == "__main__":
    raise SystemExit(main())
