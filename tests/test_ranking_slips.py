"""Small ranking slips users notice: a word marked inside another word, a vague question
answered with noise, a swapped pair of characters not taken back."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.retrieve.vague import TOO_VAGUE
from qa.text.normalise import match_form
from qa.text.tokens import default_tokenizer, occurs_as_word
from qa.ui import ChatService, Conversation, FeedbackLog
from qa.ui.render import highlight, term_spans

# -- marks on words, not inside them ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "term", "marked"),
    [
        ("市政府要加强市政建设", "市政", ["市政"]),  # the one in 市政建设, not the one in 市政府
        ("市政府工作报告", "市政", []),
        ("全国政协委员会", "政协", ["政协"]),  # 政协|委员会: a word of the compound
        ("全国政协委员会", "委员", ["委员"]),
        ("提高履职能力", "职能", []),  # 履职|能力
        ("提高履职能力", "履职", ["履职"]),
    ],
)
def test_a_question_word_is_marked_only_where_the_passage_has_it_as_a_word(
    text: str, term: str, marked: list[str]
) -> None:
    assert [text[s.start : s.end] for s in term_spans(text, [term])] == marked


def test_the_card_marks_shi_zheng_in_municipal_works_but_not_inside_the_city_government() -> None:
    out = highlight("市政府要加强市政建设。", ["市政"])
    assert out == "市政府要加强<mark>市政</mark>建设。"


def test_word_bounds_split_compounds_of_three_or_more_characters_only() -> None:
    tokenizer = default_tokenizer()
    assert {0, 1, 3} <= tokenizer.word_bounds("市政府") and 2 not in tokenizer.word_bounds("市政府")
    assert {0, 2, 4, 5} <= tokenizer.word_bounds("政协委员会")


def _bounds_of_the_whole_cut(tokenizer, form: str) -> frozenset[int]:  # type: ignore[no-untyped-def]
    """``word_bounds`` as first written: jieba cuts the whole text at once."""
    bounds, at = {0, len(form)}, 0
    for word in tokenizer._jieba.cut(form, HMM=False):
        bounds.update(at + cut for cut in tokenizer._inner_cuts(word))
        at += len(word)
        bounds.add(at)
    return frozenset(bounds)


def test_word_bounds_cut_run_by_run_are_those_of_the_whole_text_and_near_words_read_the_same(
    retriever,
) -> None:
    tokenizer = retriever.index.lexical.tokenizer
    passages = [p.text for p in retriever.index.passages]
    odd = ["政协委员\r\n提案 2024年GDP增长5.2%，“两个确立”·市政府", "  市政府\t市政建设 abc-12_x#y "]
    for number, text in enumerate([*passages, *odd]):
        form = match_form(text) if number < len(passages) else text
        whole = _bounds_of_the_whole_cut(tokenizer, form)
        assert tokenizer.word_bounds(form) == whole, form
        # A question's words, some in the text, some not, some inside its compounds.
        near = [*tokenizer.words(passages[(number * 7 + 3) % len(passages)][:40]), "市政", "委员", form[5:7]]
        bounds = tokenizer.word_bounds(form, near=near)
        assert [occurs_as_word(w, form, bounds) for w in near] == [
            occurs_as_word(w, form, whole) for w in near
        ]
    assert len(tokenizer.word_bounds(form, near=["市政"])) < len(whole), "runs without the word are not cut"


def test_matched_terms_are_words_of_the_passage(retriever) -> None:
    tokenizer = retriever.index.lexical.tokenizer
    for question in ("市政协怎样推进市政建设？", "政协委员怎样提高履职能力？", "怎样加强委员会建设？"):
        for hit in retriever.search(question, k=5):
            form = match_form(hit.text)
            bounds = tokenizer.word_bounds(form)
            assert all(occurs_as_word(term, form, bounds) for term in hit.matched_terms), (question, hit.text)


# -- a question too vague to answer alone ---------------------------------------------------


@pytest.mark.parametrize(
    "question", ["具体有哪些措施？", "有什么要求？", "主要内容是什么？", "工作重点是什么？"]
)
def test_a_question_of_generic_words_only_is_called_too_vague(retriever, question: str) -> None:
    found = retriever.answer(question, k=3)
    assert found.hits == [] and found.message == TOO_VAGUE


@pytest.mark.parametrize(
    "question", ["政协提案工作有哪些措施？", "“具体措施”", "政协委员怎样提高履职能力？", "团结", "凝聚共识"]
)
def test_a_question_naming_its_topic_is_not_too_vague(retriever, question: str) -> None:
    assert retriever.answer(question, k=3).message != TOO_VAGUE


@pytest.fixture
def service(retriever, tmp_path: Path) -> ChatService:
    return ChatService(retriever, FeedbackLog(tmp_path / "feedback.jsonl"))


def test_ask_alone_of_a_vague_follow_up_says_it_is_too_vague(service: ChatService) -> None:
    first = service.respond("如何加强政协党的建设？", 3, None, Conversation())
    merged = service.respond("具体有哪些措施？", 3, None, first)
    assert merged.turns[3].follow_up and "qa-card" in merged.messages[-1]["content"]  # leans on the topic
    alone = service.ask_alone(merged)
    reply = alone.messages[-1]["content"]
    assert "问题太笼统" in reply and "qa-card" not in reply


# -- a swapped pair of characters ----------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("如何提高履能职力？", "如何提高履职能力？"),
        ("委员的履能职力", "委员的履职能力"),
        ("怎增样强履职能力", "怎样增强履职能力"),
    ],
)
def test_a_swapped_pair_is_taken_back(retriever, typed: str, meant: str) -> None:
    assert retriever.index.lexical.transposition_fix(typed) == meant


def test_a_swap_is_taken_back_when_the_broken_pairs_occur_by_chance_in_a_large_collection() -> None:
    """Beside 20 government work reports, 能职 and 职力 each occur once, across two words
    (智能职业, 本职力量): once a pair in at most 0.1% of the passages counts as unused, 履能职力
    is read as 履职能力 again."""
    from qa.index.bm25 import LexicalIndex
    from qa.index.layout import make_tokenizer
    from qa.text.tokens import LexicalSettings, default_user_dictionary

    fillers = [f"第{i}项工作要抓好落实，推动经济社会发展。" for i in range(1200)]
    texts = [*fillers, *["政协委员要提高履职能力。"] * 30, "发展智能职业教育。", "发挥本职力量。"]
    lexical = LexicalIndex.build(texts, make_tokenizer(LexicalSettings(), [], default_user_dictionary()))
    assert lexical.pair_count("能职") == lexical.pair_count("职力") == 1
    assert lexical.transposition_fix("如何提高履能职力？", rare_share=0.0) is None  # the slip
    assert lexical.transposition_fix("如何提高履能职力？") == "如何提高履职能力？"
    assert lexical.transposition_fix("如何提高履职能力？") is None


def test_a_question_that_names_its_document_is_never_too_vague(retriever) -> None:
    found = retriever.answer("2025年的讲话有哪些要求？", k=3)
    assert found.message != TOO_VAGUE
