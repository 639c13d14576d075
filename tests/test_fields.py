"""Document fields read at ingestion (``qa.ingest.fields``) and the article each passage belongs to."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.ingest.documents import read_document
from qa.ingest.fields import (
    DocumentFields,
    DocumentNumber,
    document_fields,
    document_type,
    find_document_numbers,
    find_session,
    speaker_name,
)
from qa.passages.cutting import make_passages

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "eval" / "fields" / "corpus"
SEEDS = ROOT / "seeds"
REPORTS = ROOT.parent.parent / "shared" / "corpora" / "gov-work-reports"
if not REPORTS.is_dir():
    REPORTS = Path("/work/shared/corpora/gov-work-reports")


@pytest.mark.parametrize(
    ("text", "session"),
    [
        ("十四届二次会议", "14届2次"),
        ("14届2次会议", "14届2次"),
        ("政协江城市第十四届委员会第二次会议", "14届2次"),
        ("第十三届全国人民代表大会第五次会议", "13届5次"),
        ("在市政协十届十四次常委会会议上的讲话", "10届常委会14次"),
        ("十四届市政协常委会第五次会议", "14届常委会5次"),
        ("第十四届委员会常务委员会工作报告", ""),  # a term, no session
        ("提高20%，投入3000万元", ""),
    ],
)
def test_sessions_are_read_in_either_numerals(text: str, session: str) -> None:
    assert find_session(text) == session


@pytest.mark.parametrize(
    "written",
    [
        "临政协办发〔2023〕12号",
        "临政协办发[2023]12号",
        "临政协办发（2023）12号",
        "临政协办发(2023)第12号",
        "临政协办发［2023］12号",
        "临政协办发2023年12号",
    ],
)
def test_a_document_number_is_the_same_however_it_is_bracketed(written: str) -> None:
    assert find_document_numbers(written) == [DocumentNumber("临政协办发", 2023, 12)]


def test_a_document_number_without_its_agency_matches_any_agency_but_not_another_number() -> None:
    (bare,) = find_document_numbers("〔2023〕12号")
    assert bare.matches(DocumentNumber("临政协办发", 2023, 12))
    assert not bare.matches(DocumentNumber("临政协办发", 2023, 15))
    assert not DocumentNumber("江政协发", 2023, 12).matches(DocumentNumber("江政协办发", 2023, 12))
    assert find_document_numbers("2023年12号文") == [DocumentNumber("", 2023, 12)]


@pytest.mark.parametrize("text", ["请于12月15日前报送", "2023年12月15日", "2023年12号", "提高20%，3000万元"])
def test_a_date_or_an_amount_is_no_document_number(text: str) -> None:
    assert find_document_numbers(text) == []


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("市政协主席 张三", "张三"),
        ("江城市政协副主席 吴振东", "吴振东"),
        ("——吴振东", "吴振东"),
        ("国务院总理 李克强", "李克强"),
        ("国务院总理\u3000李\u3000强", "李强"),
        ("（市委书记：李四）", "李四"),
        ("结束语", ""),
        ("市政协办公室", ""),
    ],
)
def test_the_speakers_name_is_read_from_a_speaker_line(line: str, name: str) -> None:
    assert speaker_name(line) == name


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("政协江城市第十四届委员会常务委员会工作报告", "工作报告"),
        ("第十三届全国人民代表大会第二次会议关于政府工作报告的决议", "决议"),
        ("在市政协工作座谈会上的讲话", "讲话"),
        ("江城市政协办公室关于报送2023年度委员履职情况的通知", "通知"),
        ("关于加强基层协商的意见", "意见"),
        ("关于加快发展托育服务的提案", "提案"),
        ("江城市政协提案工作条例", "条例"),
    ],
)
def test_the_document_type_comes_from_the_title(title: str, kind: str) -> None:
    assert document_type(title) == kind


def test_a_speech_names_its_speaker_and_meeting_in_the_title() -> None:
    fields = document_fields("吴振东同志在市政协十四届二次会议闭幕会上的讲话", "2024-01-12", {})
    assert (fields.speaker, fields.session, fields.year, fields.month) == ("吴振东", "14届2次", 2024, 1)
    assert fields.meeting == "市政协十四届二次会议"
    assert fields.doc_type == "讲话"


def test_a_session_the_body_mentions_is_not_the_documents_own() -> None:
    body = ["全面落实六届七次全会明确的六个方面重点任务，" * 3]
    assert document_fields("在全市政协党建工作会议上的讲话", "2025", {}, body).session == ""


def test_fields_round_trip_through_json_and_unknown_names_are_ignored() -> None:
    fields = DocumentFields(year=2023, session="14届2次", speaker="李明华")
    assert DocumentFields.from_json(fields.to_json() | {"future": 1}) == fields
    assert fields.to_json() == {"year": 2023, "session": "14届2次", "speaker": "李明华"}


def test_the_annual_reports_and_notices_of_the_fixture_collection() -> None:
    report = read_document(CORPUS / "常委会工作报告_2023.txt").fields
    assert (report.date, report.session, report.speaker, report.doc_type) == (
        "2023-01-09",
        "14届2次",
        "李明华",
        "工作报告",
    )
    notice = read_document(CORPUS / "通知_江政协办发_2023_12.txt").fields
    assert (notice.doc_number, notice.authority, notice.doc_type, notice.year) == (
        "江政协办发〔2023〕12号",
        "江城市政协办公室",
        "通知",
        2023,
    )
    other = read_document(CORPUS / "通知_江政协发_2023_12.txt").fields
    assert other.doc_number == "江政协发〔2023〕12号"
    assert other.authority == "政协江城市委员会"


def test_every_passage_of_a_regulation_knows_its_article_and_chapter() -> None:
    passages = make_passages(read_document(CORPUS / "提案工作条例.txt"))
    twelfth = [p for p in passages if p.article == "第十二条"]
    assert len(twelfth) == 1
    assert twelfth[0].text.startswith("第十二条")
    assert twelfth[0].section_path == ("第二章 提案的提出",)
    assert len({p.article for p in passages}) == 36


def test_an_articles_items_belong_to_it(tmp_path: Path) -> None:
    text = "\n".join(
        [
            "江城市政协委员履职管理办法",
            "第一章 总则",
            "第一条 为规范委员履职，制定本办法。",
            "第二条 委员应当履行下列职责：",
            "（一）参加政协全体会议和有关活动，认真学习，不断提高履职能力和水平；",
            "（二）深入调查研究，提出提案，反映社情民意，积极建言献策，并及时报告履职情况；",
            "第二章 考核",
            "委员履职情况每年考核一次，考核结果记入履职档案，作为评先评优和连任的重要依据。",
        ]
    )
    (tmp_path / "办法.txt").write_text(text, encoding="utf-8")
    passages = make_passages(read_document(tmp_path / "办法.txt"))
    items = [p for p in passages if "调查研究" in p.text]
    assert [p.article for p in items] == ["第二条"]
    after = [p for p in passages if "考核结果" in p.text]
    assert [p.article for p in after] == [""]  # a new chapter: no longer the second article


@pytest.mark.skipif(not REPORTS.is_dir(), reason=f"{REPORTS} (the shared corpora) is absent")
def test_the_government_work_reports_have_a_year_a_type_and_the_recent_ones_a_session() -> None:
    fields = {path.name: read_document(path).fields for path in sorted(REPORTS.glob("*.txt"))}
    assert len(fields) == 72
    assert all(f.year for f in fields.values())
    kinds = {f.doc_type for f in fields.values()}
    assert kinds == {"工作报告", "决议"}
    report = fields["2022年中华人民共和国国务院政府工作报告.txt"]
    assert (report.session, report.speaker, report.date) == ("13届5次", "李克强", "2022-03-05")
    assert fields["2024年中华人民共和国国务院政府工作报告.txt"].speaker == "李强"
    resolution = fields["第十三届全国人民代表大会第二次会议关于政府工作报告的决议.txt"]
    assert (resolution.session, resolution.year, resolution.doc_type) == ("13届2次", 2019, "决议")
    assert not any(f.speaker == "结束语" for f in fields.values())


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the seeds folder is absent")
def test_the_seed_speeches_are_speeches_and_the_standing_committee_session_is_read() -> None:
    fields = {path.name: read_document(path).fields for path in sorted(SEEDS.glob("*.txt"))}
    assert {f.doc_type for f in fields.values()} == {"讲话"}
    assert fields["004_d709b2b97a0ad8c6.txt"].session == "10届常委会14次"
    assert fields["002_918bf7343061484a.txt"].session == ""  # "六届七次全会" is in the body


def test_a_regulations_passage_is_cited_by_chapter_and_article_in_every_style() -> None:
    from qa.retrieve.hit import Hit
    from qa.ui.citation import cite
    from qa.ui.reader import document
    from qa.ui.render import attribution

    passages = make_passages(read_document(CORPUS / "提案工作条例.txt"))
    passage = next(p for p in passages if p.article == "第十二条")
    hit = Hit.from_passage(passage, 1.0)
    assert attribution(hit).endswith("第二章第十二条")
    assert cite(hit).startswith("《江城市政协提案工作条例》（2024年1月15日），第二章第十二条：“第十二条")
    assert cite(hit, "gbt7714").splitlines()[0].endswith("（第二章第十二条）")
    assert '<span class="qa-doc-n">第十二条' in document(passages, passage.passage_id, [])


def test_qa_inspect_shows_the_fields_and_the_articles(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from qa.cli.main import main

    assert main(["inspect", str(CORPUS / "常委会工作报告_2024.txt")]) == 0
    assert "fields: 日期 2024-01-15 · 届次 14届3次" in capsys.readouterr().out
    assert main(["inspect", "--json", str(CORPUS / "提案工作条例.txt")]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["fields"]["doc_type"] == "条例"
    assert record["paragraphs"][11]["article"] == "第十二条"
