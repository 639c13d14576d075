"""Managing the documents: ``DocumentManager`` (the 文档管理 tab), ``qa add`` and ``qa remove``."""

from __future__ import annotations

import threading
from pathlib import Path

import gradio as gr
import numpy as np
import pytest
from conftest import FakeEmbedder

from qa.build.builder import build_index
from qa.cli.main import main
from qa.errors import AdminError, BuildInProgressError, QAError
from qa.index.atomic import exclusive
from qa.index.layout import read_manifest
from qa.ingest import max_document_bytes, max_document_mb
from qa.retrieve.gate import GateSettings
from qa.retrieve.live import LiveRetriever
from qa.retrieve.retriever import Retriever
from qa.tools.documents import DocumentManager, clean_name
from qa.ui.admin import tab as tab_admin
from qa.ui.admin.access import AdminAccess

NEW_SPEECH = (
    "在政协文史工作会议上的讲话\n"
    "要做好文史资料征集工作,抢救性收集亲历、亲见、亲闻的史料,讲好政协故事。\n"
    "要加强口述史料整理,建立文史资料数据库。\n"
)
# The fake embedder's cosines mean nothing; let the lexical side decide relevance.
LEXICAL_GATE = GateSettings(dense_margin=2.0)


class GatedEmbedder(FakeEmbedder):
    """The fake embedder, which holds every document it embeds until ``release`` is set."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.release.set()
        self.entered = threading.Event()

    def encode_documents(self, texts: list[str], progress: bool | str = False) -> np.ndarray:
        self.entered.set()
        assert self.release.wait(60), "the test never released the build"
        return super().encode_documents(texts, progress)


@pytest.fixture
def embedder() -> GatedEmbedder:
    return GatedEmbedder()


@pytest.fixture
def manager(tmp_path: Path, tiny_seeds: Path, embedder: GatedEmbedder) -> DocumentManager:
    index = tmp_path / "index"
    build_index(tiny_seeds, index, embedder)
    live = LiveRetriever(Retriever(index, embedder=embedder, gate=LEXICAL_GATE))
    return DocumentManager(tiny_seeds, index, live, embedder)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` (hidden ones too) and its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def write(path: Path, text: str = NEW_SPEECH) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# -- names --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("讲话.txt", "讲话.txt"),
        ("../../etc/讲话.txt", "讲话.txt"),
        ("C:\\Users\\me\\文史 讲话.DOCX", "文史 讲话.docx"),
        ("a<b>:c|d?.md", "a_b__c_d_.md"),
        ("evil\u202etxt.pdf", "evil_txt.pdf"),  # a right-to-left override would disguise the type
        ("  多余   空格 .html", "多余 空格 .html"),
    ],
)
def test_names_lose_their_folders_and_odd_characters(given: str, stored: str) -> None:
    assert clean_name(given) == stored


@pytest.mark.parametrize(
    ("given", "why"),
    [
        (".hidden.txt", "隐藏文件"),
        ("../.bashrc.md", "隐藏文件"),
        ("..", "不可用"),
        ("", "不可用"),
        ("setup.exe", "类型不受支持"),
        ("讲话.wri", "类型不受支持"),
        ("没有扩展名", "类型不受支持"),
    ],
)
def test_hidden_files_and_other_types_are_refused_by_name(given: str, why: str) -> None:
    with pytest.raises(AdminError, match=why):
        clean_name(given)


def test_a_long_name_is_shortened_and_keeps_its_type() -> None:
    name = clean_name("讲" * 300 + ".txt")
    assert name.endswith(".txt") and name.startswith("讲讲") and len(name.encode()) <= 200


# -- uploads ------------------------------------------------------------------------------


def test_an_upload_is_written_only_inside_the_folder_under_its_clean_name(
    manager: DocumentManager, tmp_path: Path
) -> None:
    source = write(tmp_path / "incoming" / "文史.txt")
    before = snapshot(tmp_path)
    done = manager.upload("../../文史.txt", source)
    assert done.source == "文史.txt" and not done.replaced
    assert done.title == "在政协文史工作会议上的讲话" and done.paragraphs == 2
    added = {name: data for name, data in snapshot(tmp_path).items() if before.get(name) != data}
    assert added == {"tiny/文史.txt": source.read_bytes()}, "one new file, in the documents folder only"
    assert [d.state for d in manager.documents() if d.source == "文史.txt"] == ["new"]


def test_an_existing_document_is_replaced_only_when_asked(manager: DocumentManager, tmp_path: Path) -> None:
    original = (manager.seeds / "b.txt").read_bytes()
    source = write(tmp_path / "b.txt")
    with pytest.raises(AdminError, match=r"已有同名文件.*覆盖同名文件"):
        manager.upload("b.txt", source)
    assert (manager.seeds / "b.txt").read_bytes() == original
    done = manager.upload("b.txt", source, overwrite=True)
    assert done.replaced and (manager.seeds / "b.txt").read_bytes() == source.read_bytes()
    assert [d.state for d in manager.documents() if d.source == "b.txt"] == ["changed"]


def test_a_file_over_the_size_limit_is_refused_and_nothing_written(
    manager: DocumentManager, tmp_path: Path
) -> None:
    big = tmp_path / "big.txt"
    with big.open("wb") as out:  # sparse: the limit is checked from the size, before reading
        out.truncate(max_document_bytes() + 1)
    before = snapshot(manager.seeds)
    with pytest.raises(AdminError, match=f"超过 {max_document_mb()} MB 的上限"):
        manager.upload("big.txt", big)
    assert snapshot(manager.seeds) == before


UNREADABLE = [
    ("假的.pdf", b"this is not a pdf at all", "不是 PDF 文件"),
    ("坏的.docx", b"PK\x03\x04 broken zip archive", "文件已损坏或不完整"),
    ("旧版.docx", bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 512, "文件已损坏或不完整"),
    ("乱码.txt", bytes(range(128, 256)) * 8, "无法识别文本编码"),
    ("空的.md", b"", "文件为空"),
    ("只有杂项.txt", "© 版权所有 县政协\n京ICP备12345678号\n".encode(), "清理后没有剩下正文"),
]


@pytest.mark.parametrize(("name", "data", "why"), UNREADABLE)
def test_an_unreadable_file_is_refused_with_the_reason_and_nothing_written(
    manager: DocumentManager, tmp_path: Path, name: str, data: bytes, why: str
) -> None:
    source = tmp_path / "upload"
    source.write_bytes(data)
    before = snapshot(manager.seeds)
    with pytest.raises(AdminError, match="未保存") as refused:
        manager.upload(name, source)
    assert why in str(refused.value)
    assert snapshot(manager.seeds) == before, "no file, not even a hidden one, was left in the folder"


def test_the_same_content_under_another_name_is_refused(manager: DocumentManager, tmp_path: Path) -> None:
    copy = tmp_path / "copy.txt"
    copy.write_bytes((manager.seeds / "a.txt").read_bytes())
    with pytest.raises(AdminError, match=r"与文档目录中的“a\.txt”内容完全相同"):
        manager.upload("copy.txt", copy)
    assert not (manager.seeds / "copy.txt").exists()


# -- removals and reports -----------------------------------------------------------------


def test_remove_deletes_a_listed_document_and_nothing_else(manager: DocumentManager, tmp_path: Path) -> None:
    outside = write(tmp_path / "outside.txt")
    manager.remove("b.txt")
    assert not (manager.seeds / "b.txt").exists()
    assert [d.state for d in manager.documents() if d.source == "b.txt"] == ["removed"], "until the rebuild"
    for name in ("../outside.txt", str(outside), "../index/manifest.json", "b.txt", "nothing.txt"):
        with pytest.raises(AdminError, match="没有"):
            manager.remove(name)
    assert outside.exists() and (manager.index_dir / "manifest.json").exists()


def test_a_document_in_a_subfolder_can_be_removed(manager: DocumentManager) -> None:
    write(manager.seeds / "2024" / "文史.txt")
    manager.remove("2024/文史.txt")
    assert not (manager.seeds / "2024" / "文史.txt").exists()


def test_the_report_says_what_cleaning_kept_and_removed(manager: DocumentManager) -> None:
    report = manager.report("a.txt")
    recorded = read_manifest(manager.index_dir)["documents"]["a.txt"]
    assert report.state == "indexed" and report.title == recorded["title"]
    assert report.summary == recorded["cleaning"] and report.passages == recorded["passages"]
    removed = dict((text, rule) for rule, text in report.removals)
    assert removed["© 版权所有 县政协"] == "site-furniture"
    assert any("政协要闻" in text for text in removed), "the menu line is among the removed lines"
    assert sum(len("".join(t.split())) for t in removed) == sum(report.summary["removed"].values())
    assert any("提高政治把握能力" in p for p in report.kept)
    assert not any("版权所有" in p for p in report.kept)


def test_a_new_document_has_a_report_before_the_rebuild(manager: DocumentManager, tmp_path: Path) -> None:
    manager.upload("文史.txt", write(tmp_path / "文史.txt"))
    report = manager.report("文史.txt")
    assert report.state == "new" and report.passages == 0
    assert report.summary["chars_read"] > 0 and report.summary["paragraphs"] == 2
    with pytest.raises(AdminError, match="没有名为"):
        manager.report("../a.txt")


# -- rebuilds -----------------------------------------------------------------------------


def test_build_index_reports_its_stages_and_the_passages_embedded(tiny_seeds: Path, tmp_path: Path) -> None:
    heard: list[tuple[str, int, int]] = []
    manifest = build_index(
        tiny_seeds, tmp_path / "index", FakeEmbedder(), on_progress=lambda *told: heard.append(told)
    )
    stages = list(dict.fromkeys(stage for stage, _, _ in heard))
    assert stages == ["reading", "passages", "sentences", "tokenising", "writing"]
    passages = [(done, total) for stage, done, total in heard if stage == "passages"]
    assert passages[0] == (0, manifest["build"]["passages_embedded"])
    assert passages[-1][0] == passages[-1][1] == manifest["build"]["passages_embedded"] > 0


def test_a_rebuild_runs_in_the_background_and_the_old_index_answers_until_the_swap(
    manager: DocumentManager, embedder: GatedEmbedder, tmp_path: Path
) -> None:
    live = manager.live
    assert live is not None
    old = live.current()
    assert old.search("文史资料征集", k=3) == []
    manager.upload("文史.txt", write(tmp_path / "文史.txt"))
    embedder.release.clear()
    embedder.entered.clear()
    started = manager.start_rebuild()
    assert started.running
    assert embedder.entered.wait(30), "the build reached the embedding"
    status = manager.status()
    assert status.running and status.stage == "passages" and status.total > 0
    assert live.reload() is False and live.current() is old, "still the old index"
    assert live.current().search("文史资料征集", k=3) == []
    with pytest.raises(AdminError, match="正在进行"):
        manager.start_rebuild()
    with pytest.raises(BuildInProgressError):  # nor can `qa build` start meanwhile
        build_index(manager.seeds, manager.index_dir, FakeEmbedder())
    embedder.release.set()
    finished = manager.wait(60)
    assert finished.state == "done", finished.message
    assert "重建完成" in finished.message and "读取 1 篇" in finished.message
    new = live.current()
    assert new is not old and new.search("文史资料征集", k=3)[0].source == "文史.txt"
    assert manager.pending() == []
    assert [d.state for d in manager.documents() if d.source == "文史.txt"] == ["indexed"]


def test_a_removed_document_leaves_the_answers_after_the_rebuild(manager: DocumentManager) -> None:
    live = manager.live
    assert live is not None
    assert any(h.source == "b.txt" for h in live.current().search("提案办理协商", k=3))
    manager.remove("b.txt")
    assert manager.start_rebuild().running
    assert manager.wait(60).state == "done"
    assert all(h.source != "b.txt" for h in live.current().search("提案办理协商", k=3))
    assert "b.txt" not in read_manifest(manager.index_dir)["documents"]


def test_a_failed_rebuild_says_why_and_changes_nothing(manager: DocumentManager) -> None:
    before = snapshot(manager.index_dir)
    for listed in manager.documents():
        manager.remove(listed.source)
    manager.start_rebuild()
    status = manager.wait(60)
    assert status.state == "failed"
    assert "重建失败，索引未改变" in status.message and "没有可索引的文档" in status.message
    assert snapshot(manager.index_dir) == before


def test_a_rebuild_is_refused_while_another_process_builds(manager: DocumentManager) -> None:
    with exclusive(manager.index_dir.resolve()), pytest.raises(AdminError, match="另一个索引构建"):
        manager.start_rebuild()
    assert manager.status().state == "idle"


# -- who may ------------------------------------------------------------------------------

LOGINS = [("admin", "pw1"), ("staff", "pw2")]


def test_with_logins_only_the_login_named_by_qa_admin_manages() -> None:
    access = AdminAccess.of({"QA_ADMIN": "admin"}, LOGINS, local=True)
    assert access.allows("admin")
    assert not access.allows("staff") and not access.allows(None)
    assert not AdminAccess.of({}, LOGINS, local=True).allows("admin"), "nobody without QA_ADMIN"


def test_qa_admin_must_be_one_of_the_logins() -> None:
    with pytest.raises(QAError, match="QA_ADMIN=boss is not one of the logins"):
        AdminAccess.of({"QA_ADMIN": "boss"}, LOGINS, local=True)


def test_without_logins_only_a_page_bound_to_loopback_is_managed() -> None:
    assert AdminAccess.of({"QA_ADMIN": "admin"}, [], local=True).allows(None)
    assert not AdminAccess.of({"QA_ADMIN": "admin"}, [], local=False).allows(None)
    assert not AdminAccess.of({}, [], local=False).allows("admin")


def _handler(demo: gr.Blocks, name: str):  # type: ignore[no-untyped-def]
    return next(f.fn for f in demo.fns.values() if f.name == name)


def test_the_tab_handlers_refuse_a_user_who_is_not_the_administrator(
    manager: DocumentManager, tmp_path: Path
) -> None:
    with gr.Blocks() as demo, gr.Tabs(), gr.Tab("文档管理", visible=False) as tab:
        tab_admin.build(demo, tab, manager, AdminAccess(admin="admin"))
    source = write(tmp_path / "文史.txt")
    before = snapshot(manager.seeds)
    staff = gr.Request(username="staff")
    with pytest.raises(gr.Error, match="只有管理员"):
        _handler(demo, "on_upload")([str(source)], False, staff)
    with pytest.raises(gr.Error, match="只有管理员"):
        _handler(demo, "on_remove")("a.txt", "在县政协全体会议上的讲话", staff)
    with pytest.raises(gr.Error, match="只有管理员"):
        _handler(demo, "on_restore")("a.txt", staff)
    with pytest.raises(gr.Error, match="只有管理员"):
        _handler(demo, "on_save")("a.txt", "新标题", "", "", "", staff)
    with pytest.raises(gr.Error, match="只有管理员"):
        _handler(demo, "on_rebuild")(staff)
    assert snapshot(manager.seeds) == before and manager.status().state == "idle"
    shown = _handler(demo, "on_load")(staff)
    assert shown[0].visible is False and shown[1] == "", "hidden, and no document listed"
    result = _handler(demo, "on_upload")([str(source)], False, gr.Request(username="admin"))
    assert "已保存“文史" in result[0] and (manager.seeds / "文史.txt").exists()


def test_a_tick_after_the_rebuild_keeps_the_document_the_administrator_picked(
    manager: DocumentManager, tmp_path: Path
) -> None:
    """The timer's last tick re-lists the folder; it must not undo a pick made meanwhile."""
    with gr.Blocks() as demo, gr.Tabs(), gr.Tab("文档管理") as tab:
        tab_admin.build(demo, tab, manager, AdminAccess(admin="admin"))
    admin = gr.Request(username="admin")
    _handler(demo, "on_upload")([str(write(tmp_path / "文史.txt"))], False, admin)
    chosen = _handler(demo, "on_tick")("", "文史.txt", admin)[3]
    assert chosen.value == "文史.txt" and ("文史.txt" in [source for _, source in chosen.choices])
    gone = _handler(demo, "on_tick")("", "不在目录里.txt", admin)[3]
    assert gone.value is None, "a pick no longer listed is dropped, not kept as a dangling value"
    # A tick sent before any pick reaches the page after one: it updates the choices only.
    early = _handler(demo, "on_tick")("", None, admin)[3]
    assert "value" not in early.constructor_args and "choices" in early.constructor_args


# -- the command line ---------------------------------------------------------------------


def test_qa_add_and_remove_manage_the_folder(
    tiny_seeds: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = write(tmp_path / "文史.txt")
    bad = tmp_path / "假的.pdf"
    bad.write_bytes(b"not a pdf")
    seeds = ["--seeds", str(tiny_seeds), "--index", str(tmp_path / "none")]
    assert main(["add", str(good), str(bad), *seeds]) == 2
    out, err = capsys.readouterr()
    assert "Added" in out and "文史.txt" in out and "qa build" in out
    assert "“假的.pdf”未保存：不是 PDF 文件" in err
    assert (tiny_seeds / "文史.txt").exists() and not (tiny_seeds / "假的.pdf").exists()
    assert main(["add", str(good), *seeds]) == 2, "no silent overwrite"
    assert "--replace" in capsys.readouterr().err
    assert main(["add", str(good), "--replace", *seeds]) == 0
    assert main(["remove", "文史.txt", "--yes", "--seeds", str(tiny_seeds)]) == 0
    assert not (tiny_seeds / "文史.txt").exists()
    assert main(["remove", "../index", "--yes", "--seeds", str(tiny_seeds)]) == 2
