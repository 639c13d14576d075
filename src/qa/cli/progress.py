"""``qa build``'s progress as plain lines, for output that is not a terminal (a log file, CI).

A terminal gets tqdm's bars; a file would get nothing readable from them (carriage returns),
so ``ProgressLines`` hears the build's ``Progress`` calls and writes a line when a stage
starts, at most every ``every`` seconds while texts are embedded, and when a stage ends:
what is done of what, the rate and the time left at that rate.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

_STAGES = {
    "reading": "reading and cleaning the documents",
    "passages": "embedding passages",
    "sentences": "embedding sentences",
    "tokenising": "tokenising passages for BM25",
    "writing": "writing the index",
}


def duration(seconds: float) -> str:
    """``seconds`` as people read it: 42 s, 6 min 5 s, 1 h 3 min."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"


class ProgressLines:
    """A build's ``Progress`` callback that writes timestamped lines to ``stream``."""

    def __init__(
        self, stream: TextIO, every: float = 10.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.stream = stream
        self.every = every
        self.clock = clock
        self.started = clock()
        self.stage = ""
        self.stage_started = self.started
        self.last_line = self.started
        self.last_done = -1

    def say(self, text: str) -> None:
        """Write one line, prefixed with the time since the build started."""
        self.stream.write(f"[{duration(self.clock() - self.started):>10}] {text}\n")
        self.stream.flush()

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = self.clock()
        if stage != self.stage:
            self.stage, self.stage_started, self.last_done = stage, now, -1
            counted = f": {total:,} to do" if total else ""
            self.say(f"{_STAGES.get(stage, stage)}{counted}")
            self.last_line = now
        if not total or done == self.last_done:
            return
        finished = done >= total
        if not finished and now - self.last_line < self.every:
            return
        self.last_line, self.last_done = now, done
        elapsed = now - self.stage_started
        rate = done / elapsed if elapsed > 0 else 0.0
        line = f"{stage}: {done:,}/{total:,} ({done / total:.0%})"
        if done and rate > 0:
            line += f", {rate:.1f}/s"
            line += (
                f", done in {duration(elapsed)}"
                if finished
                else f", about {duration((total - done) / rate)} left"
            )
        self.say(line)


def progress_lines(seeds: Path, stream: TextIO) -> ProgressLines:
    """A ``ProgressLines`` on ``stream`` that has said how many files ``seeds`` holds."""
    from qa.ingest.documents import find_documents

    lines = ProgressLines(stream)
    if seeds.is_dir():
        lines.say(f"{len(find_documents(seeds)):,} files in {seeds}")
    return lines
