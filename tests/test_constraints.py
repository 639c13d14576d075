"""Questions that name their document: constraints read from the question and applied to the search."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from conftest import FakeEmbedder

from qa.build.builder import build_index
from qa.ingest.fields import DocumentNumber, find_sessions
from qa.passages.places import PassagePlaces
from qa.retrieve.constraint_index import ConstraintIndex
from qa.retrieve.constraints import read_constraints, without_spans
from qa.retrieve.retriever import Retriever

CORPUS = Path(__file__).resolve().parents[1] / "eval" / "fields" / "corpus"
TODAY = date(2025, 3, 1)


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Retriever:
    """The fixture collection of near-identical reports, notices and a regulation, fake vectors."""
    index = tmp_path_factory.mktemp("fields") / "index"
    embedder = FakeEmbedder()
    build_index(CORPUS, index, embedder)
    return Retriever(index, embedder=embedder)


@pytest.mark.parametrize(
    ("question", "years"),
    [
        ("2018年市政协收到提案多少件", (2018, 2018)),
        ("二〇一八年的报告", (2018, 2018)),
        ("2020年以来提案数量有何变化", (2020, 2025)),
        ("2019至2021年的报告", (2019, 2021)),
        ("去年的报告说培训委员多少人次", (2024, 2024)),
        ("前年的报告", (2023, 2023)),
        ("今年的工作重点", (2025, 2025)),
    ],
)
def test_years_are_read_absolute_and_relative_to_today(question: str, years: tuple[int, int]) -> None:
    assert read_constraints(question, today=TODAY).years == years


@pytest.mark.parametrize(
    "question",
    [
        "提高20%的目标怎么实现",
        "投入3000万元用于什么",
        "请于12月15日前报送什么",
        "政协委员怎样提高履职能力?",
        "党的二十届三中全会有什么意义?",
        "攀枝花建市60周年",
    ],
)
def test_a_number_that_names_no_document_is_no_constraint(question: str) -> None:
    assert not read_constraints(question, today=TODAY)


def test_a_session_a_document_number_an_article_and_a_speaker_are_read() -> None:
    asked = read_constraints("十四届二次会议的常委会工作报告中共收到多少件提案", today=TODAY)
    assert asked.sessions == ("14届2次",)
    assert asked.years is None  # no year in it
    standing = read_constraints("十届十四次常委会会议上的讲话", today=TODAY)
    assert standing.sessions == ("10届常委会14次",)
    asked = read_constraints("临政协办发〔2023〕15号文件要求什么时候报送", today=TODAY)
    assert asked.doc_numbers == (DocumentNumber("临政协办发", 2023, 15),)
    assert asked.years is None  # the 文号's year is not the question's
    assert read_constraints("第12条怎么规定", today=TODAY).articles == ("第十二条",)
    assert read_constraints("第三章讲什么", today=TODAY).chapters == ("第三章",)
    assert read_constraints("吴振东副主席的报告", speakers=["吴振东"], today=TODAY).speakers == ("吴振东",)
    assert not read_constraints("吴振东副主席的报告", speakers=["李明华"], today=TODAY).speakers
    assert read_constraints("最近一次常委会工作报告", today=TODAY).newest_first


def test_the_words_that_name_the_document_are_not_searched_for() -> None:
    question = "十四届二次会议的常委会工作报告中共收到多少件提案"
    assert (
        without_spans(question, read_constraints(question, today=TODAY))
        == "的常委会工作报告中共收到多少件提案"
    )


def test_a_session_gets_that_sessions_report_first(archive: Retriever) -> None:
    found = archive.answer("十四届二次会议的常委会工作报告中共收到多少件提案", today=TODAY)
    assert found.hits
    assert {hit.source for hit in found.hits} == {"常委会工作报告_2023.txt"}
    assert found.note == "已按14届2次会议的工作报告检索。"
    unconstrained = archive.answer("十四届二次会议的常委会工作报告中共收到多少件提案", constraints=False)
    assert {hit.source for hit in unconstrained.hits} != {"常委会工作报告_2023.txt"}


def test_a_year_the_archive_does_not_have_is_said_so(archive: Retriever) -> None:
    found = archive.answer("2018年市政协收到提案多少件", today=TODAY)
    assert found.hits == []
    assert found.message == "档案中没有2018年的文件。"


def test_a_relative_year_without_documents_is_dropped_rather_than_answered_with_nothing(
    archive: Retriever,
) -> None:
    found = archive.answer("今年的常委会工作报告中收到多少件提案", today=date(2030, 1, 1))
    assert found.hits
    assert found.applied == "工作报告"  # the year is dropped, the type it names is not


def test_a_document_number_is_exact_and_never_part_of_a_date(archive: Retriever) -> None:
    for written in (
        "江政协办发〔2023〕15号",
        "江政协办发[2023]15号",
        "江政协办发（2023）15号",
        "2023年15号文",
    ):
        found = archive.answer(f"{written}要求什么时候报送", today=TODAY)
        assert [hit.source for hit in found.hits] == ["通知_江政协办发_2023_15.txt"], written
    other_agency = archive.answer("江政协发〔2023〕12号要求什么", today=TODAY)
    assert [hit.source for hit in other_agency.hits] == ["通知_江政协发_2023_12.txt"]
    missing = archive.answer("江政协办发〔2023〕99号文件要求什么时候报送", today=TODAY)
    assert missing.message == "档案中没有江政协办发〔2023〕99号的文件。"


def test_an_article_is_answered_by_that_article(archive: Retriever) -> None:
    for question in ("第十二条是怎么规定的", "提案工作条例第12条的内容"):
        found = archive.answer(question, today=TODAY)
        assert found.hits[0].article == "第十二条"
        assert found.hits[0].text.startswith("第十二条")
        assert found.note == ("已按第十二条检索。" if question.startswith("第") else "已按条例第十二条检索。")


def test_filters_by_year_type_and_speaker(archive: Retriever) -> None:
    hits = archive.search("提案", k=20, years=(2023, 2023), types=["通知"])
    assert hits
    assert all(hit.source.startswith("通知_") and "2023" in (hit.doc_date or "") for hit in hits)
    hits = archive.search("社情民意信息", k=5, speakers=["吴振东"])
    assert {hit.source for hit in hits} == {"常委会工作报告_2022.txt"}
    assert all(hit.speaker == "吴振东" for hit in hits)


def test_newest_first_where_the_question_asks_for_the_latest(archive: Retriever) -> None:
    found = archive.answer("最近一次常委会工作报告中收到提案多少件", today=TODAY)
    assert found.hits[0].source == "常委会工作报告_2025.txt"
    assert found.note == "已按工作报告检索，按日期从新到旧排列。"
    assert archive.answer("最近一次收到提案多少件", today=TODAY).note == "已按日期从新到旧排列。"


def test_the_chat_says_which_constraint_it_applied_and_offers_to_drop_it(
    archive: Retriever, tmp_path: Path
) -> None:
    from qa.ui.chat.conversation import Conversation
    from qa.ui.chat.feedback import FeedbackLog
    from qa.ui.chat.service import UNCONSTRAINED, ChatService

    service = ChatService(archive, FeedbackLog(tmp_path / "feedback.jsonl"))
    answered = service.respond("2024年的常委会工作报告中收到多少件提案", 3, [], Conversation())
    reply = answered.messages[-1]
    assert "已按2024年的工作报告检索" in str(reply["content"])
    assert reply.get("options") == [{"label": UNCONSTRAINED, "value": UNCONSTRAINED}]
    turn = answered.turns[len(answered.messages) - 1]
    assert turn.hits[0].source == "常委会工作报告_2024.txt"
    assert turn.applied == "2024年、工作报告"
    dropped = service.unconstrained(answered)
    again = dropped.turns[len(dropped.messages) - 1]
    assert again.applied == ""
    assert "已按2024年" not in str(dropped.messages[-1]["content"])
    assert len(dropped.messages) == len(answered.messages)  # in place of the constrained answer


def test_the_page_filters_and_the_api_take_years_types_and_speakers(
    archive: Retriever, tmp_path: Path
) -> None:
    from qa.ui.chat.feedback import FeedbackLog
    from qa.ui.chat.filters import Filters, parse_years, speaker_choices, type_choices
    from qa.ui.chat.service import ChatService

    assert parse_years("2020-2024") == (2020, 2024)
    assert parse_years("2024年") == (2024, 2024)
    assert parse_years(" ") is None
    with pytest.raises(ValueError, match="2020-2024"):
        parse_years("去年")
    assert type_choices(archive) == ["工作报告", "条例", "通知"]
    assert set(speaker_choices(archive)) == {"张建国", "吴振东", "李明华", "陈国平", "周晓燕"}
    service = ChatService(archive, FeedbackLog(tmp_path / "feedback.jsonl"))
    result = service.api_search("报送时间", 5, filters=Filters.of("2024", ["通知"], None))
    assert [p["source"] for p in result["passages"]] == ["通知_江政协办发_2024_12.txt"]
    result = service.api_search("2024年报送时间", 5, filters=Filters(constraints=False))
    assert result["applied"] == ""


def test_the_manifest_keeps_the_fields_also_for_documents_a_rebuild_reuses(tmp_path: Path) -> None:
    import shutil

    seeds = tmp_path / "seeds"
    shutil.copytree(CORPUS, seeds)
    index = tmp_path / "index"
    build_index(seeds, index, FakeEmbedder())
    (seeds / "提案工作条例.txt").unlink()
    manifest = build_index(seeds, index, FakeEmbedder())
    assert manifest["build"]["documents_reused"] == 11
    fields = manifest["documents"]["常委会工作报告_2023.txt"]["fields"]
    assert fields == {
        "year": 2023,
        "month": 1,
        "date": "2023-01-09",
        "session": "14届2次",
        "meeting": "政协江城市第十四届委员会第二次会议",
        "speaker": "李明华",
        "doc_type": "工作报告",
    }


def test_the_reference_names_the_speaker_or_the_issuing_authority(archive: Retriever) -> None:
    from qa.ui.citation import reference

    (report,) = archive.search("十四届二次会议的报告中收到多少件提案", k=1, today=TODAY)
    assert reference(report) == (
        "李明华. 政协江城市第十四届委员会常务委员会工作报告——在政协江城市第十四届委员会第二次会议上[Z]. 2023."
    )
    (notice,) = archive.search("江政协办发〔2023〕15号的联系人", k=1, today=TODAY)
    assert reference(notice) == "江城市政协办公室. 江城市政协办公室关于做好2024年提案征集工作的通知[Z]. 2023."


def test_a_named_type_restricts_the_search_and_says_so(archive: Retriever) -> None:
    found = archive.answer("条例中对重点提案由谁领衔督办", today=TODAY)
    assert found.hits
    assert {hit.source for hit in found.hits} == {"提案工作条例.txt"}
    assert found.note == "已按条例检索。"
    assert found.applied == "条例"
    both = archive.answer("2023年的通知要求什么时候报送", today=TODAY)
    assert both.hits and all(hit.source.startswith("通知_") for hit in both.hits)  # no 2023 report
    assert both.note == "已按2023年的通知检索。"
    dropped = archive.answer("条例中对重点提案由谁领衔督办", today=TODAY, constraints=False)
    assert dropped.applied == "" and not dropped.note


def test_a_type_the_archive_does_not_have_is_said_so(archive: Retriever) -> None:
    found = archive.answer("市政协主席在全体会议上的讲话中怎么说提案质量", today=TODAY)
    assert found.hits == []
    assert found.message == "档案中没有讲话。"
    found = archive.answer("2019年的常委会工作报告中办复率是多少", today=TODAY)
    assert found.message == "档案中没有2019年的工作报告。"


class _Unread:
    """Passages that fail when read: the years' postings must be enough."""

    def __init__(self, count: int) -> None:
        self.count = count

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, row: int) -> None:
        raise AssertionError(f"passage {row} was read")

    def __iter__(self) -> None:
        raise AssertionError("every passage was read")


BODY = "要加强委员队伍建设，提高履职能力和水平。"
YEARS_NAMED = {  # file: (its text, the year its passages name, through its title, a heading or its text)
    "a.txt": (f"在2021年县政协工作会议上的讲话\n{BODY}\n", 2021),
    "b.txt": (f"在县政协常委会议上的讲话\n二、2020年工作安排\n{BODY}\n", 2020),
    "c.txt": (f"在县政协全体会议上的讲话\n二〇一八年以来，{BODY}\n", 2018),  # read by the postings only
    "d.txt": (f"在县政协主席会议上的讲话\n2019年，{BODY}\n", 2019),
    "e.txt": (f"在县政协学习会上的讲话\n{BODY}\n", None),
}


def test_the_years_a_passage_names_come_from_the_postings_without_reading_a_passage(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    for name, (text, _) in YEARS_NAMED.items():
        (tmp_path / "docs" / name).write_text(text, encoding="utf-8")
    build_index(tmp_path / "docs", tmp_path / "index", FakeEmbedder())
    fields = Retriever(tmp_path / "index", embedder=FakeEmbedder()).fields
    assert fields.year_rows is not None
    unread = ConstraintIndex(
        fields.fields, fields.titles, fields.passage_docs, _Unread(len(fields.passages)), fields.year_rows
    )  # type: ignore[arg-type]
    scan = ConstraintIndex(fields.fields, fields.titles, fields.passage_docs, fields.passages)
    sources = [p.source for p in fields.passages]
    for year in range(2015, 2026):
        named = unread.naming_years(year, year)
        assert {sources[row] for row in np.flatnonzero(named)} == {
            name for name, (_, named_year) in YEARS_NAMED.items() if named_year == year
        }, year
        if year != 2018:  # "二〇一八年": the digits' reading of every passage misses it
            assert named.tolist() == scan.naming_years(year, year).tolist(), year
    assert {sources[row] for row in np.flatnonzero(unread.naming_years(2019, 2021))} == {
        "a.txt",
        "b.txt",
        "d.txt",
    }


@pytest.mark.parametrize(
    "question",
    [
        "2018年市政协收到提案多少件",
        "2019至2021年的报告",
        "去年的报告",
        "十四届二次会议的工作报告",
        "江政协发〔2023〕12号文件讲了什么",
        "吴振东副主席作的报告",
        "2023年3月的通知",
    ],
)
def test_documents_matched_by_their_groups_of_fields_match_each_document_matched_alone(
    archive: Retriever, question: str
) -> None:
    from qa.retrieve.constraints import document_matches

    index = archive.fields
    asked = read_constraints(question, index.speakers, today=TODAY)
    assert asked.any
    one_by_one = [document_matches(asked, f, t) for f, t in zip(index.fields, index.titles, strict=True)]
    grouped = index._document_matches(asked)
    assert set(grouped) == set(one_by_one[0])
    for kind, matched in grouped.items():
        assert matched.tolist() == [m[kind] for m in one_by_one], kind
    assert len(index._groups[0]) < len(index.fields)


def _reading_no_passage(index: ConstraintIndex, places: Callable[[], PassagePlaces]) -> ConstraintIndex:
    """``index`` with passages that fail when read and the passages' places from ``places``."""
    unread = _Unread(len(index.passages))
    return ConstraintIndex(
        index.fields,
        index.titles,
        index.passage_docs,
        unread,
        index.year_rows,
        places=places,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    "question",
    [
        "十四届二次会议的报告中收到多少件提案",
        "十三届五次会议提出了什么",
        "条例第六条怎么规定的",
        "第二章第八条",
        "第二章讲了什么",
        "条例第九十条",  # no such article: dropped, said
    ],
)
def test_sessions_articles_and_chapters_come_from_the_build_without_reading_a_passage(
    archive: Retriever, question: str
) -> None:
    index = archive.fields
    unread = _reading_no_passage(index, lambda: archive.index.places)
    scan = ConstraintIndex(index.fields, index.titles, index.passage_docs, index.passages, index.year_rows)
    asked = read_constraints(question, index.speakers, today=TODAY)
    assert asked.sessions or asked.articles or asked.chapters
    recorded, read = unread.apply(asked), scan.apply(asked)
    assert recorded.constraints == read.constraints and recorded.note == read.note
    assert (recorded.rows is None) == (read.rows is None)
    if read.rows is not None:
        assert recorded.rows is not None and recorded.rows.tolist() == read.rows.tolist()
        assert 0 < len(read.rows) < len(index.passages)


def test_a_question_naming_no_session_article_or_chapter_gets_no_passage_places(archive: Retriever) -> None:
    def unwanted() -> PassagePlaces:
        raise AssertionError("the passages' places were got")

    unread = _reading_no_passage(archive.fields, unwanted)
    for question in (
        "2023年的报告",
        "去年的通知",
        "吴振东副主席作的报告",
        "江政协发〔2023〕12号文件讲了什么",
    ):
        asked = read_constraints(question, unread.speakers, today=TODAY)
        assert asked.any and unread.apply(asked).rows is not None, question


def test_the_build_records_each_passages_article_chapters_and_sessions(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    for name in ("提案工作条例.txt", "通知_江政协办发_2023_12.txt"):
        (tmp_path / "docs" / name).write_bytes((CORPUS / name).read_bytes())
    (tmp_path / "docs" / "讲话.txt").write_text(
        "在县政协常委会议上的讲话\n一、回顾\n十四届二次会议以来，委员们提交提案三百件。\n"
        "二、任务\n要筹备好十四届常委会第五次会议和十五届一次会议。\n",
        encoding="utf-8",
    )
    build_index(tmp_path / "docs", tmp_path / "index", FakeEmbedder())
    index = Retriever(tmp_path / "index", embedder=FakeEmbedder()).index
    documents = index.manifest["documents"]
    assert documents["讲话.txt"]["places"] == [
        [0, "", [], ["14届2次"]],
        [1, "", [], ["14届常委会5次", "15届1次"]],
    ]
    rules = documents["提案工作条例.txt"]["places"]
    assert len(rules) == documents["提案工作条例.txt"]["passages"]  # each passage in an article
    assert rules[5] == [5, "第六条", ["第二章"], []]
    assert documents["通知_江政协办发_2023_12.txt"]["places"] == []

    # What each asks of a passage, read from the passage itself.
    passages, count = list(index.passages), len(index.passages)
    for articles in (["第六条"], ["第一条", "第八条"], ["第九十条"]):
        expected = [p.article in articles for p in passages]
        assert index.places.in_articles(articles, count).tolist() == expected, articles
    for chapters in (["第一章"], ["第二章"], ["第九章"]):
        expected = [any(h.startswith(tuple(chapters)) for h in p.section_path) for p in passages]
        assert index.places.in_chapters(chapters, count).tolist() == expected, chapters
    for sessions in (["14届2次"], ["15届1次", "13届5次"], ["14届常委会5次"], ["9届9次"]):
        expected = [
            bool(set(find_sessions(" ".join([*p.section_path, p.text]))) & set(sessions)) for p in passages
        ]
        assert index.places.naming_sessions(sessions, count).tolist() == expected, sessions
    assert (
        index.places.in_chapters(["第二章"], count).any()
        and index.places.naming_sessions(["15届1次"], count).any()
    )
    # An index built before builds recorded them reads its passages for the same places.
    unrecorded = {
        source: {k: v for k, v in info.items() if k != "places"} for source, info in documents.items()
    }
    old = dataclasses.replace(index, manifest={**index.manifest, "documents": unrecorded})
    assert old.places.rows.tolist() == index.places.rows.tolist() and len(old.places.rows) > 0
    assert (old.places.articles, old.places.chapters) == (index.places.articles, index.places.chapters)
    assert old.places.sessions == index.places.sessions
