"""Titles that are titles: a sentence is never a document's title, and every report is dated.

The checks over the 72 government work reports read ``../shared/corpora/gov-work-reports``
(or ``$QA_CORPORA/gov-work-reports``) and are skipped, saying so, where it is absent.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from conftest import INDEX, SEEDS

from qa.ingest import read_document
from qa.ingest.page import clean_page
from qa.ingest.titles import TITLE_MAX_CHARS, reads_as_sentence, session_year

CORPORA = Path(os.environ.get("QA_CORPORA") or Path(__file__).resolve().parents[2] / "shared" / "corpora")
REPORTS = CORPORA / "gov-work-reports"
needs_reports = pytest.mark.skipif(not REPORTS.is_dir(), reason=f"{REPORTS} is absent (the shared corpora)")


@pytest.mark.parametrize(
    "line",
    [
        "现在，我代表国务院，向大会报告政府工作，请各位代表审议，并请全国政协委员提出意见",
        "首先报告２００１年的工作",
        "同志们，今天我们召开这次会议",
        "这是一个完整的句子。",
        "要坚持团结，要加强学习，要深入调研，要改进作风",
        "在市政协" + "工作" * 40 + "会议上的讲话",
    ],
)
def test_a_sentence_is_not_a_title(line: str) -> None:
    assert reads_as_sentence(line)


@pytest.mark.parametrize(
    "line",
    [
        "在市政协十届十四次常委会会议上的讲话",
        "政府工作报告——2017年3月5日在第十二届全国人民代表大会第五次会议上",
        "座谈发言:以高质量政协履职助推经济社会高质量发展",
        "守正创新，担当作为",
    ],
)
def test_a_title_is_a_title(line: str) -> None:
    assert not reads_as_sentence(line)


def test_the_first_sentence_of_a_speech_printed_without_its_stop_is_body_and_the_file_name_is_the_title() -> (
    None
):
    text = (
        "各位代表：\n现在，我代表国务院，向大会报告政府工作，请各位代表审议，并请全国政协委员提出意见\n"
        "一、2011年工作回顾\n过去的一年，全国各族人民同心同德，团结奋进，取得新的重大成就。\n"
    )
    page = clean_page(text, "2012年中华人民共和国国务院政府工作报告.txt")
    assert page.title == "2012年中华人民共和国国务院政府工作报告" and page.date == "2012"
    assert any(p.text.startswith("现在，我代表国务院") for p in page.paragraphs), (
        "the sentence stays in the body"
    )


def test_a_heading_below_the_salutation_is_not_the_title() -> None:
    text = (
        "各位代表：\n现在，我代表国务院向大会作政府工作报告，请予审议。\n"
        "首先报告2001年的工作\n新世纪第一年，成绩显著。\n"
    )
    page = clean_page(text, "2002年中华人民共和国国务院政府工作报告.txt")
    assert page.title == "2002年中华人民共和国国务院政府工作报告" and page.date == "2002"


@pytest.mark.parametrize(
    ("text", "year"),
    [
        ("第十一届全国人民代表大会第一次会议关于政府工作报告的决议", "2008"),
        ("第十四届全国人民代表大会第三次会议关于政府工作报告的决议", "2025"),
        ("第二届全国人民代表大会第三次会议关于政府工作报告的决议", "1962"),
        ("十三届全国人大二次会议", "2019"),
        ("中国人民政治协商会议第十三届全国委员会第二次会议政治决议", "2019"),
        ("全国政协十四届三次会议", "2025"),
        ("第十三届全国人民代表大会常务委员会第十次会议", None),
        ("市政协第十届委员会第三次会议", None),
    ],
)
def test_a_national_session_gives_its_year(text: str, year: str | None) -> None:
    assert session_year(text) == year


def test_the_seed_titles_and_dates_are_unchanged() -> None:
    manifest = json.loads((INDEX / "manifest.json").read_text(encoding="utf-8"))
    for path in sorted(SEEDS.glob("*.*")):
        document = read_document(path, path.name)
        recorded = manifest["documents"][path.name]
        assert (document.title, document.date) == (recorded["title"], recorded.get("date")), path.name


@needs_reports
def test_every_report_has_a_title_that_is_a_title_and_a_date() -> None:
    problems = []
    for path in sorted(REPORTS.glob("*.txt")):
        document = read_document(path, path.name)
        if len(document.title) > TITLE_MAX_CHARS or re.search(r"[。，,；;：:！？!?、…]$", document.title):
            problems.append(f"{path.name}: title {document.title!r}")
        if not document.date:
            problems.append(f"{path.name}: no date")
    assert len(list(REPORTS.glob("*.txt"))) == 72
    assert problems == []
