"""Searching the committed index with the real model: API contract and bad input."""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pytest

from qa import Hit, search
from qa.errors import QuestionError
from qa.retrieve.query import MAX_QUERY_CHARS, clean_query

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


def test_a_long_question_is_truncated_and_a_pasted_document_refused(retriever) -> None:
    question = "政协委员怎样提高履职能力" * 166  # 1,992 characters
    assert len(clean_query(question)) == MAX_QUERY_CHARS
    hits = retriever.search(question, k=3)
    assert len(hits) <= 3
    with pytest.raises(QuestionError, match="more than 2000"):
        retriever.search("政协委员怎样提高履职能力" * 10_000, k=3)


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


def test_document_filter_is_exact_even_when_better_passages_are_elsewhere(retriever) -> None:
    only = ["003_e9d8012ddcf1e712.txt"]
    unfiltered = retriever.search("政协委员怎样提高履职能力?", k=3)
    assert all(h.source not in only for h in unfiltered[:1])
    hits = retriever.search("政协委员怎样提高履职能力?", k=3, sources=only)
    assert hits and all(h.source in only for h in hits)


def test_document_filter_with_an_unknown_file_is_refused(retriever) -> None:
    with pytest.raises(ValueError, match="Unknown document"):
        retriever.search("政协", sources=["no_such_file.txt"])


def test_neighbours_are_the_adjacent_passages_of_the_same_document(retriever) -> None:
    rows = retriever.index.row_of
    middle = "001_ec7618cb6664527d.txt#31.1"
    before, after = retriever.neighbours(middle)
    assert [rows(p.passage_id) for p in before] == [rows(middle) - 1]  # type: ignore[operator]
    assert [rows(p.passage_id) for p in after] == [rows(middle) + 1]  # type: ignore[operator]
    first = retriever.passages[0]
    before, _ = retriever.neighbours(first.passage_id)
    assert before == []
    last_of_doc0 = next(p for p in reversed(retriever.passages) if p.source == first.source)
    _, after = retriever.neighbours(last_of_doc0.passage_id)
    assert after == [], "context never crosses into another document"


def test_near_identical_passages_in_two_documents_are_shown_once_with_also_in(
    tmp_path, fake_embedder
) -> None:
    from qa.build.builder import build_index
    from qa.retrieve.gate import GateSettings
    from qa.retrieve.retriever import Retriever

    shared = (
        "政协委员要不断提高政治把握能力、调查研究能力、联系群众能力和合作共事能力,"
        "做到懂政协、会协商、善议政,在协商议政中展现新时代政协委员的风采和担当。"
    )
    other = (
        "要加强提案办理协商,提高提案质量,推动提案成果转化运用,让每一件提案都经得起实践和群众的检验,"
        "切实把提案办理成果转化为推动发展的实际成效。"
    )
    folder = tmp_path / "seeds"
    folder.mkdir()
    (folder / "a.txt").write_text(f"甲县政协全会讲话\n{shared}\n{other}\n", encoding="utf-8")
    (folder / "b.txt").write_text(
        f"乙市政协常委会讲话\n{other.replace('提案', '建议')}\n{shared.replace('做到', '真正做到')}\n",
        encoding="utf-8",
    )
    build_index(folder, tmp_path / "index", fake_embedder)
    gate_open = GateSettings(dense_margin=-1.0, coverage_margin=-1.0)
    hits = Retriever(tmp_path / "index", embedder=fake_embedder, gate=gate_open).search(
        "怎样提高政治把握能力", k=3
    )
    twins = [h for h in hits if "政治把握能力" in h.text]
    assert len(twins) == 1
    other_title = "乙市政协常委会讲话" if twins[0].doc_title == "甲县政协全会讲话" else "甲县政协全会讲话"
    assert twins[0].also_in == (other_title,)


@pytest.mark.parametrize("question", ["那具体要怎么做?", "???", "😀😀😀", "怎么办呢"])
def test_question_without_any_content_word_gets_no_passages(retriever, question: str) -> None:
    assert retriever.search(question) == []


def test_top_rows_is_a_stable_argsort_cut_to_k() -> None:
    from qa.index.maxscore import top_rows

    rng = np.random.default_rng(5)
    for size, k in [(1000, 100), (50, 100), (300, 1), (200, 200)]:
        scores = rng.integers(0, 6, size=size).astype(np.float32)  # many ties, many zeros
        assert top_rows(scores, k).tolist() == np.argsort(-scores, kind="stable")[:k].tolist()
