"""How long a fresh process takes to give its first answer, and the page to serve its first page.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/cold_start.py                 # both, 5 runs each
    HF_HUB_OFFLINE=1 .venv/bin/python bench/cold_start.py --runs 9 --what search

Whole-process runs, as a user starts them: ``python -m qa search QUESTION`` from start to
exit, and ``python app.py`` from start to the first ``GET /`` answered with 200. Each run
gets a different question (the evaluation set's), so no cache of a previous run's question
helps; the first run warms the operating system's file cache and is not counted. Printed:
the median and the spread of the wall time, the median CPU time (user + system, less
sensitive to other processes on a shared machine than wall time) and the peak resident
memory, with the machine's load average before and after, since other processes share the
cores. The naive baseline is ``python -c "import numpy"`` (what any numeric Python process
pays before doing anything).
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
QUESTIONS = (
    "政协委员怎样提高履职能力？",
    "如何加强政协党的建设？",
    "怎样提高协商议政质量？",
    "政协如何开展民主监督？",
    "如何做好全会筹备工作？",
    "专门委员会怎样发挥基础作用？",
    "怎样加强委员队伍建设？",
    "提案工作有哪些新要求？",
    "如何凝聚共识？",
    "怎样做好界别工作？",
    "政协怎样建言资政？",
)


@dataclass(frozen=True)
class Run:
    """One whole-process run: wall seconds, CPU seconds (user + system) and peak RSS in MB."""

    wall: float
    cpu: float
    peak_mb: float


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO / "src"), "HF_HUB_OFFLINE": "1"}


def run_command(argv: list[str]) -> Run:
    """Run ``argv`` to its end; its wall time, CPU time and peak memory (``wait4``'s rusage)."""
    started = time.perf_counter()
    child = subprocess.Popen(argv, cwd=REPO, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed: {child.stderr.read().decode() if child.stderr else ''}")
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_app(timeout: float = 120.0) -> Run:
    """Start ``app.py`` and time it until ``GET /`` answers 200; then stop it."""
    port = _free_port()
    argv = [sys.executable, "app.py", "--port", str(port)]
    started = time.perf_counter()
    child = subprocess.Popen(argv, cwd=REPO, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while time.perf_counter() - started < timeout:
            if child.poll() is not None:
                raise RuntimeError(f"app.py exited with {child.returncode}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as page:
                    if page.status == 200:
                        page.read()
                        wall = time.perf_counter() - started
                        return Run(wall, _cpu_seconds(child.pid), _peak_mb(child.pid))
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.05)
        raise RuntimeError(f"app.py served nothing in {timeout:.0f} s")
    finally:
        child.terminate()
        try:
            child.wait(10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def summary(name: str, runs: list[Run]) -> str:
    walls = sorted(r.wall for r in runs)
    return (
        f"{name}: median {statistics.median(walls):.2f} s (min {walls[0]:.2f}, max {walls[-1]:.2f}; "
        f"{len(runs)} runs), CPU {statistics.median(r.cpu for r in runs):.2f} s, "
        f"peak RSS {statistics.median(r.peak_mb for r in runs):.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="counted runs of each (default 5)")
    parser.add_argument("--what", choices=["all", "search", "app"], default="all")
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    python = sys.executable
    baseline = [run_command([python, "-c", "import numpy"]) for _ in range(args.runs + 1)][1:]
    print(summary("naive baseline: python -c 'import numpy'", baseline))
    if args.what in ("all", "search"):
        runs = [
            run_command([python, "-m", "qa", "search", QUESTIONS[i % len(QUESTIONS)], "-k", "3"])
            for i in range(args.runs + 1)
        ][1:]
        print(summary("qa search QUESTION -k 3 (first answer of a new process)", runs))
    if args.what in ("all", "app"):
        runs = [run_app() for _ in range(args.runs + 1)][1:]
        print(summary("python app.py until GET / answers 200", runs))
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
