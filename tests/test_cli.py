"""The `qa` command line, called in-process through `main(argv)`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from docx.oxml.ns import qn

from qa.cli.main import main


def test_search_prints_ranked_passages_with_title_section_and_paragraph(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["search", "政协委员怎样提高履职能力", "-k", "2"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("[1] 《")
    assert "三是切实强化政协委员责任担当" in out
    assert "第31段" in out
    assert "[2]" in out and "[3]" not in out


def test_search_json_is_machine_readable(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "凝聚共识", "--json", "-k", "3"]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert 1 <= len(hits) <= 3
    assert {"text", "doc_title", "section", "paragraph", "source", "start", "end"} <= hits[0].keys()


def test_search_says_nothing_found_for_an_unrelated_question(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "红烧肉怎么做"]) == 0
    assert "未找到相关内容" in capsys.readouterr().out


def test_empty_question_exits_2_with_a_message_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "  "]) == 2
    assert "empty" in capsys.readouterr().err


def test_missing_index_exits_2_and_names_the_fix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "政协", "--index", str(tmp_path / "none")]) == 2
    assert "qa build" in capsys.readouterr().err


def test_status_reports_the_committed_index_as_up_to_date(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status"]) == 0
    assert "Up to date" in capsys.readouterr().out


def test_eval_prints_all_three_rankers(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "--split", "test"]) == 0
    out = capsys.readouterr().out
    for name in ("dense (e5)", "BM25", "fused", "hit@1", "MRR@10", "OOD rej"):
        assert name in out


SEED_004 = Path(__file__).resolve().parents[1] / "seeds" / "004_d709b2b97a0ad8c6.txt"


def test_inspect_shows_title_date_paragraphs_with_sections_and_each_removed_line_with_its_rule(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["inspect", str(SEED_004)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("《在市政协十届十四次常委会会议上的讲话》 2024年12月27日")
    assert "第1段: 本次常委会议在大家的共同努力下" in out
    assert "第2段 [一、认真学习深刻领会" in out
    assert "removed by page-footer: 提案在线系统" in out
    assert "removed by site-furniture: © 版权所有2004" in out


def test_inspect_json_accounts_for_every_character_read(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", str(SEED_004), "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    report = record["report"]
    assert report["chars_kept"] + sum(report["removed"].values()) == report["chars_read"]
    assert report["paragraphs"] == len(record["paragraphs"]) + 3  # the headings 一、二、三、 are not numbered
    assert {r["rule"] for r in record["removed"]} == set(report["removed"])
    assert (
        record["paragraphs"][1]["section"][0]
        == "一、认真学习深刻领会,切实相关会议精神贯彻到工作中落实到行动上"
    )


def test_inspect_shows_a_document_even_when_cleaning_left_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "menu.txt"
    page.write_text("首 页 | 政协要闻 | 主席讲话\n© 版权所有 某某网\n", encoding="utf-8")
    assert main(["inspect", str(page)]) == 0
    out = capsys.readouterr().out
    assert "in 0 paragraphs" in out and "removed by short-furniture: 首 页 | 政协要闻 | 主席讲话" in out


def test_inspect_of_an_unreadable_file_exits_2_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "x.txt").write_bytes(bytes(range(0x81, 0xFF)) * 3)
    assert main(["inspect", str(tmp_path / "x.txt")]) == 2
    assert "x.txt: cannot tell the encoding" in capsys.readouterr().err


def test_build_summary_names_skipped_files_and_documents_cleaning_cut_by_more_than_a_fifth(
    tmp_path: Path, tiny_seeds: Path, fake_embedder, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    from qa.cli import commands as cli

    (tiny_seeds / "broken.txt").write_bytes(b"\x89PNG\x00\x00binary")
    furniture = ["版权所有 某某市政协 ICP备12345678号", "首 页 | 政协要闻 | 主席讲话 | 提案工作"] * 3
    (tiny_seeds / "c.txt").write_text(
        "\n".join(["在市政协常委会议上的讲话", "要围绕中心、服务大局，积极建言献策。", *furniture]),
        encoding="utf-8",
    )
    monkeypatch.setattr(cli, "_embedder", lambda model, precision=None, building=False: fake_embedder)
    assert main(["build", "--seeds", str(tiny_seeds), "--index", str(tmp_path / "index")]) == 0
    out = capsys.readouterr().out
    assert "documents indexed: 3, skipped: 1" in out
    assert "skipped broken.txt: broken.txt: looks like a binary file" in out
    assert "c.txt: cleaning kept 30 of 147 characters (site-furniture 66, short-furniture 51)" in out
    assert "a.txt: cleaning kept" not in out and "b.txt: cleaning kept" not in out  # they lost under a fifth


def test_search_trace_and_check_export_what_they_print_as_word_and_markdown(tmp_path: Path) -> None:
    from docx import Document

    assert main(["search", "政协委员怎样提高履职能力", "-k", "2", "--export", str(tmp_path / "s.md")]) == 0
    searched = (tmp_path / "s.md").read_text(encoding="utf-8")
    assert searched.startswith("# 检索结果：政协委员怎样提高履职能力")
    assert "> 要提高履职能力。广大政协委员" in searched
    assert "出处：《2022年在市委政协工作会议上讲话》（2022年），第31段（二、" in searched
    assert searched.count("要提高履职能力。广大政协委员") == 1, "each passage once"

    assert main(["trace", "两个确立", "--export", str(tmp_path / "t.docx")]) == 0
    traced = "\n".join(p.text for p in Document(str(tmp_path / "t.docx")).paragraphs)
    assert "提法溯源：两个确立" in traced and "两个确立" in traced.split("\n", 1)[1]

    draft = tmp_path / "draft.txt"
    draft.write_text("要坚持团结和民主两大主题。今天天气很好，我们去公园散步。", encoding="utf-8")
    assert main(["check", str(draft), "--export", str(tmp_path / "c.docx")]) == 0
    checked = "\n".join(p.text for p in Document(str(tmp_path / "c.docx")).paragraphs)
    assert "今天天气很好" in checked and "查重与提法核对" in checked


def test_search_export_takes_the_word_look_and_the_citation_style(tmp_path: Path) -> None:
    from docx import Document

    out = tmp_path / "s.docx"
    args = ["search", "政协委员怎样提高履职能力", "-k", "1", "--export", str(out)]
    assert main([*args, "--style", "公文", "--cite", "gbt7714"]) == 0
    document = Document(str(out))
    fonts = document.styles["Normal"].element.rPr.find(qn("w:rFonts"))
    assert fonts.get(qn("w:eastAsia")) == "仿宋_GB2312" and document.styles["Normal"].font.size.pt == 16
    assert any("[Z]. 2022." in p.text for p in document.paragraphs)
    assert main([*args, "--style", "gbt7714"]) == 0  # the old meaning: a citation style, the standard look
    document = Document(str(out))
    assert document.styles["Normal"].font.size.pt == 12
    assert any("[Z]. 2022." in p.text for p in document.paragraphs)


def test_search_prints_the_place_and_date_as_the_page_does(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "政协委员怎样提高履职能力", "-k", "1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(
        "[1] 《2022年在市委政协工作会议上讲话》 · 2022年 · 第31段（二、把握工作重点……部分）"
    )


def test_an_export_to_another_format_exits_2_naming_the_formats(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["search", "凝聚共识", "--export", str(tmp_path / "out.pdf")]) == 2
    assert ".docx or .md" in capsys.readouterr().err
