"""查重与提法核对: draft sentences against the real seeds index (ONNX e5, as the product runs it)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from conftest import INDEX, SEEDS

import qa
from qa.cli.main import main
from qa.passages.cutting import sentences_of
from qa.retrieve.retriever import Retriever
from qa.tools.claim import CloseRule
from qa.tools.draft import MAX_DRAFT_CHARS, DraftCheck, DraftInputError, check_draft, clean_draft, split_draft
from qa.ui.draft import tab as tab_draft
from qa.ui.sections import export_text

SEED_003 = "003_e9d8012ddcf1e712.txt"
# Seed 003 says 习近平总书记指出,统一战线人才荟萃、智力密集,可以说是一个大智库。
REWORDED = "总书记讲过，统一战线人才济济、智力密集，堪称一座大智库。"
UNRELATED = "气象部门预计本周末将有一次明显降温过程，最低气温零下五度。"


def seed_sentence(source: str, containing: str) -> str:
    """A sentence of a seed file as it stands in the file (half-width commas and all)."""
    text = (SEEDS / source).read_text(encoding="utf-8")
    return next(s for s in sentences_of(text) if containing in s)


def chars(text: str) -> int:
    return sum(not ch.isspace() for ch in text)


@pytest.fixture(scope="module")
def retriever() -> Retriever:
    return Retriever(INDEX, seeds=SEEDS)


@pytest.fixture(scope="module")
def three(retriever: Retriever) -> tuple[str, DraftCheck]:
    copied = seed_sentence(SEED_003, "主要方式是搭台")
    draft = f"同志们：\n{copied}{REWORDED}\n\n{UNRELATED}\n"
    return draft, check_draft(draft, retriever)


def test_a_sentence_copied_from_a_seed_repeats_it_and_names_that_seed(three: tuple[str, DraftCheck]) -> None:
    check = three[1]
    copied = check.sentences[0]
    assert copied.kind == "repeat" and copied.label == "重复"
    best = copied.matches[0]
    assert best.source == SEED_003 and best.same_wording
    assert best.sentence == copied.sentence and best.cosine > 0.99
    assert best.passage_id.startswith(SEED_003 + "#") and best.paragraph >= 1
    assert best.doc_title.startswith("座谈发言") and best.doc_date == "2023-12-09"


def test_a_reworded_sentence_is_close_to_the_one_it_rewords(three: tuple[str, DraftCheck]) -> None:
    reworded = three[1].sentences[1]
    assert reworded.sentence == REWORDED
    assert reworded.kind == "close" and reworded.label == "相近"
    best = reworded.matches[0]
    assert best.source == SEED_003 and "大智库" in best.sentence
    assert best.meaning("close").startswith("措辞相近：共有“统一战线人才”“智力密集”")
    assert not best.same_wording and best.same_claim and best.cosine >= three[1].rule.min_cosine


def test_an_unrelated_sentence_is_new_with_its_nearest_sentence_still_shown(
    three: tuple[str, DraftCheck],
) -> None:
    unrelated = three[1].sentences[2]
    assert unrelated.kind == "new" and unrelated.label == "新"
    assert unrelated.matches and not any(m.same_claim for m in unrelated.matches)
    assert not any(m.same_wording for m in unrelated.matches)


def test_sentences_carry_their_offsets_and_short_fragments_are_not_checked(
    three: tuple[str, DraftCheck],
) -> None:
    draft, check = three
    assert len(check.sentences) == 3, "同志们： is too short to check"
    for sentence in check.sentences:
        assert draft[sentence.start : sentence.end] == sentence.sentence
        assert 1 <= len(sentence.matches) <= 3
        cosines = [m.cosine for m in sentence.matches if not m.same_wording and not m.same_claim]
        assert cosines == sorted(cosines, reverse=True), "after the sources sharing the claim, nearest first"


def test_shares_count_characters_and_top_documents_say_what_the_draft_draws_on(
    three: tuple[str, DraftCheck],
) -> None:
    draft, check = three
    copied, reworded, unrelated = check.sentences
    assert check.characters == chars(draft)
    assert check.repeated_share == pytest.approx(chars(copied.sentence) / chars(draft))
    assert check.close_share == pytest.approx(chars(reworded.sentence) / chars(draft))
    assert check.new_share == pytest.approx(chars(unrelated.sentence) / chars(draft))
    assert len(check.top_documents) == 1, "the new sentence's nearest document is not drawn on"
    used = check.top_documents[0]
    assert used.source == SEED_003 and used.sentences == 2
    assert used.repeated_chars == chars(copied.sentence) and used.close_chars == chars(reworded.sentence)
    manifest = json.loads((INDEX / "manifest.json").read_text(encoding="utf-8"))
    assert check.build_id == f"{manifest['fingerprint']}@{manifest['created']}"


def test_a_long_sentence_merely_containing_a_seed_clause_is_not_a_repeat(retriever: Retriever) -> None:
    clause = seed_sentence(SEED_003, "主要方式是搭台").rstrip("。")
    longer = (
        f"{clause}，这一点在新的一年里要继续坚持并在实践中不断完善和发展，形成具有本市特色的工作品牌体系。"
    )
    part = seed_sentence(SEED_003, "主要方式是搭台").split(",")[1]  # 主要方式是搭台。
    check = check_draft(f"{longer}\n{part}", retriever)
    assert check.sentences[0].kind != "repeat"
    assert check.sentences[1].kind == "repeat", "a draft sentence inside a stored one repeats it"


def test_a_sentence_spanning_two_stored_sentences_of_one_passage_is_a_repeat(retriever: Retriever) -> None:
    first = seed_sentence("001_ec7618cb6664527d.txt", "要强化政治责任")
    second = seed_sentence("001_ec7618cb6664527d.txt", "十分珍惜委员的荣誉与责任")
    joined = first.rstrip("。") + "，" + second  # one sentence of the draft, two of the speech
    check = check_draft(joined, retriever)
    assert [s.kind for s in check.sentences] == ["repeat"]
    assert check.sentences[0].matches[0].source == "001_ec7618cb6664527d.txt"


def test_the_rule_decides_between_close_and_new(retriever: Retriever) -> None:
    assert check_draft(REWORDED, retriever, CloseRule(min_cosine=1.01)).sentences[0].kind == "new"
    words_needed = CloseRule(min_cosine=0.5, weight=1.0, min_score=2.0)  # cosine + all its words
    assert check_draft(REWORDED, retriever, words_needed).sentences[0].kind == "new"
    anything = CloseRule(min_cosine=0.5, weight=0.0, min_score=0.5)
    assert check_draft(UNRELATED, retriever, anything).sentences[0].kind == "close"


def test_a_sentence_given_twice_gets_the_same_result_twice(retriever: Retriever) -> None:
    check = check_draft(f"{REWORDED}{REWORDED}", retriever)
    assert len(check.sentences) == 2
    assert check.sentences[0].matches == check.sentences[1].matches
    assert check.sentences[1].start == len(REWORDED)


def test_split_draft_keeps_closing_quotes_and_cuts_at_lines_and_semicolons() -> None:
    text = "他说：“要讲政治。”然后要团结协作；\n\n  第三句没有句号但也算一句  \n好。"
    spans = split_draft(text)
    assert [text[a:b] for a, b in spans] == [
        "他说：“要讲政治。”",
        "然后要团结协作；",
        "第三句没有句号但也算一句",
    ]


@pytest.mark.parametrize("empty", ["", "   \n\t  "])
def test_an_empty_draft_is_refused_in_chinese_and_english(empty: str) -> None:
    with pytest.raises(ValueError, match="稿件为空") as refused:
        check_draft(empty)
    assert "empty" in str(refused.value)


def test_an_over_long_draft_is_refused_before_any_work() -> None:
    longest = "政" * MAX_DRAFT_CHARS
    assert clean_draft(longest) == longest
    with pytest.raises(DraftInputError, match="稿件过长") as refused:
        check_draft(longest + "协", retriever=object())  # type: ignore[arg-type]  # never reached
    assert f"{MAX_DRAFT_CHARS}" in str(refused.value) and "at most" in str(refused.value)
    assert refused.value.chinese.startswith("稿件过长")


def test_a_draft_without_a_sentence_long_enough_is_refused(retriever: Retriever) -> None:
    with pytest.raises(ValueError, match="没有可核对的句子"):
        check_draft("好的。谢谢！", retriever)


def test_check_draft_is_the_public_api_on_the_default_index() -> None:
    assert qa.check_draft is check_draft and {"check_draft", "DraftCheck", "SentenceCheck"} <= set(qa.__all__)
    check = qa.check_draft(seed_sentence(SEED_003, "主要方式是搭台"))
    assert [s.kind for s in check.sentences] == ["repeat"]


# -- the command line ------------------------------------------------------------------------


def test_cli_prints_each_sentence_with_its_class_and_source(
    tmp_path: Path, three: tuple[str, DraftCheck], capsys: pytest.CaptureFixture[str]
) -> None:
    draft = tmp_path / "稿件.txt"
    draft.write_text(three[0], encoding="utf-8")
    assert main(["check", str(draft), "--index", str(INDEX)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("稿件.txt: 3 sentences")
    assert "[1] 重复" in out and "[2] 相近" in out and "[3] 新" in out
    assert "《座谈发言" in out and "same wording" in out and "nearest:" in out


def test_cli_json_is_the_check_and_reads_stdin(
    three: tuple[str, DraftCheck], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(three[0]))
    assert main(["check", "-", "--json", "--index", str(INDEX)]) == 0
    record = json.loads(capsys.readouterr().out)
    assert [s["kind"] for s in record["sentences"]] == ["repeat", "close", "new"]
    assert [s["label"] for s in record["sentences"]] == ["重复", "相近", "新"]
    assert record["repeated_share"] == pytest.approx(three[1].repeated_share)
    first = record["sentences"][0]
    assert three[0][first["start"] : first["end"]] == first["sentence"]
    assert {"passage_id", "doc_title", "doc_date", "section", "paragraph", "sentence", "cosine"} <= set(
        first["matches"][0]
    )
    assert record["top_documents"][0]["source"] == SEED_003


def test_cli_reads_a_word_draft(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph(seed_sentence(SEED_003, "主要方式是搭台"))
    document.add_paragraph(UNRELATED)
    path = tmp_path / "稿件.docx"
    document.save(str(path))
    assert main(["check", str(path), "--json", "--index", str(INDEX)]) == 0
    assert [s["kind"] for s in json.loads(capsys.readouterr().out)["sentences"]] == ["repeat", "new"]


def test_cli_refuses_an_empty_or_over_long_draft_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    assert main(["check", str(empty), "--index", str(INDEX)]) == 2
    assert "empty" in capsys.readouterr().err
    long = tmp_path / "long.md"
    long.write_text("政" * (MAX_DRAFT_CHARS + 1), encoding="utf-8")
    assert main(["check", str(long), "--index", str(INDEX)]) == 2
    assert "稿件过长" in capsys.readouterr().err
    assert main(["check", str(tmp_path / "missing.txt"), "--index", str(INDEX)]) == 2
    assert "cannot read" in capsys.readouterr().err


# -- the page's rendering and export (the browser test drives the tab itself) -------------------


def test_the_result_marks_every_sentence_and_escapes_the_draft(retriever: Retriever) -> None:
    draft = f"<script>alert(1)</script>政协委员要牢记*责任*。\n{seed_sentence(SEED_003, '搭台')}{UNRELATED}"
    check = check_draft(draft, retriever)
    html = tab_draft.render_check(check, retriever)
    assert "<script>" not in html and "&lt;script&gt;" in html and "*责任*" not in html
    assert html.count('class="qa-draft-s ') == len(check.sentences)
    for kind in {s.kind for s in check.sentences}:
        assert f"qa-draft-s qa-draft-{kind}" in html
    assert "《座谈发言" in html and "相似度" in html and "逐句查看出处" in html
    assert all(label in tab_draft.LEGEND for label in ("重复", "相近", "新"))


def test_the_export_lists_each_sentence_with_its_class_and_closest_source(
    retriever: Retriever, three: tuple[str, DraftCheck], tmp_path: Path
) -> None:
    check = three[1]
    sections = tab_draft.export_sections(check, retriever)
    assert sections[0].heading == "概况" and "重复" in sections[0].items[0].text
    assert [s.heading.split("）")[0] for s in sections[1:]] == ["第1句（重复", "第2句（相近", "第3句（新"]
    assert all(len(s.items) == 1 for s in sections[1:])
    copied = sections[1].items[0]
    assert copied.text == export_text(check.sentences[0].matches[0].sentence)  # full-width, once
    assert copied.source.startswith("《座谈发言") and "2023年12月9日" in copied.source
    assert copied.text not in copied.source
    markdown = tab_draft.export_file(check, retriever, "md", tmp_path).read_text(encoding="utf-8")
    assert markdown.startswith("# 查重与提法核对") and check.build_id in markdown


def test_an_index_without_sentence_vectors_is_checked_against_its_passages(retriever: Retriever) -> None:
    import copy
    from dataclasses import replace

    import numpy as np

    from qa.index.store import FaissStore

    dim = retriever.index.vectors.dim
    bare = copy.copy(retriever)
    bare.index = replace(
        retriever.index,
        sentences=FaissStore.build(np.zeros((0, dim), dtype=np.float32), dim),
        sentence_owner=np.zeros(0, dtype=np.int32),
    )
    copied = seed_sentence(SEED_003, "主要方式是搭台")
    check = check_draft(f"{copied}{UNRELATED}", bare)
    assert check.sentences[0].kind == "repeat" and len(check.sentences) == 2
    best = check.sentences[0].matches[0]
    assert best.source == SEED_003 and best.sentence == copied, "the passage's sentence with that wording"
