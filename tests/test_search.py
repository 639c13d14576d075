"""Searching the committed index with the real model: API contract and bad input."""

from __future__ import annotations

from dataclasses import fields

import pytest

from qa import Hit, search
from qa.search import MAX_QUERY_CHARS, clean_query

REQUIRED_FIELDS = {
    "text",
    "score",
    "doc_title",
    "doc_date",
    "source",
    "section",
    "paragraph",
    "passage_id",
    "start",
    "end",
}


def test_hit_has_every_attribution_field() -> None:
    assert {f.name for f in fields(Hit)} >= REQUIRED_FIELDS


def test_flagship_question_finds_the_passage_on_performing_duties_first(retriever) -> None:
    hits = retriever.search("政协委员怎样提高履职能力?", k=5)
    assert hits, "an in-domain question must get an answer"
    top = hits[0]
    assert "要提高履职能力" in top.text
    assert top.source == "001_ec7618cb6664527d.txt"
    assert top.section == "三是切实强化政协委员责任担当"
    assert top.doc_title.endswith("在市委政协工作会议上讲话")
    assert "政协委员" in top.matched_terms


def test_hits_are_sorted_unique_and_at_most_k(retriever) -> None:
    for k in (1, 3, 10):
        hits = retriever.search("如何加强政协党的建设", k=k)
        assert 0 < len(hits) <= k
        scores = [h.score for h in hits]
        assert scores == sorted(scores, reverse=True)
        assert len({h.passage_id for h in hits}) == len(hits)
        assert len({h.text for h in hits}) == len(hits)


def test_hit_offsets_point_into_the_source_file(retriever) -> None:
    from conftest import SEEDS

    hits = retriever.search("协商议政质量", k=5) + retriever.search("五个六履职体系", k=3)
    assert any(h.source.startswith("003_") for h in hits), "a page-stitched passage must be covered"
    for hit in hits:
        source = (SEEDS / hit.source).read_text(encoding="utf-8")
        span = iter(source[hit.start : hit.end])
        # every character of the passage appears, in order, inside its source span
        assert all(char in span for char in hit.text.replace("\n", "")), hit.passage_id
        assert source[hit.start] == hit.text[0]
        assert source[hit.end - 1] == hit.text[-1]


@pytest.mark.parametrize(
    "question", ["红烧肉怎么做?", "明天北京会下雨吗", "梅西在世界杯上进了几个球", "How do I bake bread?"]
)
def test_out_of_domain_questions_get_no_passages(retriever, question: str) -> None:
    assert retriever.search(question) == []


@pytest.mark.parametrize("question", ["", "   ", "\n\t "])
def test_empty_question_raises_value_error_with_a_hint(retriever, question: str) -> None:
    with pytest.raises(ValueError, match="empty"):
        retriever.search(question)


def test_huge_question_is_truncated_not_fatal(retriever) -> None:
    question = "政协委员怎样提高履职能力" * 10_000
    assert len(clean_query(question)) == MAX_QUERY_CHARS
    hits = retriever.search(question, k=3)
    assert len(hits) <= 3


def test_english_and_mixed_questions_work(retriever) -> None:
    hits = retriever.search("CPPCC 委员 how to 提高履职能力", k=3)
    assert hits and any("履职能力" in h.text for h in hits)
    english = retriever.search("How should CPPCC members improve their ability to perform their duties?", k=3)
    assert all(isinstance(h, Hit) for h in english)


def test_quoted_phrase_must_match_literally(retriever) -> None:
    hits = retriever.search("“懂政协”指的是什么", k=3)
    assert hits
    assert all("懂政协" in h.text for h in hits)


def test_k_below_one_is_rejected(retriever) -> None:
    with pytest.raises(ValueError, match="k must be"):
        retriever.search("政协", k=0)


def test_module_level_search_uses_the_default_index() -> None:
    hits = search("政协委员怎样提高履职能力?", k=2)
    assert len(hits) == 2
    assert all(isinstance(h, Hit) for h in hits)
