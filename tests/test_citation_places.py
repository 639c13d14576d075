"""Every view names a passage's page (a PDF) or article (a regulation) where the source has one,
never only its paragraph: the chat card, the reader, ``qa search``'s text, exports, GB/T 7714."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_formats import make_pdf

from qa.cli.format import format_hits
from qa.ingest.documents import read_document
from qa.passages.cutting import Passage, make_passages
from qa.retrieve.hit import Hit
from qa.tools.export import to_markdown
from qa.ui import reader, render
from qa.ui.citation import cite
from qa.ui.sections import hits_section

LONG = "政协委员要把学习作为一种责任和追求，不断提高政治把握能力、调查研究能力、联系群众能力和合作共事能力。"
REGULATION = Path(__file__).resolve().parents[1] / "eval" / "fields" / "corpus" / "提案工作条例.txt"


@pytest.fixture(scope="module")
def pdf_passages(tmp_path_factory: pytest.TempPathFactory) -> list[Passage]:
    path = tmp_path_factory.mktemp("pdf") / "讲话.pdf"
    path.write_bytes(make_pdf(["在市政协全体会议上的讲话", *[f"第{n}点：{LONG}" for n in range(1, 30)]]))
    return make_passages(read_document(path))


@pytest.fixture(scope="module")
def articles() -> list[Passage]:
    return make_passages(read_document(REGULATION))


def views(passages: list[Passage], passage: Passage) -> dict[str, str]:
    hit = Hit.from_passage(passage, 1.0)
    return {
        "card": render.card(1, hit),
        "reader": reader.document(passages, passage.passage_id),
        "qa search": format_hits([hit]),
        "plain": cite(hit),
        "gbt7714": cite(hit, "gbt7714"),
        "export": to_markdown("导出", [hits_section("问", [hit])], "build"),
    }


def test_every_view_names_a_pdf_passages_page(pdf_passages: list[Passage]) -> None:
    last = pdf_passages[-1]
    assert last.page_label.startswith("第") and last.page_label.endswith("页") and last.page > 1
    for name, shown in views(pdf_passages, last).items():
        assert last.page_label in shown, name


def test_every_view_names_a_regulations_article(articles: list[Passage]) -> None:
    twelfth = next(p for p in articles if p.article == "第十二条")
    for name, shown in views(articles, twelfth).items():
        assert "第十二条" in shown, name
        assert "第二章第十二条" in shown or name == "reader", name  # the reader shows its chapter heading


def test_qa_inspect_names_a_pdf_paragraphs_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from qa.cli.main import main

    path = tmp_path / "讲话.pdf"
    path.write_bytes(make_pdf(["在市政协全体会议上的讲话", *[f"第{n}点：{LONG}" for n in range(1, 30)]]))
    assert main(["inspect", str(path)]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if "段" in line.split(":")[0]]
    assert lines[0].startswith("第1页，第") and any(line.startswith("第3页，第") for line in lines)
