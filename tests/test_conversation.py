"""Follow-up questions: which questions lean on the previous topic, and what is searched."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest

from qa.lexical import ChineseTokenizer, LexicalSettings, default_user_dictionary, longest_terms
from qa.ui.conversation import Conversation, Turn, build_query, is_follow_up

Words = Callable[[str], Sequence[str]]

TOPIC = "政协委员怎样提高履职能力?"
FOLLOW_UPS = ["那具体要怎么做?", "还有呢?", "具体措施呢?", "这些要求怎么落实?", "有哪些要求"]
STANDALONE = ["如何加强政协党的建设?", "怎样提高协商议政质量?"]


@pytest.fixture(scope="module")
def words() -> Words:
    return ChineseTokenizer(LexicalSettings(), default_user_dictionary()).words


def make_turn(question: str, passage_ids: tuple[str, ...]) -> Turn:
    return Turn(question=question, query=question, passage_ids=passage_ids, k=3, sources=("a.txt",))


def test_first_question_without_topic_is_searched_as_is(words: Words) -> None:
    query = build_query(TOPIC, None, words)
    assert query.text == TOPIC
    assert query.topic == TOPIC
    assert query.follow_up is False


def test_question_is_stripped_before_it_is_searched(words: Words) -> None:
    query = build_query(f"  {TOPIC}\n", None, words)
    assert query.text == TOPIC and query.topic == TOPIC


def test_even_a_follow_up_shaped_question_has_no_topic_to_lean_on_at_start(words: Words) -> None:
    query = build_query("还有呢?", None, words)
    assert query.follow_up is False
    assert query.text == "还有呢?" and query.topic == "还有呢?"


@pytest.mark.parametrize("question", FOLLOW_UPS)
def test_follow_up_is_searched_with_topic_and_keeps_topic(question: str, words: Words) -> None:
    query = build_query(question, TOPIC, words)
    assert query.follow_up is True
    assert TOPIC in query.text and question in query.text
    assert query.text.index(TOPIC) < query.text.index(question)
    assert query.topic == TOPIC


@pytest.mark.parametrize("question", FOLLOW_UPS)
def test_is_follow_up_recognises_questions_without_their_own_topic(question: str, words: Words) -> None:
    assert is_follow_up(question, words(question))


def test_chained_follow_ups_keep_the_original_topic(words: Words) -> None:
    first = build_query(TOPIC, None, words)
    second = build_query("那具体要怎么做?", first.topic, words)
    third = build_query("还有呢?", second.topic, words)
    assert second.topic == third.topic == TOPIC
    assert third.follow_up is True
    assert third.text == f"{TOPIC} 还有呢?"
    assert "那具体要怎么做" not in third.text


@pytest.mark.parametrize("question", STANDALONE)
def test_question_with_its_own_topic_starts_a_new_topic(question: str, words: Words) -> None:
    query = build_query(question, TOPIC, words)
    assert query.follow_up is False
    assert query.text == question
    assert query.topic == question
    assert not is_follow_up(question, words(question))


def test_follow_up_after_a_new_topic_leans_on_the_new_topic(words: Words) -> None:
    new = build_query("如何加强政协党的建设?", TOPIC, words)
    query = build_query("具体措施呢?", new.topic, words)
    assert query.follow_up is True
    assert query.topic == "如何加强政协党的建设?"
    assert "党的建设" in query.text and "履职能力" not in query.text


def test_question_without_content_words_is_a_follow_up() -> None:
    query = build_query("政协委员要怎样做", TOPIC, lambda text: [])
    assert query.follow_up is True and query.topic == TOPIC


def test_build_query_uses_the_given_words_to_decide() -> None:
    def fake_words(text: str) -> list[str]:
        return ["协商", "议政", "质量"] if "协商" in text else []

    assert build_query("协商议政质量怎样提高", TOPIC, fake_words).follow_up is False
    assert build_query("质量怎样提高", TOPIC, fake_words).follow_up is True


def test_longest_terms_drops_sub_words_and_duplicates() -> None:
    terms = longest_terms(["政协", "委员", "政协委员", "履职", "履职能力", "提高", "提高"])
    assert sorted(terms) == sorted(["政协委员", "履职能力", "提高"])
    assert len(terms) == len(set(terms))


def test_longest_terms_of_nothing_is_empty() -> None:
    assert longest_terms([]) == []


def test_shown_passages_unions_ids_of_all_turns() -> None:
    conversation = Conversation(
        topic=TOPIC,
        turns={
            1: make_turn(TOPIC, ("a.txt#1.1", "a.txt#2.1")),
            3: make_turn("还有呢?", ("a.txt#2.1", "b.txt#4.2")),
        },
    )
    assert conversation.shown_passages() == {"a.txt#1.1", "a.txt#2.1", "b.txt#4.2"}


def test_new_conversation_has_shown_nothing() -> None:
    conversation = Conversation()
    assert conversation.shown_passages() == set()
    assert conversation.topic is None and conversation.messages == []
