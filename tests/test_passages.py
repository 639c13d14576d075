"""Cutting cleaned documents into passages: sections, splitting, merging, ids, numbers and offsets."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from qa.ingest.documents import Document, read_document
from qa.ingest.tracked import TrackedText, source_lines
from qa.passages.cutting import ChunkSettings, Passage, heading_of, make_passages, sentences_of, split_long

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
SEED_FILES = sorted(p.name for p in SEEDS.glob("*.txt"))
SENTENCE_FINAL = "。！？!?；;"


def make_document(lines: list[str], source: str = "t.txt") -> tuple[Document, str]:
    """A document whose paragraphs are ``lines``, tracked into the text they were joined into."""
    text = "\n".join(lines)
    document = Document(
        source=source, title="测试讲话", date=None, sha256="0" * 64, paragraphs=tuple(source_lines(text))
    )
    return document, text


def sentence(char: str, length: int) -> str:
    """A sentence of ``length`` characters ending with a full stop."""
    return char * (length - 1) + "。"


def seed(name: str) -> tuple[Document, list[Passage], str]:
    document = read_document(SEEDS / name)
    return document, make_passages(document, ChunkSettings()), (SEEDS / name).read_text(encoding="utf-8")


def containing(passages: list[Passage], needle: str) -> list[Passage]:
    found = [p for p in passages if needle in p.text]
    assert found, needle
    return found


# --- sections ------------------------------------------------------------------------------------


def test_seed_001_passage_carries_its_lead_heading_and_the_outer_section() -> None:
    _, passages, _ = seed("001_ec7618cb6664527d.txt")
    for passage in containing(passages, "要提高履职能力"):
        assert passage.section == "三是切实强化政协委员责任担当"
        assert passage.section_path[0].startswith("二、把握工作重点")
        assert passage.section_path[-1] == passage.section


def test_seed_000_paragraph_opening_with_yi_yao_is_its_own_section() -> None:
    _, passages, _ = seed("000_c94c20506ab01715.txt")
    opening = [p for p in passages if p.text.startswith("一要旗帜鲜明讲政治")]
    assert len(opening) == 1
    assert opening[0].section == "一要旗帜鲜明讲政治"
    # The rest of the same paragraph keeps the section.
    rest = [p for p in passages if p.paragraph == opening[0].paragraph]
    assert all(p.section == "一要旗帜鲜明讲政治" for p in rest)


def test_seed_002_parenthesised_lead_heading_is_the_section() -> None:
    _, passages, _ = seed("002_918bf7343061484a.txt")
    for passage in containing(passages, "要进一步健全组织体系"):
        assert passage.section == "(三)要优化功能协同发力,在组织建设上提质效"
        assert passage.section_path[0].startswith("二、聚焦重点任务")


@pytest.mark.parametrize(
    ("name", "closing"),
    [
        ("000_c94c20506ab01715.txt", "各位委员、同志们，人民政协事业是党的事业的重要组成部分"),
        ("000_c94c20506ab01715.txt", "各位委员、同志们，让我们坚持"),
        ("001_ec7618cb6664527d.txt", "同志们,做好新时代人民政协工作责任重大"),
    ],
)
def test_closing_words_to_comrades_belong_to_no_section(name: str, closing: str) -> None:
    _, passages, _ = seed(name)
    for passage in containing(passages, closing):
        assert passage.section is None
        assert passage.section_path == ()


@pytest.mark.parametrize("name", SEED_FILES)
def test_standalone_heading_lines_are_never_passages(name: str) -> None:
    document, passages, _ = seed(name)
    headings = [p.text for p in document.paragraphs if (found := heading_of(p.text)) and found[2]]
    for heading in headings:
        assert not any(heading in p.text for p in passages), heading
    assert not any(re.match(r"[一二三四五六七八九十]+、", p.text) for p in passages)


def test_seed_001_has_its_three_numbered_parts_as_outer_sections() -> None:
    _, passages, _ = seed("001_ec7618cb6664527d.txt")
    outer = {p.section_path[0][:2] for p in passages if p.section_path}
    assert outer == {"一、", "二、", "三、"}


def test_heading_levels_nest_and_a_new_outer_heading_resets_inner_ones() -> None:
    document, _ = make_document(
        [
            "一、总体要求",
            "(一)坚持党的领导",
            "要把党的领导贯穿政协工作全过程各方面,确保政协工作始终沿着正确政治方向前进。",
            "二、重点任务",
            "一是要加强调查研究。要深入基层、深入群众,摸清实情,提出务实管用的意见建议。",
            "要完善协商议政格局,推动协商成果转化运用。要加强同各方面的联系,广泛凝聚共识。",
            "同志们,让我们团结一心、开拓进取,奋力开创政协工作新局面!",
        ]
    )
    passages = make_passages(document, ChunkSettings(min_chars=10))
    assert [(p.section_path, p.text[:4]) for p in passages] == [
        (("一、总体要求", "(一)坚持党的领导"), "要把党的"),
        (("二、重点任务", "一是要加强调查研究"), "一是要加"),
        (("二、重点任务", "一是要加强调查研究"), "要完善协"),
        ((), "同志们,"),
    ]


def test_heading_paragraphs_are_not_counted_as_numbered_paragraphs() -> None:
    document, _ = make_document(["一、总体要求", sentence("甲", 80), "二、重点任务", sentence("乙", 80)])
    passages = make_passages(document)
    assert [(p.paragraph, p.section) for p in passages] == [(1, "一、总体要求"), (2, "二、重点任务")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("一、提高政治站位,切实把思想统一起来", (1, "一、提高政治站位,切实把思想统一起来", True)),
        ("(二)深入贯彻落实全会精神。", (2, "(二)深入贯彻落实全会精神", True)),
        ("第三部分 工作安排", (1, "第三部分 工作安排", True)),
        (
            "(三)要优化功能协同发力,在组织建设上提质效。的力量来自组织。",
            (2, "(三)要优化功能协同发力,在组织建设上提质效", False),
        ),
        ("三要广泛凝聚正能量。全市各级政协组织要坚持团结。", (3, "三要广泛凝聚正能量", False)),
        ("二是要深刻把握宝贵经验。习近平总书记指出。", (3, "二是要深刻把握宝贵经验", False)),
        ("要加强团结。", None),
        ("一、要加强团结。要凝聚共识。", None),
    ],
)
def test_heading_of_recognises_the_heading_styles_of_speeches(
    text: str, expected: tuple[int, str, bool] | None
) -> None:
    assert heading_of(text) == expected


# --- splitting long paragraphs ----------------------------------------------------------------------


def test_long_paragraph_is_split_at_sentence_ends_without_losing_characters() -> None:
    text = "".join(
        sentence(c, n) for c, n in zip("甲乙丙丁戊己庚辛", [70, 90, 40, 120, 60, 80, 50, 100], strict=True)
    )
    pieces = split_long(TrackedText.from_source(text), 200)
    assert len(pieces) >= 3
    assert "".join(p.text for p in pieces) == text
    assert all(p.text[-1] in SENTENCE_FINAL for p in pieces)
    assert all(len(p) <= 250 for p in pieces)


def test_short_paragraph_is_not_split() -> None:
    text = TrackedText.from_source(sentence("甲", 200), 5)
    assert split_long(text, 200) == [text]


def test_sentence_without_punctuation_is_hard_wrapped_a_quarter_over_max_chars() -> None:
    text = "政" * 730
    pieces = split_long(TrackedText.from_source(text), 300)
    assert "".join(p.text for p in pieces) == text
    assert [len(p) for p in pieces] == [375, 355]


def test_overlong_sentence_is_split_at_clause_marks_first() -> None:
    text = "，".join("协" * 49 for _ in range(8)) + "。"
    pieces = split_long(TrackedText.from_source(text), 120)
    assert "".join(p.text for p in pieces) == text
    assert all(p.text[-1] in "，。" for p in pieces)


def test_a_quotation_holding_several_sentences_is_never_cut_inside() -> None:
    quote = "“" + sentence("甲", 80) + sentence("乙", 80) + "”"
    text = sentence("丙", 90) + "他说：" + quote + sentence("丁", 90) + sentence("戊", 90)
    pieces = [p.text for p in split_long(TrackedText.from_source(text), 150)]
    assert "".join(pieces) == text
    assert any(quote in piece for piece in pieces)
    assert not any(piece[0] in "”，" for piece in pieces)


def test_a_closing_quote_after_a_full_stop_stays_with_its_sentence() -> None:
    text = "他说：“" + sentence("甲", 100) + "”" + sentence("乙", 100) + sentence("丙", 100)
    pieces = [p.text for p in split_long(TrackedText.from_source(text), 150)]
    assert pieces[0].endswith("。”")
    assert not any(piece.startswith("”") for piece in pieces)


def test_a_sentence_that_goes_on_after_a_closing_quote_is_not_cut_there() -> None:
    # “……！”，…: the exclamation ends the quotation, not the sentence.
    text = "“" + sentence("甲", 100)[:-1] + "！”，" + sentence("乙", 100) + sentence("丙", 120)
    pieces = [p.text for p in split_long(TrackedText.from_source(text), 250)]
    assert not any(piece.startswith("，") for piece in pieces)
    assert pieces[0].endswith("乙。")


def test_a_long_paragraph_is_not_cut_at_commas_when_sentences_end_near_the_limit() -> None:
    text = "，".join("协" * 20 for _ in range(6)) + "。" + "，".join("商" * 20 for _ in range(6)) + "。"
    pieces = [p.text for p in split_long(TrackedText.from_source(text), 200)]
    assert all(piece.endswith("。") for piece in pieces)


def test_an_overlong_sentence_is_cut_at_the_clause_end_nearest_the_limit() -> None:
    text = "，".join("协" * 29 for _ in range(10)) + "。"  # one sentence of 300 characters
    pieces = [p.text for p in split_long(TrackedText.from_source(text), 100)]
    assert "".join(pieces) == text
    # The limit is a quarter over max_chars (125): four clauses of 30, never three.
    assert [len(p) for p in pieces] == [120, 120, 60]


def test_sentences_of_keeps_a_quotation_whole_and_its_closing_mark() -> None:
    text = "他说：“团结就是力量。团结才能胜利。”我们要牢记。"
    assert sentences_of(text) == ["他说：“团结就是力量。团结才能胜利。”", "我们要牢记。"]


def test_pieces_of_one_paragraph_are_numbered_and_merged_with_nothing() -> None:
    long = "".join(sentence(c, 100) for c in "甲乙丙丁戊己")  # 600 characters: two pieces
    document, _ = make_document(["短段。", long, "另一段内容。"])
    passages = make_passages(document, ChunkSettings(max_chars=450, min_chars=60))
    pieces = [p for p in passages if p.paragraph == 2]
    assert [(p.part, p.parts) for p in pieces] == [(1, 2), (2, 2)]
    assert all(p.paragraph_end == 2 for p in pieces)
    whole = [p for p in passages if p.paragraph != 2]
    assert all((p.part, p.parts) == (0, 0) for p in whole)


def test_split_pieces_keep_their_source_offsets() -> None:
    text = "".join(sentence(c, 100) for c in "甲乙丙")
    for piece in split_long(TrackedText.from_source(text, 1000), 120):
        assert text[piece.start - 1000 : piece.end - 1000] == piece.text


def test_split_long_never_makes_a_piece_longer_than_a_quarter_over_max_chars() -> None:
    # Three sentences that each fit in max_chars; no piece needs to exceed it by more than 25 %.
    text = sentence("甲", 150) + sentence("乙", 299) + sentence("丙", 151)
    pieces = split_long(TrackedText.from_source(text), 300)
    assert [len(p) for p in pieces if len(p) > 375] == []


@pytest.mark.parametrize("max_chars", [300, 120])
def test_no_seed_passage_exceeds_a_quarter_over_max_chars(max_chars: int) -> None:
    settings = ChunkSettings(max_chars=max_chars, min_chars=60)
    lengths = {
        p.passage_id: len(p.text.replace("\n", ""))
        for name in SEED_FILES
        for p in make_passages(read_document(SEEDS / name), settings)
    }
    assert {pid: n for pid, n in lengths.items() if n > max_chars * 1.25} == {}


@pytest.mark.parametrize("name", SEED_FILES)
def test_split_seed_paragraphs_end_each_piece_at_a_sentence_end(name: str) -> None:
    _, passages, _ = seed(name)
    last_of_paragraph = {p.paragraph_end: p.passage_id for p in passages}
    for passage in passages:
        if passage.passage_id != last_of_paragraph[passage.paragraph_end]:
            assert passage.text[-1] in SENTENCE_FINAL, passage.passage_id


# --- merging tiny lines ---------------------------------------------------------------------------


def test_seed_001_tiny_list_lines_are_merged_never_passages_of_their_own() -> None:
    _, passages, _ = seed("001_ec7618cb6664527d.txt")
    for item in ["坚持人民政协为人民;", "广泛凝聚人心和力量;", "准确把握人民政协性质定位;"]:
        assert not any(p.text == item for p in passages)
        (holder,) = containing(passages, item)
        assert holder.paragraph < holder.paragraph_end
        assert len(holder.text) > 3 * len(item)


def test_tiny_lines_are_merged_into_a_neighbour_with_a_line_break() -> None:
    long_line = "要围绕中心工作深入调查研究,积极建言献策,为党委政府科学决策提供参考,推动决策部署落地见效。"
    document, _ = make_document([long_line, "坚持人民政协为人民;", "坚持团结和民主两大主题;"])
    (passage,) = make_passages(document)
    assert passage.text == f"{long_line}\n坚持人民政协为人民;\n坚持团结和民主两大主题;"
    assert (passage.paragraph, passage.paragraph_end) == (1, 3)


def test_tiny_line_is_not_merged_across_a_section_boundary() -> None:
    before = sentence("甲", 100)
    document, _ = make_document(
        ["一、总体要求", before, "二、重点任务", "坚持人民政协为人民;", sentence("乙", 100)]
    )
    passages = make_passages(document)
    assert passages[0].text == before
    assert passages[1].text.startswith("坚持人民政协为人民;\n")
    assert passages[1].section == "二、重点任务"


def test_merging_stops_before_a_passage_would_grow_past_a_quarter_over_max_chars() -> None:
    document, _ = make_document([sentence("甲", 290), "坚持人民政协为人民;", sentence("乙", 290)])
    passages = make_passages(document, ChunkSettings(max_chars=300, min_chars=60))
    assert all(len(p.text.replace("\n", "")) <= 375 for p in passages)
    assert not any(p.text == "坚持人民政协为人民;" for p in passages)


# --- ids, paragraph numbers -------------------------------------------------------------------------


def test_passage_ids_are_unique_across_all_seeds() -> None:
    ids = [p.passage_id for name in SEED_FILES for p in seed(name)[1]]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"\d{3}_[0-9a-f]{16}\.txt#\d+\.\d+", i) for i in ids)


@pytest.mark.parametrize("name", SEED_FILES)
def test_passages_are_identical_across_two_runs(name: str) -> None:
    first = seed(name)[1]
    second = seed(name)[1]
    assert [p.to_json() for p in first] == [p.to_json() for p in second]


@pytest.mark.parametrize("name", SEED_FILES)
def test_paragraph_numbers_start_at_one_and_cover_every_paragraph_in_order(name: str) -> None:
    _, passages, _ = seed(name)
    assert passages[0].paragraph == 1
    for previous, current in itertools.pairwise(passages):
        assert previous.paragraph <= previous.paragraph_end
        assert current.paragraph in (previous.paragraph_end, previous.paragraph_end + 1)
    for passage in passages:
        assert passage.passage_id.startswith(f"{name}#{passage.paragraph}.")


def test_parts_of_one_paragraph_are_numbered_in_order() -> None:
    document, _ = make_document([sentence("甲", 150), "".join(sentence(c, 150) for c in "乙丙丁")])
    ids = [p.passage_id for p in make_passages(document, ChunkSettings(max_chars=200))]
    assert ids == ["t.txt#1.1", "t.txt#2.1", "t.txt#2.2", "t.txt#2.3"]


def test_passage_json_round_trips() -> None:
    _, passages, _ = seed("001_ec7618cb6664527d.txt")
    for passage in passages:
        assert Passage.from_json(passage.to_json()) == passage


# --- offsets -----------------------------------------------------------------------------------------


def is_subsequence(needle: str, haystack: str) -> bool:
    characters = iter(haystack)
    return all(char in characters for char in needle)


@pytest.mark.parametrize("name", SEED_FILES)
def test_every_passage_lies_inside_its_recorded_source_span(name: str) -> None:
    _, passages, source = seed(name)
    for passage in passages:
        assert 0 <= passage.start < passage.end <= len(source)
        span = source[passage.start : passage.end]
        assert span[0] == passage.text[0]
        assert span[-1] == passage.text[-1]
        assert is_subsequence(passage.text.replace("\n", ""), span), passage.passage_id


@pytest.mark.parametrize("name", SEED_FILES)
def test_passages_without_stitching_or_elision_are_exact_source_slices(name: str) -> None:
    _, passages, source = seed(name)
    exact = 0
    for passage in passages:
        span = source[passage.start : passage.end]
        if re.search(r"\n\s*\d{1,3}、", span) or "略" in span:
            continue  # page fragments were joined or "……略……" was shortened
        assert re.sub(r"\s*\n\s*", "\n", span) == passage.text, passage.passage_id
        exact += 1
    stitched_everywhere = name.startswith("003_")  # its whole body is page fragments
    assert exact >= 1 or stitched_everywhere


def test_most_seed_passages_are_exact_source_slices() -> None:
    total = exact = 0
    for name in SEED_FILES:
        _, passages, source = seed(name)
        total += len(passages)
        exact += sum(source[p.start : p.end] == p.text for p in passages)
    assert exact >= 0.8 * total


def test_seed_003_stitched_passage_spans_the_page_break_it_joined() -> None:
    _, passages, source = seed("003_e9d8012ddcf1e712.txt")
    (passage,) = containing(passages, "科学精准推进,创新打造")
    span = source[passage.start : passage.end]
    assert "推\n\n2、进" in span
    assert span.replace("\n\n2、", "") == passage.text


def test_passage_offsets_on_a_synthetic_document() -> None:
    lines = ["一、总体要求", sentence("甲", 100), "坚持人民政协为人民;"]
    document, text = make_document(lines)
    (passage,) = make_passages(document)
    assert passage.start == text.index("甲")
    assert passage.end == len(text)
    assert text[passage.start : passage.end] == passage.text
