"""A running service follows rebuilds of its index, and no request ever mixes two indexes."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import pytest
from conftest import FakeEmbedder

from qa.build.builder import build_index
from qa.index.atomic import swap_into_place
from qa.index.layout import IndexLayout
from qa.index.load import load_index
from qa.retrieve.gate import GateSettings
from qa.retrieve.live import LiveRetriever
from qa.retrieve.retriever import Retriever
from qa.ui import ChatService, Conversation, FeedbackLog

NEW_SPEECH = (
    "在政协文史工作会议上的讲话\n要做好文史资料征集工作,抢救性收集亲历、亲见、亲闻的史料,讲好政协故事。\n"
)
# The fake embedder's cosines mean nothing; let the lexical side decide relevance.
LEXICAL_GATE = GateSettings(dense_margin=2.0)


@pytest.fixture
def index_dir(tmp_path: Path, tiny_seeds: Path) -> Path:
    folder = tmp_path / "index"
    build_index(tiny_seeds, folder, FakeEmbedder())
    return folder


def _add_speech_and_rebuild(seeds: Path, index_dir: Path) -> None:
    (seeds / "c.txt").write_text(NEW_SPEECH, encoding="utf-8")
    build_index(seeds, index_dir, FakeEmbedder())


def test_reload_switches_to_the_rebuilt_index(index_dir: Path, tiny_seeds: Path) -> None:
    live = LiveRetriever(Retriever(index_dir, embedder=FakeEmbedder(), gate=LEXICAL_GATE))
    before = live.current()
    assert before.search("文史资料征集", k=3) == []
    assert live.reload() is False, "nothing changed yet"
    _add_speech_and_rebuild(tiny_seeds, index_dir)
    assert live.reload() is True
    after = live.current()
    assert after is not before and after.embedder is before.embedder and after.gate is LEXICAL_GATE
    assert after.search("文史资料征集", k=3)[0].source == "c.txt"
    assert before.search("文史资料征集", k=3) == [], "the old retriever still answers from the old index"


def test_current_notices_a_rebuild_by_itself(index_dir: Path, tiny_seeds: Path) -> None:
    live = LiveRetriever(Retriever(index_dir, embedder=FakeEmbedder()), check_every=0.0)
    first = live.current()
    _add_speech_and_rebuild(tiny_seeds, index_dir)
    deadline = time.monotonic() + 20
    while live.current() is first and time.monotonic() < deadline:
        time.sleep(0.05)
    assert live.current() is not first
    assert "c.txt" in live.current().index.manifest["documents"]


def test_a_broken_new_index_is_not_used_and_the_old_one_keeps_serving(
    index_dir: Path, tiny_seeds: Path, tmp_path: Path
) -> None:
    live = LiveRetriever(Retriever(index_dir, embedder=FakeEmbedder()))
    old = live.current()
    broken = tmp_path / "broken"
    shutil.copytree(index_dir, broken)
    vectors = IndexLayout(broken).vectors
    vectors.write_bytes(vectors.read_bytes()[:40])
    (broken / "manifest.json").write_text((broken / "manifest.json").read_text(encoding="utf-8"))  # new stamp
    swap_into_place(broken, index_dir)
    assert live.reload() is False
    assert live.current() is old
    assert old.search("提高履职能力", k=1)


def test_service_lists_new_documents_after_a_rebuild(
    index_dir: Path, tiny_seeds: Path, tmp_path: Path
) -> None:
    live = LiveRetriever(Retriever(index_dir, embedder=FakeEmbedder(), gate=LEXICAL_GATE))
    service = ChatService(live, FeedbackLog(tmp_path / "feedback.jsonl"))
    assert [source for _, source in service.document_choices()] == ["a.txt", "b.txt"]
    _add_speech_and_rebuild(tiny_seeds, index_dir)
    live.reload()
    assert [source for _, source in service.document_choices()] == ["a.txt", "b.txt", "c.txt"]
    assert "在政协文史工作会议上的讲话" in service.documents_html()
    answer = service.api_search("文史资料征集", k=1)
    assert answer["passages"][0]["source"] == "c.txt"
    assert answer["build_id"] == live.current().index.build_id


def test_answers_during_rebuilds_each_come_from_one_whole_index(
    index_dir: Path, tiny_seeds: Path, tmp_path: Path
) -> None:
    live = LiveRetriever(Retriever(index_dir, embedder=FakeEmbedder(), gate=LEXICAL_GATE), check_every=0.0)
    service = ChatService(live, FeedbackLog(tmp_path / "feedback.jsonl"))
    passages_of: dict[str, set[str]] = {}
    passages_of[live.current().index.build_id] = {p.passage_id for p in live.current().passages}
    stop = threading.Event()
    problems: list[str] = []
    answers: list[tuple[str, tuple[str, ...]]] = []

    def ask() -> None:
        while not stop.is_set():
            try:
                conversation = service.respond("政协委员履职能力和文史资料", 5, None, Conversation())
            except Exception as exc:  # any error while the index is swapped is a failure
                problems.append(repr(exc))
                return
            turn = conversation.turns[1]
            answers.append((turn.build_id, turn.passage_ids))

    askers = [threading.Thread(target=ask) for _ in range(2)]
    for thread in askers:
        thread.start()
    speech = tiny_seeds / "c.txt"
    for round_ in range(6):
        if round_ % 2 == 0:
            speech.write_text(NEW_SPEECH, encoding="utf-8")
        else:
            speech.unlink()
        build_index(tiny_seeds, index_dir, FakeEmbedder())
        loaded = load_index(index_dir)
        passages_of[loaded.build_id] = {p.passage_id for p in loaded.passages}
        time.sleep(0.3)
    stop.set()
    for thread in askers:
        thread.join()
    assert not problems
    assert len({build for build, _ in answers}) >= 2, "the service switched index while answering"
    for build, ids in answers:
        assert build in passages_of
        assert set(ids) <= passages_of[build], "an answer mixed passages of two indexes"


def test_a_rebuild_between_loading_and_following_is_not_missed(index_dir: Path, tiny_seeds: Path) -> None:
    loaded_before = Retriever(index_dir, embedder=FakeEmbedder(), gate=LEXICAL_GATE)
    _add_speech_and_rebuild(tiny_seeds, index_dir)  # lands before the LiveRetriever looks
    live = LiveRetriever(loaded_before)
    assert live.reload() is True
    assert live.current().search("文史资料征集", k=3)[0].source == "c.txt"
