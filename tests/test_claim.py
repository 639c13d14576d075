"""相近 needs the same claim, not only the same topic (``qa.tools.claim``), and the draft page takes files.

The words and their weights are the committed index's (jieba words, BM25 IDF over the seeds);
the examples are the government work reports' sentences and their rewordings of issue 20.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from conftest import INDEX, SEEDS
from docx import Document

from qa.index.load import load_index
from qa.tools.claim import ClaimMatcher, CloseRule, Evidence, numbers_differ
from qa.tools.draft import DraftInputError, check_draft
from qa.tools.draft_file import read_draft_file

REPORT_2025 = "因地制宜发展新质生产力，加快建设现代化产业体系。"
REWORDED_2025 = "要结合各地实际培育壮大新质生产力，加快构建现代化产业体系。"
SAME_TOPIC_2025 = "发展新质生产力的主要任务是在每个乡镇建设一座芯片工厂。"
REPORT_2018 = "推进全面创新改革试验，支持北京、上海建设科技创新中心，新设14个国家自主创新示范区。"


@pytest.fixture(scope="module")
def matcher() -> ClaimMatcher:
    lexical = load_index(INDEX).lexical
    return ClaimMatcher(lexical.tokenizer.words, lexical.idf)


def test_a_rewording_shares_most_of_the_claim_and_a_same_topic_sentence_does_not(matcher) -> None:
    reworded = matcher.evidence(REWORDED_2025, REPORT_2025, REPORT_2025)
    other_claim = matcher.evidence(SAME_TOPIC_2025, REPORT_2025, REPORT_2025)
    unrelated = matcher.evidence(REWORDED_2025, REPORT_2018, REPORT_2018)
    assert reworded.words > 0.5 > other_claim.words
    assert "新质生产力" in reworded.shared and "现代化产业体系" in reworded.shared
    assert other_claim.unshared and not any("新质" in word for word in other_claim.unshared)
    assert unrelated.words < 0.2 and unrelated.shared == () and len(unrelated.unshared) == 3


def test_the_passage_context_counts_a_claim_said_over_two_sentences(matcher) -> None:
    passage = f"{REPORT_2025}要推动传统产业改造升级，培育壮大新兴产业。"
    draft = "因地制宜发展新质生产力，推动传统产业改造升级。"
    evidence = matcher.evidence(draft, REPORT_2025, passage)
    assert evidence.context > evidence.words and evidence.context > 0.9


def test_other_figures_are_another_claim() -> None:
    stored = "高速铁路运营里程从2.5万公里增加到4.2万公里。"
    assert numbers_differ("高铁里程由２.５万公里增至4.2万公里。", stored) == ()  # full-width digits too
    assert numbers_differ("高速铁路运营里程从1.2万公里增加到9.8万公里。", stored) == ("1.2", "9.8")
    rule = CloseRule(min_cosine=0.9, weight=0.1, min_score=1.0, context_weight=0.75)
    agreeing = Evidence(words=0.8, context=0.8)
    assert rule.holds(0.95, agreeing) and rule.score(0.95, agreeing) == pytest.approx(1.03)
    assert not rule.holds(0.95, Evidence(words=0.8, context=0.8, numbers_differ=("9.8",)))
    assert not rule.holds(0.89, Evidence(words=1.0, context=1.0))  # too far in meaning
    assert not rule.holds(0.94, Evidence(words=0.3, context=0.4))  # the topic, not the claim
    assert rule.holds(0.94, Evidence(words=0.3, context=0.9))  # the claim over its passage


def test_the_score_is_said_in_words() -> None:
    evidence = Evidence(0.8, 0.8, shared=("新质生产力", "现代化产业体系"), unshared=("各地",))
    assert evidence.meaning("close") == "措辞相近：共有“新质生产力”“现代化产业体系”等词；本句另有“各地”"
    assert evidence.meaning("new").startswith("只是话题相近：共有“新质生产力”")
    assert "数字1.2、9.8" in Evidence(0.8, 0.8, numbers_differ=("1.2", "9.8")).meaning("new")
    assert evidence.meaning("repeat").startswith("表述相同")


def test_a_close_source_on_the_seeds_shares_the_claim_and_says_so() -> None:
    from qa.retrieve.retriever import Retriever

    retriever = Retriever(INDEX, seeds=SEEDS)
    reworded_003 = "总书记讲过，统一战线人才济济、智力密集，堪称一座大智库。"
    check = check_draft(reworded_003 + "市级政协的主要工作是监督，主要方式是开展民意调查。", retriever)
    reworded, other_claim = check.sentences
    assert reworded.kind == "close" and reworded.matches[0].same_claim
    assert reworded.matches[0].meaning("close").startswith("措辞相近：共有")
    assert other_claim.kind == "new" and other_claim.matches[0].cosine > 0.95, (
        "the topic, by the cosine alone"
    )
    assert other_claim.matches[0].meaning("new").startswith("只是话题相近")
    assert "民意调查" in other_claim.matches[0].meaning("new")


def test_a_word_draft_is_read_by_the_documents_reader_and_bad_files_are_refused_in_chinese(
    tmp_path: Path,
) -> None:
    document = Document()
    document.add_paragraph("同志们：")
    document.add_paragraph(REWORDED_2025)
    out = io.BytesIO()
    document.save(out)
    assert REWORDED_2025 in read_draft_file(out.getvalue(), "稿件.docx")
    with pytest.raises(DraftInputError) as refused:
        read_draft_file(b"not a zip", "稿件.docx")
    assert "无法读取稿件“稿件.docx”" in refused.value.chinese
    with pytest.raises(DraftInputError) as unknown:
        read_draft_file(b"\x00\x01", "稿件.exe")
    assert "无法读取稿件" in unknown.value.chinese


def test_the_draft_tab_checks_an_uploaded_word_file_and_refuses_a_broken_one(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from qa.retrieve.retriever import Retriever
    from qa.ui.draft.tab import run_file

    service = SimpleNamespace(retriever=Retriever(INDEX, seeds=SEEDS))
    document = Document()
    document.add_paragraph("总书记讲过，统一战线人才济济、智力密集，堪称一座大智库。")
    good = tmp_path / "稿件.docx"
    document.save(str(good))
    text, html, check = run_file(service, good)  # type: ignore[arg-type]
    assert text is not None and "大智库" in text and check is not None
    assert check.sentences[0].kind == "close" and "措辞相近" in html
    broken = tmp_path / "坏稿件.docx"
    broken.write_bytes(b"PK\x03\x04 cut short")
    text, html, check = run_file(service, broken)  # type: ignore[arg-type]
    assert text is None and check is None
    assert "无法读取稿件“坏稿件" in html and "文件已损坏或不完整" in html
