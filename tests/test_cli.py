"""The `qa` command line, called in-process through `main(argv)`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa.cli import main


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
