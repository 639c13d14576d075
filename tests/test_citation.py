"""Citations ready to paste: full-width punctuation, nested quotes, a findable place, two styles.

The hits are real: the seeds indexed with the fake embedder, each passage found by quoting
a phrase of it (quoted phrases are answered whatever the relevance gate says).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace

import pytest

from qa.retrieve.hit import Hit
from qa.retrieve.retriever import Retriever
from qa.ui import render
from qa.ui.citation import (
    chinese_date,
    chinese_numeral,
    cite,
    full_width,
    paragraph_number,
    place,
    reference,
    section_label,
    source,
)

HALF_WIDTH_BETWEEN_CHINESE = re.compile(r"[\u4e00-\u9fff][,;:?!()][\u4e00-\u9fff]")


@pytest.fixture
def hit_with(fake_seeds_retriever: Retriever):
    def find(phrase: str) -> Hit:
        hits = fake_seeds_retriever.search(f"“{phrase}”", k=1)
        assert hits, phrase
        return hits[0]

    return find


def quotation(citation: str) -> str:
    return citation[citation.index("“") :]


def test_plain_citation_of_a_list_gives_its_paragraphs_in_the_document_and_names_its_section(
    hit_with,
) -> None:
    hit = hit_with("二是要深刻把握宝贵经验")  # 001: one passage of eight list lines, paragraphs 9–16
    assert (hit.paragraph, hit.paragraph_end) == (9, 16)
    out = cite(hit)
    assert out.startswith(
        "《2022年在市委政协工作会议上讲话》（2022年），第9—16段（一、提高政治站位……部分）：“二是要深刻把握宝贵经验。"
    )
    assert "部分第" not in out  # never a number counted within the section
    assert "\n" not in out


def test_the_pieces_of_a_split_paragraph_are_cited_apart_by_the_paragraphs_number_in_the_document(
    hit_with,
) -> None:
    first, second = hit_with("要锤炼品格强化忠诚"), hit_with("要进一步健全完善组成员联系")  # 002 paragraph 4
    assert (first.paragraph, second.paragraph) == (4, 4) and (first.parts, second.parts) == (2, 2)
    assert "，第4段之一（二、聚焦重点任务……部分）：“" in cite(first)
    assert "，第4段之二（二、聚焦重点任务……部分）：“要进一步健全" in cite(second)
    assert place(first) != place(second)


def test_half_width_punctuation_of_the_source_becomes_full_width(hit_with) -> None:
    hit = hit_with("近年来,市委认真贯彻落实")  # 001 is written with half-width , ; :
    assert "," in hit.text
    out = cite(hit)
    assert not HALF_WIDTH_BETWEEN_CHINESE.search(out)
    assert "近年来，市委认真贯彻落实" in out


def test_the_passages_own_quotes_become_single_quotes_inside_the_citation(hit_with) -> None:
    hit = hit_with("会协商”就是要遵循规则")  # 001: the passage opens with “会协商”
    out = cite(hit)
    assert "：“‘会协商’就是要遵循规则" in out
    assert "““" not in out and "””" not in out
    assert quotation(out).count("“") == 1 and out.endswith("”")


def test_no_empty_date_slot_when_the_document_has_no_date(hit_with) -> None:
    hit = hit_with("一要旗帜鲜明讲政治")  # 000 has no date; its "一要…" opens a paragraph, no section
    assert hit.doc_date is None
    out = cite(hit)
    assert out.startswith("《在市政协工作座谈会上的讲话》，第2段：“一要旗帜鲜明讲政治。")
    assert "（）" not in out and "()" not in out
    assert cite(hit, "gbt7714").endswith("\n在市政协工作座谈会上的讲话[Z].")  # no year, no placeholder


def test_full_date_is_written_the_chinese_way(hit_with) -> None:
    out = cite(hit_with("本次常委会议在大家的共同努力下"))
    assert out.startswith("《在市政协十届十四次常委会会议上的讲话》（2024年12月27日），第1段：“本次常委会议")


def test_title_punctuation_is_full_width_in_the_plain_style(hit_with) -> None:
    out = cite(hit_with("紧抓职责所系"))  # 003's title: "座谈发言:以高质量政协履职…"
    assert out.startswith("《座谈发言：以高质量政协履职助推经济社会高质量发展")


def test_gbt7714_gives_the_quotation_with_its_place_then_the_reference_entry(hit_with) -> None:
    hit = hit_with("(一)深入学习贯彻习近平总书记在庆祝")
    quote, entry = cite(hit, "gbt7714").split("\n")
    assert quote.startswith("“（一）深入学习贯彻习近平总书记在庆祝")
    assert quote.endswith("”（第2段，一、认真学习深刻领会……部分）")  # no brackets inside the brackets
    assert entry == "在市政协十届十四次常委会会议上的讲话[Z]. 2024."
    assert "不详" not in entry and "[出版" not in entry


def test_gbt7714_entry_names_the_speaker_when_the_hit_knows_one(hit_with) -> None:
    hit = hit_with("本次常委会议在大家的共同努力下")

    @dataclass(frozen=True)
    class Spoken(Hit):
        speaker: str = ""

    spoken = Spoken(**{**asdict(hit), "speaker": "张三"})
    assert reference(spoken) == "张三. 在市政协十届十四次常委会会议上的讲话[Z]. 2024."
    assert reference(hit) == "在市政协十届十四次常委会会议上的讲话[Z]. 2024."


def test_unknown_style_is_refused(hit_with) -> None:
    with pytest.raises(ValueError, match="gbt7714"):
        cite(hit_with("本次常委会议在大家的共同努力下"), "apa")  # type: ignore[arg-type]


def test_render_citation_delegates_and_the_card_copies_the_chosen_style(hit_with) -> None:
    hit = hit_with("本次常委会议在大家的共同努力下")
    assert render.citation(hit) == cite(hit)
    assert render.escape(cite(hit, "gbt7714")) not in render.card(1, hit)
    assert "讲话[Z]. 2024." in render.card(1, hit, style="gbt7714")


def test_source_line_shows_the_title_never_the_file_name_unless_asked(hit_with) -> None:
    hit = hit_with("本次常委会议在大家的共同努力下")
    assert render.attribution(hit) == "《在市政协十届十四次常委会会议上的讲话》 · 2024年12月27日 · 第1段"
    assert render.attribution(hit, with_file=True).endswith(" · 004_d709b2b97a0ad8c6.txt")
    card = render.card(1, hit)
    source = re.search(r'<div class="qa-source">(.*?)</div>', card)
    assert source
    shown = re.sub(r"<[^>]*>", "", source.group(1))  # the text a reader sees
    assert shown == "《在市政协十届十四次常委会会议上的讲话》 · 2024年12月27日 · 第1段"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("市委,市政府;委员:好?是!", "市委，市政府；委员：好？是！"),
        ("增长8.1%,城镇新增就业", "增长8.1%，城镇新增就业"),
        ("政协 , 委员", "政协，委员"),
        ("委员“三进”(进社区、进企业)活动", "委员“三进”（进社区、进企业）活动"),
        ('要做到"懂政协"', "要做到“懂政协”"),
        ("共1,269万人", "共1,269万人"),
        ("上午9:30开会", "上午9:30开会"),
        ("Python 3.11 (CPU)", "Python 3.11 (CPU)"),
    ],
)
def test_full_width_converts_marks_of_chinese_text_only(text: str, expected: str) -> None:
    assert full_width(text) == expected


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        ("2025-03-12", "2025年3月12日"),
        ("2022", "2022年"),
        (None, ""),
        ("", ""),
        ("2023年5月6日", "2023年5月6日"),
        ("2023-05", "2023年5月"),
        ("2023/5/6", "2023年5月6日"),
        ("2023年05月06日", "2023年5月6日"),
    ],
)
def test_chinese_date(date: str | None, expected: str) -> None:
    assert chinese_date(date) == expected


def test_long_headings_are_cited_by_their_first_clause_and_chapters_by_number() -> None:
    assert section_label("一、提高政治站位,切实把思想和行动统一到重要思想上来") == "一、提高政治站位……部分"
    assert section_label("二、履职尽责") == "二、履职尽责部分"
    assert section_label("第三部分 加强自身建设") == "第三部分"


@pytest.mark.parametrize(
    ("number", "expected"), [(1, "一"), (2, "二"), (10, "十"), (12, "十二"), (20, "二十"), (99, "九十九")]
)
def test_chinese_numeral(number: int, expected: str) -> None:
    assert chinese_numeral(number) == expected


def test_one_numbering_for_whole_merged_and_split_paragraphs_and_pages(hit_with) -> None:
    hit = hit_with("本次常委会议在大家的共同努力下")
    assert paragraph_number(replace(hit, paragraph=32, paragraph_end=32)) == "第32段"
    assert paragraph_number(replace(hit, paragraph=9, paragraph_end=16)) == "第9—16段"
    assert paragraph_number(replace(hit, paragraph=4, paragraph_end=4, part=2, parts=3)) == "第4段之二"
    in_section = replace(hit, paragraph=32, paragraph_end=32, section_path=("三、加强自身建设",))
    assert place(in_section) == "第32段（三、加强自身建设部分）"
    assert place(replace(in_section, page_label="第12页")) == "第12页，第32段（三、加强自身建设部分）"
    assert place(in_section, nested=True) == "第32段，三、加强自身建设部分"


def test_the_source_line_is_the_citation_without_the_quotation(hit_with) -> None:
    hit = hit_with("本次常委会议在大家的共同努力下")
    assert cite(hit) == source(hit) + "：" + cite(hit)[len(source(hit)) + 1 :]
    assert "本次常委会议" not in source(hit) and "本次常委会议" not in source(hit, "gbt7714")
    assert source(hit, "gbt7714").splitlines() == ["第1段", "在市政协十届十四次常委会会议上的讲话[Z]. 2024."]
