"""Reading documents from disk: decoding, metadata of the real seeds, and reporting unreadable files."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from qa.errors import DocumentError, QAError
from qa.ingest.decode import decode_bytes
from qa.ingest.documents import find_documents, read_document, read_folder

SEEDS = Path(__file__).resolve().parents[1] / "seeds"

PAGE = (
    "首 页 | 政协要闻 | 主席讲话 | 提案工作\n"
    "在县政协全体会议上的讲话\n"
    "发布时间:2023年5月6日\n"
    "政协委员要不断提高政治把握能力、调查研究能力、联系群众能力和合作共事能力。\n"
    "要坚持大团结大联合,努力寻求最大公约数、画出最大同心圆。\n"
    "© 版权所有 县政协\n"
)


def write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


# --- decoding ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [PAGE.encode("utf-8"), b"\xef\xbb\xbf" + PAGE.encode("utf-8"), PAGE.encode("gb18030")],
    ids=["utf-8", "utf-8-bom", "gb18030"],
)
def test_decode_bytes_accepts_utf8_utf8_with_bom_and_gb18030(data: bytes) -> None:
    assert decode_bytes(data, "a.txt") == PAGE


def test_gb18030_bytes_are_not_valid_utf8_so_the_fallback_is_really_used() -> None:
    with pytest.raises(UnicodeDecodeError):
        PAGE.encode("gb18030").decode("utf-8")


def test_decode_bytes_rejects_binary_data_naming_the_file() -> None:
    with pytest.raises(DocumentError, match=r"^讲话\.txt: .*binary.*NUL") as caught:
        decode_bytes(b"%PDF-1.7\x00\x00\x01\x02" + PAGE.encode("utf-8"), "讲话.txt")
    assert isinstance(caught.value, QAError)


@pytest.mark.parametrize(
    "data",
    [b"\xff\xfe\xfd\xfc", b"\x80abc", PAGE.encode("gb18030") + b"\xff"],
    ids=["ff-bytes", "lone-0x80", "gb18030-with-trailing-0xff"],
)
def test_decode_bytes_refuses_bytes_whose_encoding_cannot_be_told(data: bytes) -> None:
    with pytest.raises(DocumentError, match=r"^sub/bad\.txt: cannot tell the encoding"):
        decode_bytes(data, "sub/bad.txt")


# --- reading one document ---------------------------------------------------------------------------


def test_read_document_cleans_a_gb18030_page_and_keeps_its_metadata(tmp_path: Path) -> None:
    data = PAGE.encode("gb18030")
    document = read_document(write(tmp_path, "speech.txt", data))
    assert document.source == "speech.txt"
    assert document.title == "在县政协全体会议上的讲话"
    assert document.date == "2023-05-06"
    assert document.sha256 == hashlib.sha256(data).hexdigest()
    assert [p.text for p in document.paragraphs] == PAGE.splitlines()[3:5]


def test_read_document_uses_the_given_source_name(tmp_path: Path) -> None:
    document = read_document(write(tmp_path, "x.txt", PAGE.encode()), source="folder/x.txt")
    assert document.source == "folder/x.txt"


def test_read_document_names_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match=r"^missing\.txt: cannot be read"):
        read_document(tmp_path / "missing.txt")


def test_read_document_rejects_a_page_with_no_speech_left(tmp_path: Path) -> None:
    path = write(tmp_path, "menu.txt", "首 页 | 政协要闻 | 主席讲话\n© 版权所有\n".encode())
    with pytest.raises(
        DocumentError,
        match=r"^menu\.txt: no text left after cleaning \(.*short-furniture 12, site-furniture 5\)",
    ):
        read_document(path)


# --- reading a folder ---------------------------------------------------------------------------------


@pytest.fixture
def mixed_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "seeds"
    write(folder, "a.txt", PAGE.encode("utf-8"))
    write(folder, "b.txt", PAGE.encode("gb18030"))
    write(folder, "sub/c.TXT", b"\xef\xbb\xbf" + PAGE.encode("utf-8"))
    write(folder, "bad_encoding.txt", b"\xff\xfe\xfd\xfc" * 8)
    write(folder, "empty.txt", b"")
    write(folder, "report.pdf", b"%PDF-1.7\n")
    write(folder, "slides.key", b"PK\x03\x04keynote")  # Apple Keynote: not a format we read
    write(folder, ".gitkeep", b"")
    write(folder, ".cache/hidden.txt", PAGE.encode("utf-8"))
    return folder


def test_read_folder_reads_every_good_file_despite_bad_ones(mixed_folder: Path) -> None:
    report = read_folder(mixed_folder)
    assert [d.source for d in report.documents] == ["a.txt", "b.txt", "sub/c.TXT"]
    assert all(d.title == "在县政协全体会议上的讲话" for d in report.documents)


def test_read_folder_reports_each_unreadable_file_with_its_reason(mixed_folder: Path) -> None:
    skipped = read_folder(mixed_folder).skipped
    assert set(skipped) == {"bad_encoding.txt", "empty.txt", "report.pdf", "slides.key"}
    assert "cannot tell the encoding" in skipped["bad_encoding.txt"]
    assert "is empty (0 bytes)" in skipped["empty.txt"]
    assert "is not a readable PDF file" in skipped["report.pdf"]
    assert "unsupported file type '.key'" in skipped["slides.key"]
    for source, reason in skipped.items():
        assert reason.startswith(f"{source}: ")


def test_hidden_files_and_folders_are_ignored(mixed_folder: Path) -> None:
    report = read_folder(mixed_folder)
    seen = {d.source for d in report.documents} | set(report.skipped)
    assert not any(part.startswith(".") for source in seen for part in source.split("/"))
    assert [p.name for p in find_documents(mixed_folder) if p.name.startswith(".")] == []


def test_find_documents_refuses_a_path_that_is_not_a_folder(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="not a folder"):
        find_documents(tmp_path / "nowhere")


# --- the real seeds -------------------------------------------------------------------------------------


def test_all_five_seeds_are_read_and_none_skipped() -> None:
    report = read_folder(SEEDS)
    assert report.skipped == {}
    assert len(report.documents) == 5


@pytest.mark.parametrize(
    ("name", "date"),
    [
        ("000_c94c20506ab01715.txt", None),
        ("001_ec7618cb6664527d.txt", "2022"),
        ("002_918bf7343061484a.txt", "2025-03-12"),
        ("003_e9d8012ddcf1e712.txt", "2023-12-09"),
        ("004_d709b2b97a0ad8c6.txt", "2024-12-27"),
    ],
)
def test_seed_dates(name: str, date: str | None) -> None:
    assert read_document(SEEDS / name).date == date


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("000_c94c20506ab01715.txt", "在市政协工作座谈会上的讲话"),
        ("002_918bf7343061484a.txt", "在2025年全市政协党的建设工作会议上的讲话"),
        ("004_d709b2b97a0ad8c6.txt", "在市政协十届十四次常委会会议上的讲话"),
    ],
)
def test_seed_titles_come_from_the_page_title_line(name: str, title: str) -> None:
    assert read_document(SEEDS / name).title == title


def test_seed_001_title_comes_from_the_editor_introduction() -> None:
    title = read_document(SEEDS / "001_ec7618cb6664527d.txt").title
    assert "在市委政协工作会议上讲话" in title
    assert "小编" not in title and "供大家参考" not in title


def test_seed_003_title_is_the_document_name_without_its_extension() -> None:
    title = read_document(SEEDS / "003_e9d8012ddcf1e712.txt").title
    assert title.startswith("座谈发言:以高质量政协履职助推经济社会高质量发展")
    assert not title.lower().endswith(".docx")


@pytest.mark.parametrize("name", sorted(p.name for p in SEEDS.glob("*.txt")))
def test_seed_title_is_a_speech_title_never_a_site_name(name: str) -> None:
    title = read_document(SEEDS / name).title
    for site in ["妙笔智库", "酷乐文行", "优知文库", "yzwku", "首页", "首 页", "政协要闻", "仅供学习"]:
        assert site not in title
    assert any(word in title for word in ("讲话", "发言"))
    assert name.removesuffix(".txt") not in title
