"""Failure behaviour: bad documents, builds that are killed or run twice, unwritable places."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import REPO, SEEDS

from qa import BuildInProgressError, QAError, Retriever
from qa.build.builder import build_index
from qa.cli.main import main
from qa.index.atomic import exclusive
from qa.index.layout import IndexLayout, read_manifest
from qa.index.load import load_index
from qa.ingest.documents import read_folder
from qa.ingest.limits import max_document_bytes

SPEECH = (
    "在县政协全体会议上的讲话\n"
    "政协委员要不断提高政治把握能力、调查研究能力、联系群众能力和合作共事能力,做到懂政协、会协商、善议政。\n"
    "要坚持大团结大联合,努力寻求最大公约数、画出最大同心圆,为全县高质量发展凝聚智慧和力量。\n"
)
ONE_LINE = "".join(SPEECH.splitlines()[1:]) * 3_800  # one line of more than 1 MB (1.06 MB)


def write(folder: Path, name: str, data: bytes) -> None:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


@pytest.fixture
def troubled_seeds(tmp_path: Path) -> Path:
    """Good documents among every kind of bad one the issue names."""
    folder = tmp_path / "seeds"
    write(folder, "good.txt", SPEECH.encode("utf-8"))
    write(folder, "gbk.txt", SPEECH.replace("县", "市").encode("gbk"))
    write(folder, "bom.txt", b"\xef\xbb\xbf" + SPEECH.replace("县", "区").encode("utf-8"))
    write(folder, "good_copy.txt", SPEECH.encode("utf-8"))
    write(folder, "empty.txt", b"")
    write(folder, "binary.txt", bytes(range(256)) * 64)
    write(
        folder,
        "boilerplate.txt",
        "首页 | 新闻 | 联系我们\n© 版权所有 某某网\n备案号:京ICP备12345678号\n".encode(),
    )
    write(folder, "one_line.txt", f"一行讲话\n{ONE_LINE}\n".encode())
    return folder


def test_every_bad_document_is_reported_by_name_and_the_rest_is_indexed(
    troubled_seeds: Path, tmp_path: Path, fake_embedder
) -> None:
    manifest = build_index(troubled_seeds, tmp_path / "index", fake_embedder)
    assert set(manifest["documents"]) == {"good.txt", "gbk.txt", "bom.txt", "one_line.txt"}
    skipped = manifest["skipped"]
    assert set(skipped) == {"good_copy.txt", "empty.txt", "binary.txt", "boilerplate.txt"}
    assert "same content as good.txt" in skipped["good_copy.txt"]
    assert "binary" in skipped["binary.txt"]
    assert (
        "is empty (0 bytes)" in skipped["empty.txt"]
        and "no text left after cleaning" in skipped["boilerplate.txt"]
    )
    assert manifest["documents"]["bom.txt"]["title"] == "在区政协全体会议上的讲话"
    passages = load_index(tmp_path / "index").passages
    assert all(len(p.text) <= 450 * 1.25 for p in passages), "a 1 MB line is cut into passages"
    one_line = [p for p in passages if p.source == "one_line.txt"]
    assert sum(len(p.text) for p in one_line) >= 0.99 * len(ONE_LINE), "nothing of the long line is lost"


def test_build_command_ends_with_a_summary_of_skipped_files(
    troubled_seeds: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    from conftest import FakeEmbedder

    monkeypatch.setattr(
        "qa.cli.commands._embedder", lambda model, precision=None, building=False: FakeEmbedder()
    )
    assert main(["build", "--seeds", str(troubled_seeds), "--index", str(tmp_path / "index")]) == 0
    out = capsys.readouterr().out
    for name in ("good_copy.txt", "empty.txt", "binary.txt", "boilerplate.txt"):
        assert f"skipped {name}: " in out


def test_a_file_over_the_size_limit_is_skipped_with_its_size_without_reading_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QA_MAX_DOCUMENT_MB", "10")
    folder = tmp_path / "seeds"
    write(folder, "good.txt", SPEECH.encode("utf-8"))
    with (folder / "huge.txt").open("wb") as handle:
        handle.write(SPEECH.encode("utf-8") * (50 * 2**20 // len(SPEECH.encode("utf-8"))))
    assert (folder / "huge.txt").stat().st_size > max_document_bytes()
    started = time.perf_counter()
    report = read_folder(folder)
    assert time.perf_counter() - started < 5
    assert [d.source for d in report.documents] == ["good.txt"]
    reason = report.skipped["huge.txt"]
    assert "is 50.0 MB, over the 10 MB limit" in reason and "QA_MAX_DOCUMENT_MB" in reason


def test_a_document_that_disappears_during_the_build_is_reported(tmp_path: Path, monkeypatch) -> None:
    import qa.ingest.documents

    folder = tmp_path / "seeds"
    write(folder, "good.txt", SPEECH.encode("utf-8"))
    listed = [folder / "good.txt", folder / "gone.txt"]  # listed, then deleted before reading
    monkeypatch.setattr(qa.ingest.documents, "find_documents", lambda _: listed)
    report = read_folder(folder)
    assert [d.source for d in report.documents] == ["good.txt"]
    assert list(report.skipped) == ["gone.txt"]
    assert "no longer exists" in report.skipped["gone.txt"]


def test_a_second_build_of_the_same_index_is_refused_while_one_runs(
    tiny_seeds: Path, tmp_path: Path, fake_embedder, capsys: pytest.CaptureFixture[str]
) -> None:
    index_dir = (tmp_path / "index").resolve()
    with exclusive(index_dir):
        with pytest.raises(BuildInProgressError, match="Another build is writing"):
            build_index(tiny_seeds, index_dir, fake_embedder)
        assert main(["build", "--seeds", str(tiny_seeds), "--index", str(index_dir)]) == 2
        assert "Another build is writing" in capsys.readouterr().err
    build_index(tiny_seeds, index_dir, fake_embedder)  # free again once the first is done
    assert IndexLayout(index_dir).manifest.is_file()


def test_building_where_nothing_can_be_written_says_so(
    tiny_seeds: Path, tmp_path: Path, fake_embedder
) -> None:
    not_a_folder = tmp_path / "file.txt"
    not_a_folder.write_text("x", encoding="utf-8")
    with pytest.raises(QAError, match="Cannot write next to"):
        build_index(tiny_seeds, not_a_folder / "index", fake_embedder)


def test_loading_a_read_only_index_writes_nothing(tiny_seeds: Path, tmp_path: Path, fake_embedder) -> None:
    index_dir = tmp_path / "index"
    build_index(tiny_seeds, index_dir, fake_embedder)
    before = sorted((p.relative_to(tmp_path), p.stat().st_mtime_ns) for p in tmp_path.rglob("*"))
    for path in (index_dir, *index_dir.rglob("*")):
        path.chmod(0o555 if path.is_dir() else 0o444)
    try:
        retriever = Retriever(index_dir, embedder=fake_embedder)
        assert retriever.search("政协委员怎样提高政治把握能力", k=1)
    finally:
        for path in (index_dir, *index_dir.rglob("*")):
            path.chmod(0o755 if path.is_dir() else 0o644)
    after = sorted((p.relative_to(tmp_path), p.stat().st_mtime_ns) for p in tmp_path.rglob("*"))
    assert after == before


# A build in its own process, slowed down at one point so that the test can kill it there.
BUILD_SCRIPT = """
import os, sys, time
sys.path.insert(0, {tests!r})
from pathlib import Path
from conftest import FakeEmbedder
import qa.index.atomic
from qa.build import build_index

where = sys.argv[3]

class SlowEmbedder(FakeEmbedder):
    def encode_documents(self, texts, progress=False):
        if where == "embedding":
            print("ready", flush=True); time.sleep(60)
        return super().encode_documents(texts)

real_replace = os.replace
def replace(src, dst):
    real_replace(src, dst)
    if where == "swap" and "-old-" in str(dst):
        print("ready", flush=True); time.sleep(60)  # the old index is aside, the new one not in place
qa.index.atomic.os.replace = replace

build_index(Path(sys.argv[1]), Path(sys.argv[2]), SlowEmbedder())
print("done", flush=True)
"""


@pytest.mark.parametrize("moment", ["embedding", "swap"])
def test_a_build_killed_mid_way_leaves_the_previous_index_serving(
    moment: str, tiny_seeds: Path, tmp_path: Path, fake_embedder
) -> None:
    index_dir = tmp_path / "index"
    build_index(tiny_seeds, index_dir, fake_embedder)
    before = read_manifest(index_dir)["fingerprint"]
    (tiny_seeds / "c.txt").write_text(SPEECH, encoding="utf-8")  # the new build would differ
    script = tmp_path / "build.py"
    script.write_text(BUILD_SCRIPT.format(tests=str(REPO / "tests")), encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, str(script), str(tiny_seeds), str(index_dir), moment],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "ready"
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)

    assert read_manifest(index_dir)["fingerprint"] == before, "the previous index is back and unchanged"
    assert len(Retriever(index_dir, embedder=fake_embedder).passages) > 0
    build_index(tiny_seeds, index_dir, fake_embedder)  # the next build cleans up after the killed one
    leftovers = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".index"))
    assert leftovers == [".index.lock"]
    assert "c.txt" in read_manifest(index_dir)["documents"]


def test_searches_keep_answering_while_the_index_is_rebuilt(tmp_path: Path, embedder) -> None:
    import shutil

    index_dir = tmp_path / "index"
    shutil.copytree(REPO / "index", index_dir)
    retriever = Retriever(index_dir, embedder=embedder)
    expected = retriever.search("政协委员怎样提高履职能力?", k=1)[0].passage_id
    errors: list[BaseException] = []

    def rebuild() -> None:
        try:
            build_index(SEEDS, index_dir, embedder)
        except BaseException as exc:  # reported below
            errors.append(exc)

    builder = threading.Thread(target=rebuild)
    builder.start()
    answered = 0
    while builder.is_alive():
        assert retriever.search("政协委员怎样提高履职能力?", k=1)[0].passage_id == expected
        answered += 1
    builder.join()
    assert errors == []
    assert answered > 0
    assert retriever.search("政协委员怎样提高履职能力?", k=1)[0].passage_id == expected
    fresh = Retriever(index_dir, embedder=embedder)
    assert fresh.search("政协委员怎样提高履职能力?", k=1)[0].passage_id == expected
    assert json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))["passage_count"] == len(
        fresh.passages
    )
