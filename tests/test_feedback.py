"""Likes and dislikes appended to a JSON Lines file."""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path

import pytest

from qa.ui.chat.conversation import Turn
from qa.ui.chat.feedback import FeedbackLog, FeedbackRecord, default_feedback_path


def make_turn(question: str = "政协委员怎样提高履职能力?") -> Turn:
    return Turn(
        question=question,
        query=f"{question} 具体措施呢?",
        passage_ids=("讲话甲.txt#3.1", "讲话乙.txt#5.2"),
        k=3,
        sources=("讲话甲.txt", "讲话乙.txt"),
    )


def make_record(question: str = "政协委员怎样提高履职能力?", rating: str = "like") -> FeedbackRecord:
    return FeedbackRecord.of(make_turn(question), rating, "build-1")


def test_record_of_turn_copies_question_query_passages_k_and_sources() -> None:
    turn = make_turn()
    record = FeedbackRecord.of(turn, "like", "build-1")
    assert record.rating == "like" and record.build_id == "build-1"
    assert record.question == turn.question
    assert record.query == turn.query
    assert record.passage_ids == list(turn.passage_ids)
    assert record.k == turn.k
    assert record.sources == list(turn.sources)
    assert re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}", record.time)


def test_append_creates_missing_folders_and_writes_one_utf8_line(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "feedback" / "feedback.jsonl"
    record = make_record()
    FeedbackLog(path).append(record)
    raw = path.read_bytes().decode("utf-8")
    assert raw.endswith("\n") and raw.count("\n") == 1
    assert "政协委员怎样提高履职能力" in raw
    assert "\\u" not in raw
    assert json.loads(raw)["passage_ids"] == ["讲话甲.txt#3.1", "讲话乙.txt#5.2"]


def test_two_appends_read_back_as_the_records_written(tmp_path: Path) -> None:
    log = FeedbackLog(tmp_path / "feedback.jsonl")
    first = make_record("政协委员怎样提高履职能力?", "like")
    second = make_record("如何加强政协党的建设?", "dislike")
    log.append(first)
    log.append(second)
    assert log.read() == [first, second]
    assert len(log.path.read_text(encoding="utf-8").splitlines()) == 2


def test_read_of_missing_file_is_empty(tmp_path: Path) -> None:
    log = FeedbackLog(tmp_path / "absent" / "feedback.jsonl")
    assert log.read() == []
    assert not log.path.exists()


def test_read_skips_blank_lines(tmp_path: Path) -> None:
    log = FeedbackLog(tmp_path / "feedback.jsonl")
    record = make_record()
    log.append(record)
    with log.path.open("a", encoding="utf-8") as handle:
        handle.write("\n")
    assert log.read() == [record]


def test_concurrent_appends_write_intact_lines(tmp_path: Path) -> None:
    log = FeedbackLog(tmp_path / "out" / "feedback.jsonl")
    threads_count, per_thread = 8, 50
    start = threading.Barrier(threads_count)

    def worker(thread: int) -> None:
        start.wait()
        for i in range(per_thread):
            log.append(make_record(f"线程{thread}的第{i}个问题:" + "政协委员履职" * 20))

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    lines = log.path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == threads_count * per_thread
    questions = {json.loads(line)["question"].split(":")[0] for line in lines}
    assert questions == {f"线程{t}的第{i}个问题" for t in range(threads_count) for i in range(per_thread)}


def test_default_feedback_path_honours_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    target = tmp_path / "elsewhere" / "ratings.jsonl"
    monkeypatch.setenv("QA_FEEDBACK_FILE", str(target))
    assert default_feedback_path() == target


@pytest.mark.parametrize("value", [None, ""])
def test_default_feedback_path_falls_back_to_feedback_folder(
    monkeypatch: pytest.MonkeyPatch, value: str | None
) -> None:
    if value is None:
        monkeypatch.delenv("QA_FEEDBACK_FILE", raising=False)
    else:
        monkeypatch.setenv("QA_FEEDBACK_FILE", value)
    path = default_feedback_path()
    assert path.parts[-2:] == ("feedback", "feedback.jsonl")
