"""Removing documents safely and editing their metadata: the trash, ``qa restore``, the log, the
sidecar (``.qa-meta.json``) applied at the next build, and what a rebuild says left the index."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import gradio as gr
import pytest
from conftest import FakeEmbedder

from qa.build.builder import build_index
from qa.cli.main import main
from qa.errors import AdminError, MetadataError
from qa.index.layout import read_manifest
from qa.index.load import stale_reasons
from qa.ingest.sidecar import (
    SIDECAR,
    Override,
    apply_override,
    make_override,
    parse_date,
    read_override,
    read_overrides,
)
from qa.retrieve.gate import GateSettings
from qa.retrieve.retriever import Retriever
from qa.tools.documents import DocumentManager
from qa.tools.rebuild import indexed_documents, left_index, left_index_zh
from qa.tools.trash import LOG, TRASH, Trash, read_log
from qa.ui.admin import tab as tab_admin
from qa.ui.admin.access import AdminAccess

B_TITLE = "在市政协常委会议上的讲话"


@pytest.fixture
def manager(tmp_path: Path, tiny_seeds: Path) -> DocumentManager:
    index = tmp_path / "index"
    build_index(tiny_seeds, index, FakeEmbedder())
    return DocumentManager(tiny_seeds, index, embedder=FakeEmbedder())


def searcher(index: Path) -> Retriever:
    return Retriever(index, embedder=FakeEmbedder(), gate=GateSettings(dense_margin=2.0))


# -- the trash and the log ----------------------------------------------------------------


def test_a_removal_moves_the_file_to_the_trash_and_logs_what_when_and_who(manager: DocumentManager) -> None:
    data = (manager.seeds / "b.txt").read_bytes()
    entry = manager.remove("b.txt", who="alice", confirm=B_TITLE)
    assert not (manager.seeds / "b.txt").exists()
    assert (manager.seeds / TRASH / entry.name / "b.txt").read_bytes() == data, "moved, not deleted"
    assert (entry.source, entry.title, entry.by, entry.passages) == ("b.txt", B_TITLE, "alice", 1)
    assert manager.trash() == [entry]
    [logged] = read_log(manager.seeds)
    assert logged["action"] == "remove" and logged["source"] == "b.txt" and logged["who"] == "alice"
    assert logged["title"] == B_TITLE and logged["when"].endswith("+00:00") and logged["trash"] == entry.name
    assert "b.txt" not in {d.source for d in manager.documents() if d.state != "removed"}


def test_a_removal_needs_the_title_and_a_wrong_one_moves_nothing(manager: DocumentManager) -> None:
    before = sorted(p.name for p in manager.seeds.iterdir())
    for wrong in ("在县政协全体会议上的讲话", "b.txt", ""):
        with pytest.raises(AdminError, match=r"与标题《在市政协常委会议上的讲话》不符"):
            manager.remove("b.txt", confirm=wrong)
    assert sorted(p.name for p in manager.seeds.iterdir()) == before and not read_log(manager.seeds)
    manager.remove("b.txt", confirm=f" 《{B_TITLE}》 ")  # spaces and book-title marks do not matter
    assert not (manager.seeds / "b.txt").exists()


def test_a_document_without_a_title_is_confirmed_by_its_file_name(manager: DocumentManager) -> None:
    (manager.seeds / "新.txt").write_text("要做好文史资料征集工作。\n", encoding="utf-8")
    with pytest.raises(AdminError, match=r"文件名“新\.txt”"):
        manager.remove("新.txt", confirm="别的")
    manager.remove("新.txt", confirm="新.txt")


def test_restore_puts_the_file_back_with_its_metadata_and_logs_it(manager: DocumentManager) -> None:
    data = (manager.seeds / "b.txt").read_bytes()
    manager.edit("b.txt", make_override(title="常委会议讲话", speaker="李四"), who="alice")
    entry = manager.remove("b.txt", who="alice")
    assert read_override(manager.seeds, "b.txt") is None, "the override went to the trash with the file"
    restored = manager.restore("b.txt", who="bob")  # by the document's name: its newest removal
    assert restored == entry and (manager.seeds / "b.txt").read_bytes() == data
    assert read_override(manager.seeds, "b.txt") == Override(title="常委会议讲话", speaker="李四")
    assert manager.trash() == [] and not (manager.seeds / TRASH / entry.name).exists()
    assert [(e["action"], e["who"]) for e in read_log(manager.seeds)] == [
        ("meta", "alice"),
        ("remove", "alice"),
        ("restore", "bob"),
    ]


def test_restoring_over_a_file_that_came_back_overwrites_nothing(manager: DocumentManager) -> None:
    old = (manager.seeds / "b.txt").read_bytes()
    entry = manager.remove("b.txt")
    (manager.seeds / "b.txt").write_text("在新会议上的讲话\n新的正文。\n", encoding="utf-8")
    new = (manager.seeds / "b.txt").read_bytes()
    with pytest.raises(AdminError, match=r"已有“b.txt”，未恢复（不会覆盖）"):
        manager.restore(entry.name)
    assert (manager.seeds / "b.txt").read_bytes() == new, "the file that came back is untouched"
    assert manager.trash() == [entry], "the removed one is still in the trash"
    manager.restore(entry.name, as_source="b-旧.txt")
    assert (manager.seeds / "b-旧.txt").read_bytes() == old and (manager.seeds / "b.txt").read_bytes() == new


def test_the_same_name_removed_twice_keeps_both_and_restores_the_newest(manager: DocumentManager) -> None:
    first = manager.remove("b.txt")
    (manager.seeds / "b.txt").write_text("在第二次会议上的讲话\n第二份正文。\n", encoding="utf-8")
    second = manager.remove("b.txt")
    assert first.name != second.name and {e.name for e in manager.trash()} == {first.name, second.name}
    manager.restore("b.txt")
    assert "第二份正文" in (manager.seeds / "b.txt").read_text(encoding="utf-8")
    assert [e.name for e in manager.trash()] == [first.name]


@pytest.mark.parametrize("name", ["../outside.txt", "/etc/passwd", ".trash", ".qa-log.jsonl", "nothing.txt"])
def test_only_documents_of_the_folder_can_be_removed_or_restored(manager: DocumentManager, name: str) -> None:
    with pytest.raises(AdminError, match="没有"):
        manager.remove(name)
    with pytest.raises(AdminError, match="回收站中没有"):
        manager.restore(name)


def test_the_trash_survives_a_rebuild_and_the_index_no_longer_serves_the_removed_document(
    manager: DocumentManager,
) -> None:
    assert any(h.source == "b.txt" for h in searcher(manager.index_dir).search("提案办理协商", k=3))
    before = indexed_documents(manager.index_dir)
    entry = manager.remove("b.txt")
    manifest = build_index(manager.seeds, manager.index_dir, FakeEmbedder())
    assert "b.txt" not in manifest["documents"] and not any(".trash" in s for s in manifest["skipped"])
    assert all(h.source != "b.txt" for h in searcher(manager.index_dir).search("提案办理协商", k=3))
    assert (manager.seeds / TRASH / entry.name / "b.txt").is_file() and manager.trash() == [entry]
    left = left_index(before, manifest)
    assert [(d.source, d.title, d.passages) for d in left] == [("b.txt", B_TITLE, 1)]
    assert left_index_zh(left) == f"从索引中移除 1 篇文档、1 段：《{B_TITLE}》（b.txt，1 段）。"
    assert stale_reasons(manager.index_dir, manager.seeds) == []
    manager.restore(entry.name)
    assert stale_reasons(manager.index_dir, manager.seeds) == ["new document b.txt"]


def test_the_page_rebuild_reports_what_left_the_index(manager: DocumentManager) -> None:
    manager.remove("b.txt")
    manager.start_rebuild()
    status = manager.wait(60)
    assert status.state == "done", status.message
    assert f"从索引中移除 1 篇文档、1 段：《{B_TITLE}》（b.txt，1 段）" in status.message


def test_a_damaged_trash_entry_or_log_line_is_skipped_not_fatal(manager: DocumentManager) -> None:
    entry = manager.remove("b.txt")
    (manager.seeds / TRASH / "junk").mkdir()
    (manager.seeds / LOG).open("a", encoding="utf-8").write("not json\n")
    assert manager.trash() == [entry] and len(read_log(manager.seeds)) == 1


# -- the sidecar --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("2024-03-05", "2024-03-05"),
        ("2024-3-5", "2024-03-05"),
        ("2024年3月5日", "2024-03-05"),
        ("2024/3/5", "2024-03-05"),
        (" 2024.03.05 ", "2024-03-05"),
        ("2024年3月", "2024-03"),
        ("2024-03", "2024-03"),
        ("2024年", "2024"),
        ("2024", "2024"),
    ],
)
def test_dates_are_taken_as_written_and_stored_as_iso(given: str, stored: str) -> None:
    assert parse_date(given) == stored


@pytest.mark.parametrize(
    "bad", ["下周一", "2024-02-30", "2024-13-01", "24-3-5", "3月5日", "0999", "2024-03-05x"]
)
def test_a_date_that_is_not_a_date_is_refused_with_a_clear_message(bad: str) -> None:
    with pytest.raises(MetadataError, match=r"不是日期|不存在|不在"):
        parse_date(bad)


def test_the_sidecar_is_one_file_per_folder_keyed_by_name(manager: DocumentManager) -> None:
    (manager.seeds / "2024").mkdir()
    (manager.seeds / "2024" / "c.txt").write_text("在会议上的讲话\n要做好工作。\n", encoding="utf-8")
    manager.edit("b.txt", make_override(title="甲", date="2024年3月5日"))
    manager.edit("2024/c.txt", make_override(kind="讲话"))
    manager.edit("b.txt", make_override(speaker="张三"))  # merged into what is set
    assert json.loads((manager.seeds / SIDECAR).read_text(encoding="utf-8")) == {
        "b.txt": {"title": "甲", "date": "2024-03-05", "speaker": "张三"}
    }
    assert json.loads((manager.seeds / "2024" / SIDECAR).read_text(encoding="utf-8")) == {
        "c.txt": {"kind": "讲话"}
    }
    assert read_overrides(manager.seeds) == {
        "b.txt": Override("甲", "2024-03-05", "张三"),
        "2024/c.txt": Override(kind="讲话"),
    }
    manager.edit("b.txt", make_override(title="", date="", speaker=""))  # empty clears
    assert not (manager.seeds / SIDECAR).exists()
    with pytest.raises(AdminError, match="没有"):
        manager.edit("nothing.txt", make_override(title="x"))


def test_the_override_is_applied_at_the_next_build_over_what_ingestion_found(
    manager: DocumentManager,
) -> None:
    manager.edit("b.txt", make_override(title="常委会议讲话", date="2024-03-05", speaker="李四", kind="讲话"))
    assert [d.state for d in manager.documents() if d.source == "b.txt"] == ["edited"]
    assert stale_reasons(manager.index_dir, manager.seeds) == [
        "edited title, date, speaker or kind of b.txt (`qa meta`)"
    ]
    manifest = build_index(manager.seeds, manager.index_dir, FakeEmbedder())
    record = manifest["documents"]["b.txt"]
    assert (record["title"], record["date"]) == ("常委会议讲话", "2024-03-05")
    assert record["metadata"] == {"讲话人": "李四", "文种": "讲话"}
    found = record["found"]
    assert (found["title"], found["date"], found["metadata"]) == (B_TITLE, None, {})
    assert "speaker" not in found["fields"], "what ingestion found keeps no hand-set speaker"
    assert (record["fields"]["speaker"], record["fields"]["year"]) == ("李四", 2024)
    assert manifest["build"]["documents_read"] == 0, "an unchanged file is not read again for its override"
    hit = next(h for h in searcher(manager.index_dir).search("提案办理协商", k=3) if h.source == "b.txt")
    assert (hit.doc_title, hit.doc_date) == ("常委会议讲话", "2024-03-05"), "the passages carry it"
    assert stale_reasons(manager.index_dir, manager.seeds) == []
    assert [d.title for d in manager.documents() if d.source == "b.txt"] == ["常委会议讲话"]

    manager.edit("b.txt", make_override(title="", date="", speaker="", kind=""))  # back to what was found
    manifest = build_index(manager.seeds, manager.index_dir, FakeEmbedder())
    record = manifest["documents"]["b.txt"]
    assert (record["title"], record["date"], record["metadata"]) == (B_TITLE, None, {})
    assert "found" not in record and "overrides" not in record
    assert read_manifest(manager.index_dir)["documents"]["b.txt"]["title"] == B_TITLE


def test_a_hand_broken_sidecar_is_named(manager: DocumentManager) -> None:
    (manager.seeds / SIDECAR).write_text('{"b.txt": {"date": "昨天"}}', encoding="utf-8")
    with pytest.raises(MetadataError, match=r"“昨天”不是日期"):
        build_index(manager.seeds, manager.index_dir, FakeEmbedder())
    (manager.seeds / SIDECAR).write_text("{broken", encoding="utf-8")
    with pytest.raises(MetadataError, match=r"\.qa-meta\.json cannot be read as JSON.*fix or remove it"):
        read_overrides(manager.seeds)


def test_trash_entries_are_listed_newest_first(manager: DocumentManager) -> None:
    a = Trash(manager.seeds).put("a.txt", "x")
    b = Trash(manager.seeds).put("b.txt", "x")
    assert [e.name for e in manager.trash()] == sorted([a.name, b.name], reverse=True)


# -- the command line ---------------------------------------------------------------------


def test_qa_remove_restore_and_meta_from_the_command_line(
    manager: DocumentManager, capsys: pytest.CaptureFixture[str]
) -> None:
    seeds = ["--seeds", str(manager.seeds)]
    where = [*seeds, "--index", str(manager.index_dir)]
    assert main(["remove", "b.txt", *where]) == 2, "not at a terminal: nothing removed without --yes"
    assert "kept" in capsys.readouterr().err and (manager.seeds / "b.txt").exists()
    assert main(["remove", "b.txt", "--title", "别的讲话", *where]) == 2
    assert "不符" in capsys.readouterr().err and (manager.seeds / "b.txt").exists()
    assert main(["remove", "b.txt", "--title", B_TITLE, *where]) == 0
    out = capsys.readouterr().out
    assert f"Moved 《{B_TITLE}》" in out and "b.txt" in out and "qa restore" in out
    assert not (manager.seeds / "b.txt").exists()
    assert read_log(manager.seeds)[-1]["who"] not in ("", "page")

    assert main(["restore", *seeds]) == 0
    assert f"《{B_TITLE}》" in capsys.readouterr().out
    assert main(["restore", "b.txt", *seeds]) == 0
    assert (manager.seeds / "b.txt").exists() and "Restored" in capsys.readouterr().out
    assert main(["restore", "b.txt", *seeds]) == 2
    assert "回收站中没有" in capsys.readouterr().err

    assert main(["meta", "b.txt", "--title", "常委会议讲话", "--date", "2024年3月5日", *seeds]) == 0
    assert "applied at the next `qa build`" in capsys.readouterr().out
    assert main(["meta", "b.txt", "--date", "2024-02-30", *seeds]) == 2
    assert "这一天不存在" in capsys.readouterr().err
    assert read_override(manager.seeds, "b.txt") == Override("常委会议讲话", "2024-03-05"), "kept as it was"
    assert main(["inspect", str(manager.seeds / "b.txt")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("《常委会议讲话》 2024年3月5日")
    assert f"override by `qa meta` (.qa-meta.json): title 常委会议讲话 (found when reading: {B_TITLE})" in out
    assert main(["inspect", str(manager.seeds / "b.txt"), "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["title"] == "常委会议讲话" and record["found"]["title"] == B_TITLE
    assert record["overrides"] == {"title": "常委会议讲话", "date": "2024-03-05"}
    assert main(["meta", "b.txt", "--clear", *seeds]) == 0
    assert read_override(manager.seeds, "b.txt") is None


# -- the page's handlers (without a browser; tests/test_admin_browser.py drives the page) -------


def picked(name: str | None) -> gr.SelectData:
    """The event data of picking ``name`` in the document dropdown."""
    return gr.SelectData(None, {"index": 0, "value": name, "selected": True})


def _handlers(manager: DocumentManager) -> dict[str, Any]:
    with gr.Blocks() as demo, gr.Tabs(), gr.Tab("文档管理") as tab:
        tab_admin.build(demo, tab, manager, AdminAccess(local=True))
    return {f.name: f.fn for f in demo.fns.values()}


def test_the_page_confirms_by_title_moves_to_the_trash_restores_and_edits(manager: DocumentManager) -> None:
    on = _handlers(manager)
    me = gr.Request()
    choices = on["on_load"](me)[2].choices
    assert (f"《{B_TITLE}》 · 无日期 · b.txt", "b.txt") in [tuple(c) for c in choices]
    _, prompt, *_ = on["on_choose"]("", picked("b.txt"), me)
    prompt = html.unescape(prompt)
    assert f"《{B_TITLE}》（无日期，文件 b.txt，索引中 1 段）" in prompt and "输入它的标题" in prompt

    refused = on["on_remove"]("b.txt", "b.txt", me)[0]
    assert "不符" in refused and (manager.seeds / "b.txt").exists()
    done = html.unescape(on["on_remove"]("b.txt", B_TITLE, me)[0])
    assert f"已将《{B_TITLE}》（无日期，文件 b.txt，索引中 1 段）移入回收站" in done
    assert read_log(manager.seeds)[-1]["who"] == "page"
    [entry] = manager.trash()
    assert B_TITLE in on["on_load"](me)[4]  # the trash table
    assert "已恢复" in on["on_restore"](entry.name, me)[0] and (manager.seeds / "b.txt").exists()

    bad = on["on_save"]("b.txt", "新标题", "二月三十日", "", "", me)[0]
    assert "不是日期" in bad and read_override(manager.seeds, "b.txt") is None, "nothing stored"
    saved = on["on_save"]("b.txt", "新标题", "2024年3月5日", "张三", "", me)
    assert "已保存" in saved[0] and "已手工设定" in saved[-1] and "2024年3月5日" in saved[-1]
    assert read_override(manager.seeds, "b.txt") == Override("新标题", "2024-03-05", "张三")
    *fields, shown = on["on_choose"]("", picked("b.txt"), me)[3:]
    assert [f.value for f in fields] == ["新标题", "2024-03-05", "张三", ""] and shown == "b.txt"
    assert fields[0].placeholder == f"读取所得：{B_TITLE}" and fields[1].placeholder == "2024年3月5日"


def test_choosing_the_shown_document_again_keeps_what_was_typed(manager: DocumentManager) -> None:
    # Picking the shown document again must not overwrite the date or confirmation the
    # administrator typed after the first pick.
    on = _handlers(manager)
    me = gr.Request()
    first = on["on_choose"]("", picked("b.txt"), me)
    assert first[-1] == "b.txt" and first[3].placeholder == f"读取所得：{B_TITLE}"
    again = on["on_choose"]("b.txt", picked("b.txt"), me)
    assert all(B_TITLE in html.unescape(out) for out in again[:2]), "the report and prompt are shown"
    assert all(isinstance(out, type(gr.skip())) for out in again[2:]), again[2:]
    other = on["on_choose"]("b.txt", picked("a.txt"), me)
    assert other[-1] == "a.txt" and other[2] == "" and isinstance(other[3], gr.Textbox)
    assert on["on_choose"]("a.txt", picked(None), me)[-1] == "", "no choice: nothing shown"


def test_an_override_also_sets_the_fields_a_question_may_name_and_comes_off_cleanly() -> None:
    record = {
        "title": "甲",
        "date": None,
        "metadata": {"文号": "青卫发〔2020〕12号"},
        "fields": {"speaker": "", "doc_type": "通知", "year": 2020},
        "passages": 3,
    }
    applied = apply_override(record, Override(date="2024-03", speaker="张三", kind="讲话"))
    fields = {"speaker": "张三", "doc_type": "讲话", "year": 2024, "month": 3, "date": "2024-03"}
    assert applied["fields"] == fields
    assert applied["metadata"] == {"文号": "青卫发〔2020〕12号", "讲话人": "张三", "文种": "讲话"}
    assert (applied["title"], applied["date"], applied["passages"]) == ("甲", "2024-03", 3)
    assert apply_override(applied, None) == record, "without the override, the record as it was found"
    assert apply_override(record, None) == record
