"""Damaged source text is flagged: seed 002 was published with 党, 政治, 习近平 … removed.

The passages are the committed index's (``index/passages.jsonl``), cut from the real seeds.
"""

from __future__ import annotations

import json
from collections import defaultdict

import pytest
from conftest import INDEX

from qa.passages.cutting import Passage
from qa.passages.damage import NOTICE, find_gaps, gapped_forms, missing_words, suspected_gaps
from qa.passages.reliability import document_missing_words
from qa.ui import render

DAMAGED = "002_918bf7343061484a.txt"


@pytest.fixture(scope="module")
def documents() -> dict[str, list[Passage]]:
    by_source: dict[str, list[Passage]] = defaultdict(list)
    for line in (INDEX / "passages.jsonl").read_text(encoding="utf-8").splitlines():
        passage = Passage.from_json(json.loads(line))
        by_source[passage.source].append(passage)
    return dict(by_source)


def test_seed_002_is_damaged_and_most_of_its_passages_show_gaps(documents) -> None:
    passages = documents[DAMAGED]
    assert document_missing_words(passages)[0] == "党"
    assert {"党", "政治"} <= set(document_missing_words(passages))
    with_gaps = [p for p in passages if suspected_gaps(p.text)]
    assert len(with_gaps) >= len(passages) - 1  # the last, cut off after one sentence, may show none


def test_seed_002_gaps_are_quoted_as_they_stand_in_the_text(documents) -> None:
    by_id = {p.passage_id: p for p in documents[DAMAGED]}
    assert suspected_gaps(by_id[f"{DAMAGED}#4.2"].text)[:2] == ("组成员联系员委员", "员委员联系外委员")
    gaps = suspected_gaps(by_id[f"{DAMAGED}#2.2"].text)
    assert "与站在一起" in gaps and "员委员" in gaps
    for passage in documents[DAMAGED]:
        assert all(gap in passage.text for gap in suspected_gaps(passage.text))


@pytest.mark.parametrize("source", ["000", "001", "003", "004"])
def test_clean_seeds_are_not_flagged(documents, source: str) -> None:
    passages = next(ps for name, ps in documents.items() if name.startswith(source))
    assert document_missing_words(passages) == ()
    assert [p.passage_id for p in passages if suspected_gaps(p.text)] == []


@pytest.mark.parametrize(
    "text",
    [
        "始终与党站在一起、想在一起、干在一起。",
        "健全党组成员联系党员委员、党员委员联系党外委员机制。",
        "始终坚持服务中心大局，体现政协的建设性。",
        "领导小组成员要以科学贯彻新发展理念为己任。",
        "加强对政协工作的全面领导，非党员委员占多数。",
    ],
)
def test_intact_formulas_and_ordinary_language_are_no_gap(text: str) -> None:
    assert suspected_gaps(text) == ()


def test_a_gap_is_found_in_full_width_or_traditional_text_and_keeps_its_place() -> None:
    text = "要始終與站在一起。"
    (gap,) = find_gaps(text)
    assert text[gap.start : gap.end] == gap.text == "與站在一起"
    assert gap.missing == ("党",)


def test_one_stray_gap_in_a_clean_document_does_not_damage_it() -> None:
    body = ["始终与站在一起。", "坚持党的领导，加强党的建设，党员委员发挥作用。"]
    assert missing_words(body) == ()
    assert missing_words([*body[:1], "加强的建设。"]) == ("党",)  # two gaps, no intact 党


def test_a_word_of_the_title_never_in_the_body_with_a_gap_damages_the_document() -> None:
    body = ["始终与站在一起。", "这是一段没有那个字的正文。"]
    assert missing_words(body, ["在全市政协党的建设工作会议上的讲话"]) == ("党",)
    assert missing_words(body, ["在全市政协工作会议上的讲话"]) == ()


def test_every_gapped_form_differs_from_its_formula() -> None:
    for gapped, full in gapped_forms():
        assert gapped and gapped != full and len(gapped) < len(full)


def test_hits_of_seed_002_are_flagged_on_the_card_and_clean_ones_are_not(fake_seeds_retriever) -> None:
    damaged = fake_seeds_retriever.search("“效能是的建设的重要内容”", k=1)[0]  # a passage with no listed gap
    assert damaged.source == DAMAGED and damaged.damaged and damaged.suspected_gaps == ()
    card = render.card(1, damaged)
    assert card.count(NOTICE) == 2  # above the text and above the citation to copy
    assert "本文多处疑似缺字" in card
    assert NOTICE not in render.citation(damaged)  # the warning is shown, never pasted

    gapped = fake_seeds_retriever.search("“始终与站在一起”", k=1)[0]
    assert gapped.damaged and "与站在一起" in gapped.suspected_gaps
    assert "疑似缺字处：“员委员”“加强的建设”" in render.card(1, gapped)

    clean = fake_seeds_retriever.search("“本次常委会议在大家的共同努力下”", k=1)[0]
    assert not clean.damaged and NOTICE not in render.card(1, clean)
