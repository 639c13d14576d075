"""Pages travel from the reader to the citation: every passage knows the page (slide) it is on,
and text recognised from an image (OCR) is marked wherever a passage is shown."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from test_formats import make_pdf

from qa.ingest.blocks import Block, Extracted, Reading
from qa.ingest.documents import read_document
from qa.passages.cutting import make_passages, page_label
from qa.retrieve.hit import Hit
from qa.ui import render
from qa.ui.citation import cite, place

LONG = "政协委员要把学习作为一种责任和追求，不断提高政治把握能力、调查研究能力、联系群众能力和合作共事能力。"


def test_blocks_record_where_each_page_begins_in_the_joined_text() -> None:
    blocks = [
        Block("第一页的标题", "heading", page=1),
        Block("  第一页的正文接到第二页", page=1, page_breaks=((8, 2),)),
        Block("第三页", page=3),
    ]
    extracted = Extracted.of_blocks(blocks)
    assert extracted.text == "第一页的标题\n第一页的正文接到第二页\n第三页"
    reading = extracted.reading
    assert reading.pages == ((0, 1), (13, 2), (19, 3))
    assert [reading.page_at(i) for i in (0, 12, 13, 18, 19, 21)] == [1, 1, 2, 2, 3, 3]


def test_a_format_without_pages_has_page_zero() -> None:
    reading = Extracted.of_blocks([Block("正文")]).reading
    assert reading.pages == () and reading.page_at(0) == 0


@pytest.mark.parametrize(
    ("first", "last", "unit", "label"),
    [(0, 0, "page", ""), (3, 3, "page", "第3页"), (3, 4, "page", "第3—4页"), (2, 2, "slide", "第2张幻灯片")],
)
def test_page_labels(first: int, last: int, unit: str, label: str) -> None:
    assert page_label(first, last, unit) == label  # type: ignore[arg-type]


def test_a_pdf_passage_is_cited_by_its_page(tmp_path: Path) -> None:
    paragraphs = ["在市政协全体会议上的讲话", *[f"第{n}点：{LONG}" for n in range(1, 30)]]
    path = tmp_path / "讲话.pdf"
    path.write_bytes(make_pdf(paragraphs))
    document = read_document(path)
    assert document.reading.reader.startswith("pypdf")
    passages = make_passages(document)
    assert passages[0].page == 1 and passages[-1].page_end >= 3
    for passage in passages:
        assert 1 <= passage.page <= passage.page_end
        assert passage.page_label == page_label(passage.page, passage.page_end)
    last = passages[-1]
    hit = Hit.from_passage(last, 1.0)
    assert place(hit).startswith(f"{last.page_label}，第")
    assert last.page_label in cite(hit) and last.page_label in cite(hit, "gbt7714")


def test_a_passage_of_an_ocr_page_is_marked_on_its_card_and_citation(tmp_path: Path) -> None:
    paragraphs = ["关于做好提案办理工作的通知", LONG, LONG.replace("政协委员", "各专委会")]
    path = tmp_path / "通知.pdf"
    path.write_bytes(make_pdf(paragraphs))
    document = read_document(path)
    scanned = replace(document, reading=replace(document.reading, ocr_pages=(1,), ocr_confidence=0.93))
    (passage, *_) = make_passages(scanned)
    assert passage.ocr and not make_passages(document)[0].ocr
    card = render.card(1, Hit.from_passage(passage, 1.0))
    assert card.count(render.OCR_NOTICE) == 2  # above the text and above the citation
    assert render.OCR_NOTICE not in render.card(1, Hit.from_passage(make_passages(document)[0], 1.0))


def test_reading_summary_names_the_reader_pages_and_ocr() -> None:
    reading = Reading("RapidOCR 1.4.4", ((0, 1), (90, 2)), "page", (2,), 0.912, ("page 2 is a scan",))
    assert reading.summary() == {
        "reader": "RapidOCR 1.4.4",
        "pages": 2,
        "page_unit": "page",
        "ocr_pages": [2],
        "ocr_confidence": 0.912,
        "notes": ["page 2 is a scan"],
    }
    assert Reading().summary() == {}
