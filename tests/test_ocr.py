"""Scans and photos are read by OCR: a scanned 公文 (red masthead, seal), a PDF whose page 2 is a
scan, a phone photo and a two-column bulletin (tests/fixtures/formats/scans/, made by
generator/make_scans.py from known text). Their passages carry ``ocr=True`` and their page,
the seal's words are not read. Each question of scans/questions.json finds its passage first:
tests/test_formats_corpus.py asks them on its one build of every format."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import pytest

from qa.errors import DocumentError
from qa.ingest import ocr
from qa.ingest.documents import read_document
from qa.ingest.ocr import OcrLine, OcrPage, OcrUnavailableError
from qa.ingest.scan import layout_lines
from qa.passages.cutting import make_passages

SCANS = Path(__file__).resolve().parent / "fixtures" / "formats" / "scans"


def _flat(text: str) -> str:
    return "".join(text.split())


@pytest.fixture(scope="module")
def documents() -> dict:
    return {path.name: read_document(path) for path in sorted(SCANS.iterdir()) if path.suffix != ".json"}


def test_a_scanned_notice_is_read_with_its_masthead_as_metadata_and_without_its_seal(documents: dict) -> None:
    notice = documents["notice_red_scan.pdf"]
    assert notice.title == "关于做好2025年度界别协商工作的通知"
    assert "青川市政协办公室" in notice.metadata["发文机关"]
    body = _flat("".join(p.text for p in notice.paragraphs))
    assert "每季度召开一次" in body and "会后二十日内报送市委" in body
    assert "印章专用" not in body  # the seal's words
    reading = notice.reading
    assert reading.ocr_pages == (1,) and "RapidOCR 3.10.0" in reading.reader
    assert reading.ocr_confidence is not None and reading.ocr_confidence > 0.9
    assert all(p.ocr and p.page == 1 for p in make_passages(notice))


def test_the_scanned_page_of_a_digital_pdf_is_read_and_marked_by_its_page(documents: dict) -> None:
    mixed = documents["research_mixed.pdf"]
    assert mixed.reading.ocr_pages == (2,)
    assert mixed.reading.reader.startswith("pypdf") and "RapidOCR" in mixed.reading.reader
    assert any("page 2 without a text layer" in note for note in mixed.reading.notes)
    passages = make_passages(mixed)
    digital = [p for p in passages if "二百一十六个" in p.text]
    scanned = [p for p in passages if "对策建议二" in p.text]
    assert digital and not digital[0].ocr and digital[0].page == 1
    assert scanned and scanned[0].ocr and scanned[0].page == 2
    # the running header of both pages (typeset on 1, recognised on 2) and the page numbers are out
    removed = {r.rule for r in mixed.report.removals if "调研报告" in r.text or r.text.strip("- ") in "12"}
    assert removed == {"pdf-running-header", "pdf-page-number"}
    assert not any("研究室" in p.text for p in passages)


def test_a_phone_photo_is_read(documents: dict) -> None:
    photo = documents["meeting_photo.jpg"]
    body = _flat("".join(p.text for p in photo.paragraphs))
    assert "常委们建议在清水河沿线增设十二处水质自动监测站" in body
    assert photo.reading.ocr_pages == (1,) and photo.reading.reader.startswith("RapidOCR")


def test_a_two_column_page_is_read_column_by_column(documents: dict) -> None:
    bulletin = documents["bulletin_columns.png"]
    texts = [_flat(p.text) for p in bulletin.paragraphs]
    left = next(t for t in texts if "本期要目" in t)
    right = next(t for t in texts if "委员风采" in t)
    assert "修缮资金使用情况的汇报" in left and "严禁大拆大建" in left  # the left column's lines in order
    assert "杨明远" not in left and "资助贫困学生三百八十名" in right


def test_layout_orders_columns_and_marks_indented_rows() -> None:
    def line(text: str, x0: float, y0: float, width: float = 400) -> OcrLine:
        return OcrLine(text, x0, y0, x0 + width, y0 + 40, 0.99)

    page = OcrPage(
        (
            line("标题横跨两栏", 300, 0, 600),
            *(line(f"左{i}", 100 + (80 if i == 0 else 0), 100 + 60 * i) for i in range(3)),
            *(line(f"右{i}", 700, 100 + 60 * i) for i in range(3)),
            line("页脚横跨两栏", 100, 400, 1000),
        ),
        1200,
        1600,
    )
    assert layout_lines(page) == [
        "标题横跨两栏",
        "    左0",
        "左1",
        "左2",
        "右0",
        "右1",
        "右2",
        "页脚横跨两栏",
    ]


def test_a_file_is_recognised_once_then_read_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QA_OCR_CACHE", str(tmp_path / "cache"))
    path = tmp_path / "照片.jpg"
    shutil.copy(SCANS / "meeting_photo.jpg", path)
    first = read_document(path)
    assert len(list((tmp_path / "cache").glob("*.json"))) == 1

    def no_engine(image: object) -> OcrPage:
        raise AssertionError("recognised again")

    monkeypatch.setattr(ocr, "recognise", no_engine)
    assert read_document(path).paragraphs == first.paragraphs
    path.write_bytes(path.read_bytes() + b"\0")  # other bytes: recognised again
    with pytest.raises(DocumentError, match="recognised again"):
        read_document(path)


def test_the_engine_runs_offline_on_the_models_in_its_package(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: object) -> None:
        raise AssertionError(f"a network connection was attempted: {args}")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    ocr._engine.cache_clear()
    from PIL import Image

    page = ocr.recognise(Image.open(SCANS / "bulletin_columns.png"))
    assert any("青川政协简报" in line.text for line in page.lines)


def test_missing_models_are_named_never_downloaded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(ocr.MODELS, "Rec", "no_such_model.onnx")
    with pytest.raises(OcrUnavailableError, match=r"no_such_model\.onnx.*reinstall rapidocr==3\.10\.0"):
        ocr.model_paths()
    assert issubclass(OcrUnavailableError, DocumentError)  # a build names the file and goes on


def test_an_image_that_is_not_one_is_named(tmp_path: Path) -> None:
    path = tmp_path / "坏图.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)
    with pytest.raises(DocumentError, match=r"坏图\.png: is not a readable image"):
        read_document(path)


def test_importing_qa_turns_off_onnxruntime_telemetry() -> None:
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "ORT_DISABLE_TELEMETRY"}
    code = "import os, qa; print(os.environ.get('ORT_DISABLE_TELEMETRY'))"
    run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "1"
