"""The chat page's logic on the real index and model, without a browser."""

from __future__ import annotations

import html
import json
from pathlib import Path

import pytest

from qa.errors import QuestionError
from qa.ui import ChatService, Conversation, FeedbackLog
from qa.ui.render import NO_RESULT, NO_RESULT_FILTER_HINT, NO_RESULT_HINT

FLAGSHIP = "政协委员怎样提高履职能力?"
FLAGSHIP_PASSAGE = "001_ec7618cb6664527d.txt#31.1"


@pytest.fixture
def service(retriever, tmp_path: Path) -> ChatService:
    return ChatService(retriever, FeedbackLog(tmp_path / "feedback" / "feedback.jsonl"))


def test_answer_shows_the_passage_with_title_section_and_paragraph(service: ChatService) -> None:
    conversation = service.respond(FLAGSHIP, 3, None, Conversation())
    user, reply = conversation.messages
    assert user["role"] == "user" and "政协委员怎样提高履职能力" in user["content"]
    assert reply["role"] == "assistant"
    assert "要提高履职能力" in reply["content"]
    assert "《2022年在市委政协工作会议上讲话》" in reply["content"]
    assert "第31段（二、把握工作重点……部分） · 三是切实强化政协委员责任担当" in reply["content"]
    assert "<mark>履职能力</mark>" in reply["content"]
    assert reply["content"].count('class="qa-card"') == 3
    assert conversation.turns[1].passage_ids[0] == FLAGSHIP_PASSAGE


def test_k_sets_the_number_of_cards(service: ChatService) -> None:
    for k in (1, 5):
        reply = service.respond("如何加强政协党的建设", k, None, Conversation()).messages[-1]["content"]
        assert reply.count('class="qa-card"') == k


@pytest.mark.parametrize("k", [0, 11, -3])
def test_k_outside_one_to_ten_is_refused(service: ChatService, k: int) -> None:
    with pytest.raises(ValueError, match="between 1 and 10"):
        service.respond(FLAGSHIP, k, None, Conversation())


def test_an_out_of_domain_question_gets_no_result_and_becomes_the_topic(service: ChatService) -> None:
    first = service.respond(FLAGSHIP, 3, None, Conversation())
    second = service.respond("红烧肉怎么做?", 3, None, first)
    reply = second.messages[-1]["content"]
    assert NO_RESULT in reply and "qa-card" not in reply
    assert second.topic == "红烧肉怎么做?", "the newest question with a topic, answered or not"


def test_a_quoted_phrase_no_passage_contains_is_named_on_the_page_and_in_the_api(
    service: ChatService,
) -> None:
    reply = service.respond("“委员议事厅”有什么作用", 3, None, Conversation()).messages[-1]["content"]
    assert "没有段落包含“委员议事厅”。" in html.unescape(reply) and "qa-card" not in reply
    result = service.api_search("“委员议事厅”有什么作用")
    assert result["passages"] == [] and result["message"] == "没有段落包含“委员议事厅”。"


def test_follow_up_searches_the_combined_intent_and_prefers_new_passages(service: ChatService) -> None:
    first = service.respond(FLAGSHIP, 3, None, Conversation())
    second = service.respond("那具体要怎么做?", 3, None, first)
    turn = second.turns[3]
    assert turn.query.startswith(FLAGSHIP) and turn.query.endswith("那具体要怎么做?")
    assert "结合上一个问题理解为" in second.messages[-1]["content"]
    shown = set(first.turns[1].passage_ids)
    flags = [pid in shown for pid in turn.passage_ids]
    assert flags == sorted(flags), "passages already shown must come after new ones"
    assert any(
        "履职" in service.retriever.passages[service.retriever.index.row_of(pid)].text
        for pid in turn.passage_ids
    )


def test_a_new_topic_is_not_mixed_with_the_previous_one(service: ChatService) -> None:
    first = service.respond(FLAGSHIP, 3, None, Conversation())
    second = service.respond("如何加强政协党的建设?", 3, None, first)
    assert second.turns[3].query == "如何加强政协党的建设?"
    assert second.topic == "如何加强政协党的建设?"


def test_a_short_question_naming_its_own_topic_is_searched_alone(service: ChatService) -> None:
    first = service.respond("如何加强政协党的建设？", 3, None, Conversation())
    second = service.respond("协商民主", 3, None, first)
    assert second.turns[3].query == "协商民主" and not second.turns[3].follow_up
    assert "结合上一个问题理解为" not in second.messages[-1]["content"]
    assert second.topic == "协商民主"


def test_respond_standalone_never_merges_with_the_topic(service: ChatService) -> None:
    first = service.respond(FLAGSHIP, 3, None, Conversation())
    alone = service.respond("在民主监督方面呢？", 3, None, first, standalone=True)
    assert alone.turns[3].query == "在民主监督方面呢？" and not alone.turns[3].follow_up
    assert "只按本问题检索，未结合上一个问题" in alone.messages[-1]["content"]


def test_ask_alone_replaces_the_follow_up_answer_by_the_question_answered_alone(service: ChatService) -> None:
    first = service.respond(FLAGSHIP, 3, None, Conversation())
    merged = service.respond("在民主监督方面呢？", 2, None, first)
    assert merged.turns[3].follow_up and merged.last_follow_up() is not None
    assert merged.messages[-1]["options"] == [{"label": "只按本问题检索", "value": "只按本问题检索"}]
    assert "options" not in first.messages[-1], "only a follow-up's answer offers it"
    alone = service.ask_alone(merged)
    assert len(alone.messages) == 4 and alone.messages[:2] == first.messages
    turn = alone.turns[3]
    assert turn.query == "在民主监督方面呢？" and not turn.follow_up and turn.k == 2
    reply = alone.messages[-1]["content"]
    assert "只按本问题检索，未结合上一个问题" in reply and "结合上一个问题理解为" not in reply
    assert reply.count('class="qa-card"') == 2 and "民主监督" in html.unescape(reply)
    assert alone.topic == "在民主监督方面呢？" and alone.last_follow_up() is None
    assert "options" not in alone.messages[-1]
    assert service.ask_alone(alone) is alone, "nothing to take back once answered alone"


def test_ask_alone_of_a_question_without_topic_says_nothing_was_found(service: ChatService) -> None:
    merged = service.respond("那具体要怎么做？", 3, None, service.respond(FLAGSHIP, 3, None, Conversation()))
    alone = service.ask_alone(merged)
    reply = alone.messages[-1]["content"]
    assert alone.turns[3].query == "那具体要怎么做？" and NO_RESULT in reply and "qa-card" not in reply
    assert alone.topic == FLAGSHIP, "an unanswered question does not become the topic"


def test_no_result_hint_mentions_the_document_filter_only_when_one_is_set(service: ChatService) -> None:
    unfiltered = html.unescape(
        service.respond("红烧肉怎么做?", 3, None, Conversation()).messages[-1]["content"]
    )
    assert NO_RESULT_HINT in unfiltered and "文档筛选" not in unfiltered
    chosen = ["002_918bf7343061484a.txt"]
    filtered = html.unescape(
        service.respond("红烧肉怎么做?", 3, chosen, Conversation()).messages[-1]["content"]
    )
    assert NO_RESULT_HINT in filtered and NO_RESULT_FILTER_HINT in filtered


def test_document_filter_restricts_every_passage_to_the_chosen_files(service: ChatService) -> None:
    chosen = ["002_918bf7343061484a.txt", "004_d709b2b97a0ad8c6.txt"]
    conversation = service.respond(FLAGSHIP, 5, chosen, Conversation())
    ids = conversation.turns[1].passage_ids
    assert ids and all(pid.split("#")[0] in chosen for pid in ids)
    assert "只在" in conversation.messages[-1]["content"]


def test_unknown_document_in_the_filter_is_refused(service: ChatService) -> None:
    with pytest.raises(ValueError, match="Unknown document"):
        service.respond(FLAGSHIP, 3, ["../../etc/passwd"], Conversation())


def test_empty_question_is_refused(service: ChatService) -> None:
    with pytest.raises(ValueError, match="empty"):
        service.respond("   ", 3, None, Conversation())


def test_markup_in_a_question_is_shown_as_text(service: ChatService) -> None:
    question = "<img src=x onerror=alert(1)> [链接](http://evil.example) 政协委员"
    content = service.respond(question, 3, None, Conversation()).messages[0]["content"]
    assert "<img" not in content and "](" not in content
    assert "&lt;img" in content


def test_rating_an_answer_appends_question_passages_and_build_id(service: ChatService) -> None:
    conversation = service.respond(FLAGSHIP, 2, None, Conversation())
    assert service.rate(conversation, 1, "dislike")
    assert not service.rate(conversation, 0, "like"), "the user's own message is not an answer"
    lines = service.feedback.path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["rating"] == "dislike"
    assert record["question"] == FLAGSHIP
    assert record["passage_ids"] == list(conversation.turns[1].passage_ids)
    assert record["build_id"] == service.retriever.index.build_id


def test_api_search_returns_json_with_full_attribution(service: ChatService) -> None:
    result = service.api_search(FLAGSHIP, k=2)
    json.dumps(result, ensure_ascii=False)  # must be JSON-serialisable
    assert result["build_id"] == service.retriever.index.build_id
    top = result["passages"][0]
    assert top["passage_id"] == FLAGSHIP_PASSAGE
    for field in ("doc_title", "doc_date", "section", "paragraph", "source", "start", "end", "matched_terms"):
        assert field in top
    assert top["rank"] == 1
    assert top["citation"].startswith(
        "《2022年在市委政协工作会议上讲话》（2022年），第31段（二、把握工作重点……部分）：“要提高履职能力"
    )
    assert top["citation_gbt7714"].endswith("\n2022年在市委政协工作会议上讲话[Z]. 2022.")
    assert "第31段" in top["attribution"] and top["source"] not in top["attribution"]
    assert top["damaged"] is False and top["suspected_gaps"] == ()


def test_api_search_follow_up_uses_the_previous_question(service: ChatService) -> None:
    result = service.api_search("那具体要怎么做?", k=3, previous=FLAGSHIP)
    assert result["follow_up"] and result["query"].startswith(FLAGSHIP)
    assert result["passages"]


def test_api_search_out_of_domain_says_so(service: ChatService) -> None:
    result = service.api_search("明天北京会下雨吗", k=3)
    assert result["passages"] == [] and result["message"] == NO_RESULT


def test_document_panel_lists_every_indexed_document(service: ChatService) -> None:
    panel = html.unescape(service.documents_html())
    for document in service.retriever.index.documents:
        assert document.title in panel
    assert f"{len(service.retriever.passages)} 段" in panel
    assert len(service.document_choices()) == len(service.retriever.index.documents)


BAD_QUESTIONS = {
    "punctuation only": "？？？！！！...",
    "emoji only": "😀🎉👍",
    "1,992 characters": "政协委员怎样提高履职能力" * 166,
    "control characters and NUL": "政协\x00委员\x07怎样提高\x1b履职能力",
    "mixed scripts": "CPPCC 委员 как 提高履职能力 of members",
    "HTML and JavaScript": "<img src=x onerror=alert(1)><script>alert(2)</script>政协委员",
    "Markdown link and image": "[点我](javascript:alert(1)) ![x](http://127.0.0.1:9/x.png) 政协委员",
    "SQL-ish": "'; DROP TABLE passages; -- 政协",
}


@pytest.mark.parametrize("question", BAD_QUESTIONS.values(), ids=BAD_QUESTIONS.keys())
def test_odd_questions_get_an_answer_or_the_no_result_message_never_markup(
    service: ChatService, question: str
) -> None:
    user, reply = service.respond(question, 3, None, Conversation()).messages
    for content in (user["content"], reply["content"]):
        assert "<img" not in content and "<script" not in content and "](" not in content
        assert "\x00" not in content and "\x1b" not in content
    assert (NO_RESULT in reply["content"]) != ("qa-card" in reply["content"])
    assert len(user["content"]) < 5_000, "a huge question is shown cut, not in full"


def test_a_long_question_is_answered_with_a_note_that_it_was_cut(service: ChatService) -> None:
    reply = service.respond(BAD_QUESTIONS["1,992 characters"], 3, None, Conversation()).messages[-1]
    assert "问题过长" in reply["content"] and "qa-card" in reply["content"]


def test_a_pasted_document_is_refused_with_a_chinese_reason(service: ChatService) -> None:
    with pytest.raises(QuestionError) as refused:
        service.respond("政协委员怎样提高履职能力" * 8_334, 3, None, Conversation())
    reason = refused.value.chinese
    assert reason.startswith("问题过长（100,008字）") and "查重与提法核对" in reason


def test_api_search_refuses_an_empty_question_with_a_specific_error(service: ChatService) -> None:
    with pytest.raises(ValueError, match="empty"):
        service.api_search("  \n ")


def test_a_question_with_two_characters_swapped_says_what_was_searched(service) -> None:
    conversation = service.respond("委员应当怎增样强履职意识?", 3, [], Conversation())
    assert "疑有错字，已按“委员应当怎样增强履职意识?”检索。" in conversation.messages[-1]["content"]
    assert service.api_search("委员应当怎增样强履职意识?")["corrected"] == "委员应当怎样增强履职意识?"


def test_a_filter_on_documents_that_barely_touch_the_question_says_so(service) -> None:
    question = "市政协的总协商品牌叫什么?"  # answered in 003 only
    elsewhere = service.respond(question, 3, ["004_d709b2b97a0ad8c6.txt"], Conversation())
    assert "所选文档中相关内容很少" in elsewhere.messages[-1]["content"]
    assert service.api_search(question, 3, ["004_d709b2b97a0ad8c6.txt"])["few_in_filter"] is True
    there = service.respond(question, 3, ["003_e9d8012ddcf1e712.txt"], Conversation())
    assert "所选文档中相关内容很少" not in there.messages[-1]["content"]
    assert service.api_search(question, 3, ["003_e9d8012ddcf1e712.txt"])["few_in_filter"] is False


def test_a_question_without_chinese_that_finds_nothing_is_asked_for_in_chinese(service) -> None:
    conversation = service.respond("How do members improve their work?", 3, [], Conversation())
    content = conversation.messages[-1]["content"]
    assert "问题里没有汉字" in content and NO_RESULT_HINT not in content
    chinese = service.respond("红烧肉怎么做?", 3, [], Conversation()).messages[-1]["content"]
    assert "问题里没有汉字" not in chinese and html.escape(NO_RESULT_HINT, quote=False) in chinese


def test_a_follow_up_never_reaches_back_past_an_unanswered_question_with_its_own_topic(
    service: ChatService,
) -> None:
    conversation = service.respond(FLAGSHIP, 3, None, Conversation())
    conversation = service.respond("红烧肉怎么做?", 3, None, conversation)
    assert "qa-card" not in conversation.messages[-1]["content"]
    after = service.respond("那具体要怎么做?", 3, None, conversation)
    last = after.turns[len(after.messages) - 1]
    assert FLAGSHIP not in last.query and "红烧肉" in last.query
    assert "qa-card" not in after.messages[-1]["content"]
