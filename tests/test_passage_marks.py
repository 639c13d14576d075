"""A passage's marks (原文疑似缺字, OCR) travel with its text into every view and export.

Seed 002 was published with 党, 政治, 习近平 … removed ("始终同以同志为核心的保持高度一致"): each
view that shows one of its passages must carry the warning (``qa.passages.reliability``), and a
clean seed's passage must not. The views run on the seeds indexed with the fake embedder
(instant); the command line on the committed index, as it is run.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pytest
from conftest import FakeEmbedder
from docx import Document

from qa.cli.main import main
from qa.passages.cutting import Passage
from qa.passages.damage import NOTICE
from qa.passages.reliability import CLEAN, OCR_NOTICE, Mark, assess, document_missing_words, of
from qa.retrieve.retriever import Retriever
from qa.tools.draft import check_draft
from qa.tools.trace import trace_index
from qa.ui import reader, render
from qa.ui.chat.conversation import Conversation
from qa.ui.chat.feedback import FeedbackLog
from qa.ui.chat.service import ChatService
from qa.ui.draft import tab as tab_draft
from qa.ui.sections import export_chat
from qa.ui.trace import view as trace_view

DAMAGED = "002_918bf7343061484a.txt"
GAPPED = "始终同以同志为核心的保持高度一致"  # 习近平 and 党中央 removed from seed 002
CLEAN_PHRASE = "本次常委会议在大家的共同努力下"  # seed 004, a clean speech
DRAFT = f"我们要{GAPPED}，坚决做到“两个维护”。"


@pytest.fixture
def service(fake_seeds_retriever: Retriever, tmp_path: Path) -> ChatService:
    return ChatService(fake_seeds_retriever, FeedbackLog(tmp_path / "feedback.jsonl"))


def docx_text(content: bytes) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs)


# -- the rule ---------------------------------------------------------------------------------


def test_the_rule_marks_gaps_document_deletions_and_ocr_and_nothing_else() -> None:
    gapped = assess(f"要{GAPPED}。")
    assert gapped.marks == (Mark.MISSING_WORDS,) and gapped.suspected_gaps
    assert gapped.notice().startswith(NOTICE) and "疑似缺字处" in gapped.notice()
    in_damaged_document = assess("效能是建设的重要内容。", document_missing=("党",))
    assert in_damaged_document.damaged and "本文多处疑似缺字" in in_damaged_document.notice()
    scanned = assess("政协委员要提高履职能力。", ocr=True)
    assert scanned.marks == (Mark.OCR,) and scanned.notice() == OCR_NOTICE and scanned.labels == ("扫描识别",)
    both = of(("与站在一起",), True, True)
    assert both.labels == ("原文疑似缺字", "扫描识别") and OCR_NOTICE in both.notice()
    assert assess("政协委员要提高履职能力。") == CLEAN and CLEAN.notice() == "" and not CLEAN
    assert json.loads(json.dumps(both.to_json()))["marks"] == ["missing_words", "ocr"]


def test_the_index_marks_every_passage_of_the_damaged_seed_and_none_of_a_clean_one(
    fake_seeds_retriever,
) -> None:
    index = fake_seeds_retriever.index
    assert all(index.reliability(r).damaged for r in index.rows_of_document(DAMAGED))
    clean = index.documents[4].source
    assert not any(index.reliability(r) for r in index.rows_of_document(clean))


def test_the_build_records_each_documents_missing_words_and_a_search_reads_no_document(
    fake_seeds_retriever, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = fake_seeds_retriever.index
    recorded = {source: info["missing_words"] for source, info in index.manifest["documents"].items()}
    assert recorded == {
        doc.source: list(document_missing_words(index.passages[r.start : r.stop]))
        for doc in index.documents
        for r in [index.rows_of_document(doc.source)]
    }
    assert recorded[DAMAGED][:1] == ["党"] and sum(map(bool, recorded.values())) == 1

    fresh = Retriever(index.root, embedder=fake_seeds_retriever.embedder)
    read: list[int] = []
    fetch = fresh.index.passages.fetch

    def counted(rows: Iterable[int]) -> list[Passage]:
        read.extend(rows := list(rows))
        return fetch(rows)

    monkeypatch.setattr(fresh.index.passages, "fetch", counted)
    fresh.index.read_documents_ahead(np.arange(len(fresh.index.passages)))
    assert read == []
    hit = fresh.search("“效能是的建设的重要内容”", k=1)[0]  # damaged by its document's deletions alone
    assert hit.damaged and hit.suspected_gaps == ()


def test_a_retitled_document_has_its_missing_words_found_again(tmp_path: Path) -> None:
    from qa.build.builder import build_index
    from qa.ingest.sidecar import make_override, set_override

    seeds, index_dir = tmp_path / "seeds", tmp_path / "index"
    seeds.mkdir()
    body = "要切实加强的建设，提高履职能力。\n委员要深入基层调查研究，多提管用的意见建议。\n"
    (seeds / "a.txt").write_text("在全市政协党的建设工作会议上的讲话\n" + body, encoding="utf-8")
    first = build_index(seeds, index_dir, FakeEmbedder())
    assert first["documents"]["a.txt"]["missing_words"] == ["党"]  # one gap, 党 in the title only
    set_override(seeds, "a.txt", make_override(title="在全市政协工作会议上的讲话"))
    again = build_index(seeds, index_dir, FakeEmbedder())
    assert again["build"]["documents_reused"] == 1
    assert again["documents"]["a.txt"]["missing_words"] == []


def test_documents_read_ahead_get_the_missing_words_each_would_get_alone(fake_seeds_retriever) -> None:
    from qa.index.load import load_index

    alone = fake_seeds_retriever.index
    ahead = load_index(alone.root)
    for info in ahead.manifest["documents"].values():  # as an index built before builds recorded them
        del info["missing_words"]
    firsts = np.array([ahead.rows_of_document(doc.source).start for doc in ahead.documents])
    ahead.read_documents_ahead(firsts[::-1])
    assert {doc.source: ahead._missing_words.get(doc.source) for doc in ahead.documents} == {
        doc.source: alone.missing_words(doc.source) for doc in alone.documents
    }
    assert ahead.missing_words(DAMAGED), "the damaged seed's deleted words are found"


# -- each view --------------------------------------------------------------------------------


def test_chat_card_and_glance_carry_the_mark(service: ChatService) -> None:
    updated = service.respond(f"“{GAPPED}”", 3, None, Conversation())
    html = updated.messages[-1]["content"]
    assert NOTICE in html and GAPPED in html
    clean = service.respond(f"“{CLEAN_PHRASE}”", 1, None, Conversation()).messages[-1]["content"]
    assert NOTICE not in clean


def test_reader_marks_the_passages_of_the_damaged_document(
    service: ChatService, fake_seeds_retriever
) -> None:
    hit = fake_seeds_retriever.search(f"“{GAPPED}”", k=1)[0]
    page = service.document_view(hit.passage_id)
    assert page.count(NOTICE) == len(fake_seeds_retriever.index.rows_of_document(DAMAGED))
    clean = fake_seeds_retriever.search(f"“{CLEAN_PHRASE}”", k=1)[0]
    assert NOTICE not in service.document_view(clean.passage_id)
    assert OCR_NOTICE in reader.document(
        [Passage(**_passage(ocr=True))], "x.txt#1", (), [assess("", ocr=True)]
    )


def test_trace_lists_exports_and_reader_carry_the_mark(fake_seeds_retriever) -> None:
    found = trace_index(fake_seeds_retriever.index, GAPPED)
    assert found.total >= 1 and all(o.reliability.damaged for o in found.occurrences)
    assert NOTICE in trace_view.result_html(found)
    markdown = trace_view.export_trace(found, fake_seeds_retriever, "md").content.decode("utf-8")
    assert NOTICE in markdown
    assert NOTICE in docx_text(trace_view.export_trace(found, fake_seeds_retriever, "docx").content)
    assert NOTICE in trace_view.document_view(
        fake_seeds_retriever.index, found.occurrences[0].passage_id, GAPPED
    )
    clean = trace_index(fake_seeds_retriever.index, CLEAN_PHRASE)
    assert clean.total and NOTICE not in trace_view.result_html(clean)
    assert NOTICE not in trace_view.export_trace(clean, fake_seeds_retriever, "md").content.decode("utf-8")


def test_draft_sources_and_their_export_carry_the_mark(fake_seeds_retriever, tmp_path: Path) -> None:
    check = check_draft(DRAFT, fake_seeds_retriever)
    best = check.sentences[0].matches[0]
    assert best.source == DAMAGED and best.reliability.damaged
    assert NOTICE in tab_draft.render_check(check, fake_seeds_retriever)
    markdown = tab_draft.export_file(check, fake_seeds_retriever, "md", folder=tmp_path).read_text(
        encoding="utf-8"
    )
    assert NOTICE in markdown
    docx = tab_draft.export_file(check, fake_seeds_retriever, "docx", folder=tmp_path).read_bytes()
    assert NOTICE in docx_text(docx)


def test_chat_export_carries_the_mark(service: ChatService) -> None:
    updated = service.respond(f"“{GAPPED}”", 1, None, Conversation())
    picked = json.dumps([[0, updated.turns[max(updated.turns)].passage_ids[0]]])
    for kind in ("md", "docx"):
        made = export_chat(updated, picked, "plain", kind, "build")  # type: ignore[arg-type]
        assert made is not None
        text = made.content.decode("utf-8") if kind == "md" else docx_text(made.content)
        assert NOTICE in text


def test_http_api_gives_each_passage_its_marks(service: ChatService) -> None:
    result = service.api_search(f"“{GAPPED}”", 2)
    passage = result["passages"][0]
    assert passage["damaged"] is True
    assert passage["reliability"]["marks"] == ["missing_words"]
    assert passage["reliability"]["notice"].startswith(NOTICE)
    clean = service.api_search(f"“{CLEAN_PHRASE}”", 1)["passages"][0]
    assert clean["reliability"] == {"marks": [], "labels": [], "suspected_gaps": [], "notice": ""}


def test_python_api_hit_has_its_reliability(fake_seeds_retriever) -> None:
    hit = fake_seeds_retriever.search(f"“{GAPPED}”", k=1)[0]
    assert hit.reliability.damaged and hit.reliability.labels == ("原文疑似缺字",)
    assert render.damage_text(hit) == hit.reliability.notice()


# -- the command line (committed index, the product's embedder) --------------------------------


def test_cli_search_trace_and_check_print_the_mark(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["search", f"“{GAPPED}”", "-k", "1"]) == 0
    assert f"! {NOTICE}" in capsys.readouterr().out
    assert main(["search", f"“{GAPPED}”", "-k", "1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["reliability"]["marks"] == ["missing_words"]
    assert main(["trace", GAPPED]) == 0
    assert f"! {NOTICE}" in capsys.readouterr().out
    assert main(["trace", GAPPED, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["occurrences"][0]["reliability"]["marks"] == ["missing_words"]
    draft = tmp_path / "稿件.txt"
    draft.write_text(DRAFT, encoding="utf-8")
    assert main(["check", str(draft)]) == 0
    assert f"! {NOTICE}" in capsys.readouterr().out
    assert main(["search", f"“{CLEAN_PHRASE}”", "-k", "1"]) == 0
    assert NOTICE not in capsys.readouterr().out


def _passage(ocr: bool) -> dict[str, object]:
    return dict(
        passage_id="x.txt#1",
        source="x.txt",
        doc_title="扫描件",
        doc_date=None,
        section=None,
        section_path=(),
        paragraph=1,
        paragraph_end=1,
        start=0,
        end=10,
        text="政协委员要提高履职能力。",
        ocr=ocr,
    )
