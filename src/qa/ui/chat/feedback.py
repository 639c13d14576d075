"""Likes and dislikes from the chat page, appended to a JSON Lines file for later evaluation."""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from qa.ui.chat.conversation import Turn


def default_feedback_path() -> Path:
    """``QA_FEEDBACK_FILE``, else ``feedback/feedback.jsonl`` in the working directory."""
    return Path(os.environ.get("QA_FEEDBACK_FILE") or Path("feedback") / "feedback.jsonl")


@dataclass(frozen=True)
class FeedbackRecord:
    """One rating of one answer: enough to replay the question against a later index."""

    time: str
    rating: str
    question: str
    query: str
    passage_ids: list[str]
    k: int
    sources: list[str]
    build_id: str

    @classmethod
    def of(cls, turn: Turn, rating: str, build_id: str) -> FeedbackRecord:
        """The record for ``rating`` ("like", "dislike" or a free label) of ``turn``."""
        return cls(
            time=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            rating=rating,
            question=turn.question,
            query=turn.query,
            passage_ids=list(turn.passage_ids),
            k=turn.k,
            sources=list(turn.sources),
            build_id=build_id,
        )


class FeedbackLog:
    """Appends records to one JSON Lines file; safe to share between request threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def append(self, record: FeedbackRecord) -> None:
        """Write ``record`` as one line (the folder is created on first use)."""
        line = json.dumps(asdict(record), ensure_ascii=False) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(line)

    def read(self) -> list[FeedbackRecord]:
        """Every record written so far (empty when the file does not exist)."""
        if not self.path.is_file():
            return []
        with self.path.open(encoding="utf-8") as handle:
            return [FeedbackRecord(**json.loads(line)) for line in handle if line.strip()]
