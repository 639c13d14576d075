"""The answer at a glance: sentences of the hits, quoted as written with their source, above the
cards; and the cards newest first when asked."""

from __future__ import annotations

import html
import re
from dataclasses import replace
from pathlib import Path

import pytest

from qa.retrieve.glance import Evidence, GlanceSettings, choose, glance
from qa.retrieve.hit import Hit
from qa.retrieve.retriever import Retriever
from qa.ui import ChatService, Conversation, FeedbackLog
from qa.ui.citation import source
from qa.ui.glance import glance_html, glance_text, newest_first

TEXT = "提案工作是政协履职的重要方式。今年共收到提案526件，立案480件。"


def make_hit(passage_id: str = "a.txt#1.1", date: str | None = "2024-03-05", **overrides: object) -> Hit:
    hit = Hit(
        TEXT, 0.9, "在市政协全体会议上的工作报告", date, "a.txt", None, (), 1, 1, passage_id, 0, len(TEXT)
    )
    return replace(hit, **overrides)  # type: ignore[arg-type]


def evidence_of(
    text: str, cosine: float, covered: float = 0.0, number: bool = False, rank: int = 0
) -> Evidence:
    return Evidence(text, make_hit(), cosine, covered, number, rank)


def test_a_sentence_holding_the_asked_for_number_wins_over_one_a_little_closer_in_meaning() -> None:
    found = [
        evidence_of("提案工作是政协履职的重要方式。", 0.86),
        evidence_of("今年共收到提案526件。", 0.84, number=True),
    ]
    assert choose(found)[0].text == "今年共收到提案526件。"
    plain = GlanceSettings(number_weight=0.0, second_within=0.0)
    assert [s.text for s in choose(found, plain)] == ["提案工作是政协履职的重要方式。"]


def test_the_question_words_a_sentence_holds_and_its_hits_rank_count() -> None:
    found = [evidence_of("甲", 0.85, covered=0.0), evidence_of("乙", 0.83, covered=0.5)]
    assert choose(found, GlanceSettings(second_within=0.0))[0].text == "乙"
    lower = [evidence_of("甲", 0.85, rank=0), evidence_of("乙", 0.855, rank=2)]
    assert choose(lower, GlanceSettings(second_within=0.0))[0].text == "甲"


def test_a_second_sentence_is_shown_only_when_it_scores_almost_as_high() -> None:
    close = [evidence_of("甲", 0.85), evidence_of("乙", 0.845), evidence_of("丙", 0.70)]
    assert [s.text for s in choose(close, GlanceSettings(second_within=0.01))] == ["甲", "乙"]
    assert [s.text for s in choose(close, GlanceSettings(second_within=0.001))] == ["甲"]
    assert choose([]) == ()


def test_the_glance_quotes_the_sentence_as_written_with_its_source_and_escapes_it() -> None:
    [line] = glance_text(choose([evidence_of("他说:“团结就是力量。”", 0.9)]))
    assert line == "“他说：‘团结就是力量。’”——" + source(make_hit())
    bad = choose([Evidence("<script>alert(1)</script>要团结。", make_hit(), 0.9, 0.0, False, 0)])
    out = glance_html(bad)
    assert "<script" not in out and "一句话回答" in out
    assert glance_html(()) == ""


def test_newest_first_orders_by_date_undated_last_and_keeps_relevance_within_a_date() -> None:
    hits = [
        make_hit("a#1", "2022"),
        make_hit("b#1", None),
        make_hit("c#1", "2024-12-27"),
        make_hit("d#1", "2022"),
        make_hit("e#1", "2023-12-09"),
    ]
    assert [h.passage_id for h in newest_first(hits)] == ["c#1", "e#1", "a#1", "d#1", "b#1"]


@pytest.mark.parametrize(
    ("question", "answer"),
    [("攀枝花建市多少周年?", "60周年"), ("新时代人民政协必须恪守的根本政治原则是什么?", "根本政治原则")],
)
def test_on_the_seeds_the_glance_is_a_sentence_of_a_hit_holding_the_answer(
    retriever: Retriever, question: str, answer: str
) -> None:
    hits = retriever.answer(question, k=3).hits
    sentences = glance(retriever, question, hits)
    assert 1 <= len(sentences) <= 2
    assert answer in sentences[0].text
    for sentence in sentences:
        assert sentence.hit in hits and sentence.text in sentence.hit.text  # extractive: nothing reworded


@pytest.fixture
def service(retriever: Retriever, tmp_path: Path) -> ChatService:
    return ChatService(retriever, FeedbackLog(tmp_path / "feedback.jsonl"))


def test_the_answer_opens_with_the_glance_then_the_cards(service: ChatService) -> None:
    reply = service.respond("攀枝花建市多少周年?", 3, None, Conversation()).messages[-1]["content"]
    assert reply.index('class="qa-glance"') < reply.index('class="qa-card"')
    glance_part = html.unescape(
        re.sub(r"<[^>]+>", "", reply[reply.index("qa-glance") : reply.index("qa-card")])
    )
    assert (
        "60周年" in glance_part
        and "——《在市政协十届十四次常委会会议上的讲话》（2024年12月27日），第" in glance_part
    )
    empty = service.respond("红烧肉怎么做?", 3, None, Conversation()).messages[-1]["content"]
    assert "qa-glance" not in empty


def test_the_cards_can_be_ordered_newest_first(service: ChatService) -> None:
    question = "政协委员怎样提高履职能力?"
    relevance = service.respond(question, 5, None, Conversation()).turns[1].hits
    newest = service.respond(question, 5, None, Conversation(), newest_first=True).turns[1].hits
    assert {h.passage_id for h in newest} == {h.passage_id for h in relevance}
    dates = [h.doc_date for h in newest if h.doc_date]
    assert dates == sorted(dates, reverse=True) and dates
    assert [h.doc_date for h in newest][len(dates) :] == [None] * (len(newest) - len(dates))


def test_the_api_returns_the_glance_with_its_citation(service: ChatService) -> None:
    result = service.api_search("攀枝花建市多少周年?", k=3)
    assert result["glance"] and "60周年" in result["glance"][0]["text"]
    assert result["glance"][0]["passage_id"] in {p["passage_id"] for p in result["passages"]}
    assert result["glance"][0]["line"].startswith("“") and "——《" in result["glance"][0]["line"]
