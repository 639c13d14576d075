"""Questions as people type them: traditional characters, spaces, digits, acronyms, quotes.

The field cases 06 and 12 (``tests/field_cases/``), and small indexes built here, with the
real model; the normalisation itself without one.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.build.builder import build_index
from qa.errors import StaleIndexError
from qa.index.load import load_index
from qa.retrieve.retriever import Retriever
from qa.text.normalise import fold, match_form, match_form_with_offsets, numeral_value, unspaced_question
from qa.ui.render import highlight, term_spans

CASES = Path(__file__).parent / "field_cases"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, embedder):
    """Build a folder into an index once per module; returns its retriever."""
    cache: dict[Path, Retriever] = {}

    def build(folder: Path) -> Retriever:
        if folder not in cache:
            index = tmp_path_factory.mktemp("index") / "index"
            build_index(folder, index, embedder)
            cache[folder] = Retriever(index, embedder=embedder)
        return cache[folder]

    return build


def ids(hits) -> list[str]:
    return [hit.passage_id for hit in hits]


# --- the normalisation ---------------------------------------------------------------------------------


def test_fold_keeps_every_character_at_its_place() -> None:
    text = "調查研究要堅持什麼導向？ＣＰＰＣＣ２０２４"
    assert fold(text) == "调查研究要坚持什么导向?cppcc2024"
    assert len(fold(text)) == len(text)


@pytest.mark.parametrize(
    ("numeral", "value"),
    [("十四", 14), ("二", 2), ("十", 10), ("二十", 20), ("一百零五", 105), ("二〇二四", 2024)],
)
def test_chinese_numerals_have_their_values(numeral: str, value: int) -> None:
    assert numeral_value(numeral) == value


def test_counting_numerals_match_digits_and_other_numerals_stay() -> None:
    assert match_form("十四届全国政协二次会议") == match_form("14届全国政协2次会议") == "14届全国政协2次会议"
    assert match_form("第三条") == "第3条"
    assert match_form("统一思想、一些问题") == "统一思想、一些问题"


def test_match_form_offsets_point_back_at_the_written_characters() -> None:
    text = "在十四届 全国政协"
    form, origin = match_form_with_offsets(text)
    assert form == "在14届全国政协"
    assert [text[i] for i in origin] == ["在", "十", "四", "届", "全", "国", "政", "协"]


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("提 高 提 案 质 量", "提高提案质量"),
        ("政 协 委 员 怎 样 履 职 ?", "政协委员怎样履职?"),
        ("how to use Python 3", "how to use Python 3"),
    ],
)
def test_a_question_with_a_space_after_every_character_is_read_without_them(typed: str, read: str) -> None:
    assert unspaced_question(typed) == read


# --- traditional characters (field case 06) --------------------------------------------------------------


@pytest.mark.parametrize(
    ("traditional", "simplified"),
    [
        ("調查研究要堅持什麼導向", "调查研究要坚持什么导向"),
        ("提高提案質量要在哪裡下功夫", "提高提案质量要在哪里下功夫"),
    ],
)
def test_a_question_in_traditional_characters_finds_what_its_simplified_form_finds(
    built, traditional: str, simplified: str
) -> None:
    retriever = built(CASES / "06-traditional-query" / "seeds")
    expected = ids(retriever.search(simplified, k=3))
    assert expected and ids(retriever.search(traditional, k=3)) == expected


def test_a_document_in_traditional_characters_is_found_by_a_simplified_question(built) -> None:
    retriever = built(CASES / "11-big5" / "seeds")
    hits = retriever.search("港澳委员要积极反映社情民意", k=1)
    assert hits and "港澳委員熟悉當地情況" in hits[0].text
    assert "委员" in hits[0].matched_terms  # matched in the folded text, marked on the written 委員


# --- quoted phrases (field case 12) ----------------------------------------------------------------------


def test_a_quoted_phrase_no_passage_contains_gives_no_passage_and_says_so(built) -> None:
    answer = built(CASES / "12-quoted-phrase" / "seeds").answer("“委员议事厅”有什么作用", k=3)
    assert answer.hits == []
    assert answer.message == "没有段落包含“委员议事厅”。"


@pytest.mark.parametrize("question", ["“口述回忆”", "「口述回忆」要注意什么", "“口 述 回 忆”"])
def test_a_quoted_phrase_in_the_documents_is_always_found_and_required(built, question: str) -> None:
    hits = built(CASES / "12-quoted-phrase" / "seeds").search(question, k=3)
    assert hits and all("口述回忆" in hit.text for hit in hits)


def _phrase_case(retriever: Retriever, question: str, phrase: str) -> tuple[list[int], set[int], set[int]]:
    """The passages holding ``phrase``, ordered by the question's BM25 (ties by row), and the
    dense search's passages (its best passages and its best sentences' passages)."""
    import numpy as np

    from qa.retrieve.candidates import dense_candidates
    from qa.retrieve.query import question_text

    index = retriever.index
    everything = np.ones(len(index.passages), dtype=bool)
    holders = [row for row, p in enumerate(index.passages) if phrase in match_form(p.text)]
    bm25 = index.lexical.ranked(question_text(question), everything).full()
    q = retriever.embedder.encode_queries([question_text(question)])
    dense_ids, best_sentence = dense_candidates(index, q, None, everything)
    dense = {int(row) for row in dense_ids if row >= 0} | set(best_sentence)
    return sorted(holders, key=lambda row: (-bm25[row], row)), dense, set(holders)


def test_a_phrase_in_more_passages_than_the_bound_takes_those_bm25_ranks_best_and_the_dense_searchs(
    fake_seeds_retriever, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qa.retrieve import phrases

    monkeypatch.setattr(phrases, "PHRASE_CANDIDATES", 4)
    question = "“委员”怎样提高履职能力"
    by_bm25, dense, holders = _phrase_case(fake_seeds_retriever, question, "委员")
    from_dense = (dense & holders) - set(by_bm25[:4])
    assert len(holders) > 20 and from_dense, "needs holders past the bound that the dense search finds"
    assert set(fake_seeds_retriever.rank(question).ids.tolist()) == set(by_bm25[:4]) | from_dense
    assert all("委员" in hit.text for hit in fake_seeds_retriever.search(question, k=3))


def test_a_phrase_within_the_bound_takes_every_holder_and_nothing_else(fake_seeds_retriever) -> None:
    question = "“委员”怎样提高履职能力"
    _, dense, holders = _phrase_case(fake_seeds_retriever, question, "委员")
    assert dense - holders, "the case needs dense passages without the phrase"
    assert set(fake_seeds_retriever.rank(question).ids.tolist()) == holders


# --- Latin words, digits, spaces and highlights ------------------------------------------------------------

SPEECHES = {
    "a.txt": "在市政协常委会议上的讲话\n要认真总结全国政协十四届二次会议的经验，做好本届会议的筹备工作。\n"
    "要加强同CPPCC委员的联系，介绍人民政协制度的特点和优势。\n"
    "2024年要继续提高提案质量，推动提案办理落到实处。\n",
    "b.txt": "在区政协全体会议上的讲话\n要坚持团结和民主两大主题，广泛凝聚共识。\n"
    "二次创业要抓住机遇，会议要求各级政协组织深入调查研究。\n",
}


@pytest.fixture(scope="module")
def speeches(tmp_path_factory: pytest.TempPathFactory, built) -> Retriever:
    folder = tmp_path_factory.mktemp("speeches")
    for name, text in SPEECHES.items():
        (folder / name).write_text(text, encoding="utf-8")
    return built(folder)


def test_a_rare_acronym_alone_finds_the_one_passage_that_has_it(speeches: Retriever) -> None:
    hits = speeches.search("CPPCC", k=3)
    assert hits and "CPPCC" in hits[0].text
    assert (
        speeches.search("ｃｐｐｃｃ委员", k=1)[0].passage_id == hits[0].passage_id
    )  # full-width, lower case


def test_digits_in_a_question_match_numerals_in_the_text_by_words_alone(speeches: Retriever) -> None:
    for mode in ("lexical", "hybrid"):
        hits = speeches.search("14届全国政协2次会议", k=1, mode=mode)
        assert hits and "十四届二次会议" in hits[0].text, mode


def test_a_spaced_question_gets_the_answer_of_its_unspaced_form(speeches: Retriever) -> None:
    assert ids(speeches.search("提 高 提 案 质 量", k=2)) == ids(speeches.search("提高提案质量", k=2))


def test_single_characters_and_digits_are_never_highlighted_or_listed(speeches: Retriever) -> None:
    (hit,) = speeches.search("14届全国政协2次会议", k=1)
    assert all(len(term) > 1 for term in hit.matched_terms)
    text = "2024年要继续提高提案质量，全国政协十四届二次会议。"
    marked = highlight(text, ["2", "14", "政协", "次"])
    assert "<mark>2</mark>" not in marked and "<mark>次</mark>" not in marked
    assert "<mark>政协</mark>" in marked
    assert [text[s.start : s.end] for s in term_spans(text, ["14届"])] == ["十四届"]


@pytest.mark.parametrize("question", ["团结", "提案", "协商民主"])
def test_one_word_questions_about_the_speeches_are_answered(retriever, question: str) -> None:
    hits = retriever.search(question, k=1)
    assert hits and question in hits[0].text


@pytest.mark.parametrize(
    "question", ["Python 如何读取一个文件?", "明天北京的天气怎么样?", "推荐几部好看的科幻电影"]
)
def test_everyday_questions_get_no_passage(retriever, question: str) -> None:
    assert retriever.search(question) == []


def test_the_build_records_the_gate_background_and_the_normalisation(retriever) -> None:
    manifest = retriever.index.manifest
    background = manifest["gate_background"]
    assert 0.7 < background["dense"] < 0.95 and 0.0 <= background["coverage"] < 0.6
    assert retriever.background.dense == background["dense"]
    assert manifest["lexical"]["normalisation"].startswith("nfkc1+lower+opencc-t2s")


def test_an_index_cut_with_another_normalisation_is_refused_by_search(
    tmp_path: Path, tiny_seeds, fake_embedder
) -> None:
    import json

    build_index(tiny_seeds, tmp_path / "index", fake_embedder)
    manifest_path = tmp_path / "index" / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["lexical"]["normalisation"] = "nfkc+lower"
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(StaleIndexError, match="another normalisation"):
        load_index(tmp_path / "index")
    rebuilt = build_index(tiny_seeds, tmp_path / "index", fake_embedder)
    assert rebuilt["build"]["passages_embedded"] == 0  # the vectors are reused; only the tokens are cut again


def test_of_two_quoted_phrases_the_one_no_passage_contains_is_named(built) -> None:
    retriever = built(CASES / "12-quoted-phrase" / "seeds")
    assert retriever.answer("“口述回忆”和“委员议事厅”").message == "没有段落包含“委员议事厅”。"
    together = retriever.answer("“口述回忆”和“问题清单”")  # each is somewhere, never in one passage
    assert together.hits == [] and together.message == "没有段落同时包含“口述回忆”和“问题清单”。"


# --- typos: two neighbouring characters swapped ----------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("委员应当怎增样强履职意识?", "委员应当怎样增强履职意识?"),
        ("政协履职应围该绕什么展开?", "政协履职应该围绕什么展开?"),
    ],
)
def test_a_swapped_pair_of_characters_is_swapped_back_and_answered_as_meant(
    retriever, typed: str, meant: str
) -> None:
    assert retriever.index.lexical.transposition_fix(typed) == meant
    answer = retriever.answer(typed, k=3)
    assert answer.corrected == meant
    assert ids(answer.hits) == ids(retriever.search(meant, k=3))


def test_no_question_typed_correctly_is_changed(retriever) -> None:
    from qa.retrieve.evaluate import default_questions_path, load_questions
    from qa.retrieve.gate import probe_questions

    questions = [q.question for q in load_questions(default_questions_path())] + probe_questions()
    changed = {q: fixed for q in questions if (fixed := retriever.index.lexical.transposition_fix(q))}
    assert changed == {}


def test_a_quoted_phrase_is_never_corrected(retriever) -> None:
    assert retriever.index.lexical.transposition_fix("“怎增样强”履职意识") is None
    assert retriever.answer("“怎增样强”履职意识").corrected == ""


def test_fold_by_table_is_folding_each_character_alone() -> None:
    """``fold`` translates by a table (speed); it must equal its definition, character by character."""
    import unicodedata

    from qa.text.normalise import simplified

    def one_by_one(text: str) -> str:
        chars = (unicodedata.normalize("NFKC", char).lower() for char in text)
        return simplified("".join(f if len(f) == 1 else c for f, c in zip(chars, text, strict=True)))

    for start in range(0, 0x110000, 0x1000):
        block = "".join(chr(c) for c in range(start, start + 0x1000) if not 0xD800 <= c <= 0xDFFF)
        assert fold(block) == one_by_one(block), hex(start)
    for passage in load_index(Path(__file__).parents[1] / "index").passages:
        assert fold(passage.text) == one_by_one(passage.text)


def test_a_digit_term_marks_the_whole_chinese_numeral_it_stands_for() -> None:
    text = "十四届三次会议提交了提案"
    assert [text[s.start : s.end] for s in term_spans(text, ["14"])] == ["十四"]
    assert [text[s.start : s.end] for s in term_spans("党的二十大以来", ["20"])] == []  # 二十大 is no count
