"""Digital PDF layout: footnotes after their paragraph (never inside a sentence over the page
break), two-column pages read column by column, from the text layer's positions.

The files are ``tests/fixtures/formats/layout/`` (made by ``generator/make_layout.py``: the
speech typeset by LibreOffice with real footnotes, the bulletin drawn row by row by reportlab);
the questions about them are asked by ``tests/test_formats_corpus.py``.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from qa.ingest.documents import read_document
from qa.ingest.pdf import read_pdf
from qa.passages.cutting import make_passages

LAYOUT = Path(__file__).resolve().parent / "fixtures" / "formats" / "layout"
OVER_THE_BREAK = "今年市政协将围绕清水河流域综合治理开展专题协商，协商前组织委员分三个组开展调研"


def _texts(name: str) -> list[str]:
    return [paragraph.text for paragraph in read_document(LAYOUT / name).paragraphs]


def test_a_footnote_never_splits_the_sentence_that_runs_over_the_page_break() -> None:
    texts = _texts("speech_footnotes.pdf")
    assert any(OVER_THE_BREAK in text for text in texts)
    body = [text for text in texts if not text.startswith("注")]
    assert not any("青川政协调研文集" in text or "经十届常委会" in text for text in body)


def test_each_footnote_follows_the_paragraph_that_refers_to_it_and_its_mark_leaves_the_text() -> None:
    texts = _texts("speech_footnotes.pdf")
    notes = [i for i, text in enumerate(texts) if text.startswith("注")]
    assert [texts[i][:3] for i in notes] == ["注1：", "注2：", "注3："]
    assert "施行" in texts[notes[0]] and "委员履职管理办法，建立了" in texts[notes[0] - 1]
    assert "调研文集" in texts[notes[1]] and "有分量的调研报告，这是" in texts[notes[1] - 1]
    assert "牵头组织" in texts[notes[2]] and OVER_THE_BREAK in texts[notes[2] - 1]


def test_footnotes_keep_their_page_and_the_running_header_and_page_numbers_go() -> None:
    document = read_document(LAYOUT / "speech_footnotes.pdf")
    passages = make_passages(document)
    (second,) = [p for p in passages if "牵头组织" in p.text]
    assert (second.page, second.page_end) == (1, 2)  # the paragraph starts on page 1, its note is on 2
    assert all("讲话汇编" not in p.text for p in passages)
    rules = {r.rule for r in document.report.removals}
    assert {"pdf-running-header", "pdf-page-number"} <= rules


def test_a_two_column_page_drawn_row_by_row_is_read_column_by_column() -> None:
    texts = _texts("bulletin_columns.pdf")
    start = next(i for i, text in enumerate(texts) if text.startswith("市政协组织委员视察"))
    assert texts[start].endswith("详细了解工程建设进度和水质检测情况。")
    assert texts[start + 1].endswith("确保农村群众喝上放心水。")
    assert texts[start + 2].startswith("市政协召开界别协商座谈会")
    assert texts[start + 2].endswith("对评定为星级的民宿每家一次性奖励五万元。")
    assert (
        texts[start + 3]
        == "农业界委员提出，要把民宿发展与特色农产品销售结合起来，在每个民宿集聚村设立一处农产品展销点。"
    )


def _pdf(draw: object) -> bytes:
    from reportlab.lib.pagesizes import A5
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A5)
    draw(page)  # type: ignore[operator]
    page.showPage()
    page.save()
    return buffer.getvalue()


def _line(page: object, x: float, y: float, text: str, size: float, rise: float = 0) -> None:
    page.setFont("STSong-Light", size)  # type: ignore[attr-defined]
    page.drawString(x, y + rise, text)  # type: ignore[attr-defined]


def test_a_raised_mark_without_a_note_stays_and_small_type_without_a_mark_is_not_a_note() -> None:
    def draw(page: object) -> None:
        _line(page, 40, 500, "全市新建口袋公园面积达到三万平方米", 12)
        _line(page, 40 + 17 * 12, 500, "2", 7, rise=5)  # a raised 2 (square metres), no note
        _line(page, 40 + 17 * 12 + 4, 500, "，比上年增加一倍。", 12)
        _line(page, 40, 60, "资料来源：青川市园林局年度统计公报。", 9)  # small, at the foot, no mark

    texts = read_pdf(_pdf(draw), "x.pdf").text.splitlines()
    assert texts[0] == "全市新建口袋公园面积达到三万平方米2，比上年增加一倍。"
    assert texts[1] == "资料来源：青川市园林局年度统计公报。"


def test_a_footnote_with_a_mark_the_body_raises_is_put_after_its_paragraph() -> None:
    def draw(page: object) -> None:
        _line(page, 40, 500, "委员全年提交提案三百一十二件", 12)
        _line(page, 40 + 14 * 12, 500, "1", 7, rise=5)
        _line(page, 40 + 14 * 12 + 4, 500, "，立案二百八十件。", 12)
        _line(page, 40, 470, "下一段讲别的事情。", 12)
        _line(page, 40, 60, "1 含联名提案四十六件。", 9)

    lines = read_pdf(_pdf(draw), "x.pdf").text.splitlines()
    assert lines == [
        "委员全年提交提案三百一十二件，立案二百八十件。",
        "注1：含联名提案四十六件。",
        "下一段讲别的事情。",
    ]


@pytest.mark.parametrize("name", ["speech_footnotes.pdf", "bulletin_columns.pdf"])
def test_layout_files_are_read_by_the_positioned_text_layer(name: str) -> None:
    assert read_document(LAYOUT / name).reading.reader.startswith("pypdfium2")


def test_a_long_pdf_says_its_progress_by_page_and_reads_the_same_across_reopenings(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from qa.ingest import pdf

    whole = _texts("speech_footnotes.pdf")
    monkeypatch.setattr(pdf, "_PROGRESS_EVERY", 1)
    monkeypatch.setattr(pdf, "_REOPEN_EVERY", 1)  # the document opened anew for every page
    with caplog.at_level("INFO", logger="qa.ingest.pdf"):
        assert _texts("speech_footnotes.pdf") == whole
    assert "page 1 of 2 read" in caplog.text and "page 2 of 2 read" in caplog.text
