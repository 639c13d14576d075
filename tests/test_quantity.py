"""Questions that ask for a figure prefer, among the documents they name, the passage stating it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from qa.build.builder import build_index
from qa.model.embedder import Embedder
from qa.retrieve import quantity
from qa.retrieve.quantity import asked_unit, states_figure
from qa.retrieve.retriever import Retriever

CORPUS = Path(__file__).resolve().parents[1] / "eval" / "fields" / "corpus"
TODAY = date(2025, 3, 1)


@pytest.mark.parametrize(
    ("question", "unit"),
    [
        ("2023年市政协收到提案多少件", "件"),
        ("培训委员多少人次", "人次"),
        ("组织委员视察调研几次", "次"),
        ("提案办复率是多少", "%"),
        ("政协委员怎样提高履职能力?", ""),
        ("多少年来政协的作用是什么", ""),
    ],
)
def test_the_unit_a_question_asks_a_figure_in(question: str, unit: str) -> None:
    assert asked_unit(question) == unit


def test_a_figure_is_a_count_in_the_unit_not_an_ordinal() -> None:
    assert states_figure("共收到委员和参加单位提案451件", "件")
    assert states_figure("组织委员开展视察调研23次", "次")
    assert states_figure("开展协商三次", "次")
    assert states_figure("办复率达99.3%", "%")
    assert not states_figure("在十四届二次会议上", "次")
    assert not states_figure("第二次全体会议", "次")
    assert not states_figure("培训委员620人次", "人")  # 人次 is not 人
    assert not states_figure("遴选若干件重点提案", "件")
    assert not states_figure("共收到委员和参加单位提案451件", "")


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Retriever:
    """The near-identical reports, notices and regulation of ``eval/fields``, with the real model."""
    index = tmp_path_factory.mktemp("quantity") / "index"
    build_index(CORPUS, index, embedder)
    return Retriever(index, embedder=embedder)


@pytest.mark.parametrize("year", [2023, 2024])
def test_a_figure_asked_of_a_year_comes_from_the_passage_stating_it(
    archive: Retriever, year: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # That year's notice ("根据市政协2023年度工作安排…对30件优秀提案…") and the regulation
    # ("市政协每年遴选若干件重点提案") share more of the question's words than the report does.
    question = f"{year}年市政协收到提案多少件"
    first = archive.answer(question, today=TODAY).hits[0]
    assert first.source == f"常委会工作报告_{year}.txt"
    assert "提案" in first.text and "件" in first.text
    monkeypatch.setattr(quantity, "FIGURE_WEIGHT", 0.0)
    assert archive.answer(question, today=TODAY).hits[0].source != f"常委会工作报告_{year}.txt"


def test_a_question_naming_no_document_is_ranked_without_the_figure_rule(
    archive: Retriever, monkeypatch: pytest.MonkeyPatch
) -> None:
    question = "市政协收到提案多少件"
    ranking, applied = archive.ranked(question, today=TODAY)
    assert applied.rows is None
    monkeypatch.setattr(quantity, "FIGURE_WEIGHT", 5.0)
    again, _ = archive.ranked(question, today=TODAY)
    assert (ranking.fused == again.fused).all()
