"""The relevance gate: ordinary Chinese as the background of word weights, asking words, everyday questions.

The questions a new user asked of the archive are regression tests on the seeds (the
committed index): everyday questions get no passage, an in-domain question asked with
asking words (最新, 官方, 提法) is answered as the bare topic is.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qa.retrieve.gate import (
    GATE_VERSION,
    Background,
    GateSettings,
    Reading,
    everyday_closeness,
    is_relevant,
    word_weight,
)
from qa.text import frequency as general

SETTINGS = GateSettings()


# --- ordinary Chinese --------------------------------------------------------------------------------


def test_ordinary_words_are_more_frequent_than_topic_words() -> None:
    assert general.frequency("的") > general.frequency("今天") > general.frequency("护照")
    assert general.frequency("今天") > 10 * general.frequency("政协委员")


def test_a_word_the_list_lacks_is_read_as_its_pieces_and_is_rarer_than_each() -> None:
    assert general.frequencies().get("新质生产力") == 0.0
    combined = general.frequency("新质生产力")
    assert general.FLOOR < combined < min(general.frequency("新质"), general.frequency("生产力"))
    assert general.frequency("") == general.FLOOR


def test_the_list_is_cached_as_arrays_a_later_process_maps(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    general.cache_folder.cache_clear()
    general.frequencies.cache_clear()
    try:
        first = general.frequencies()
        assert (general.cache_folder() / "words.npy").is_file()
        general.frequencies.cache_clear()
        again = general.frequencies()
        assert isinstance(again.words, np.memmap)  # read from the cache, not the package
        assert again.get("团结") == first.get("团结") > 0
    finally:
        general.cache_folder.cache_clear()
        general.frequencies.cache_clear()


# --- word weights ------------------------------------------------------------------------------------


@pytest.mark.parametrize("word", ["最新", "官方", "提法", "要求", "哪些方面"])
def test_asking_words_weigh_nothing(word: str) -> None:
    assert word_weight(0, 62, word, SETTINGS) == 0.0


def test_a_word_the_collection_lacks_weighs_what_ordinary_chinese_says() -> None:
    # neither is in five speeches; 今天 is everywhere in ordinary Chinese, 护照 is a topic
    # (by the collection's IDF alone both would weigh ln(1 + 62.5 / 0.5) = 4.8)
    assert word_weight(0, 62, "护照", SETTINGS) > 1.5 * word_weight(0, 62, "今天", SETTINGS)
    # a collection that has a word often decides its weight, whatever ordinary Chinese says
    assert word_weight(5000, 6000, "护照", SETTINGS) < 0.5
    assert word_weight(3, 6000, "今天", SETTINGS) > word_weight(3, 62, "今天", SETTINGS)


def test_numbers_still_name_something() -> None:
    assert word_weight(1, 62, "2025", SETTINGS) > 1.0


# --- the rule ----------------------------------------------------------------------------------------


def test_a_probe_question_is_not_compared_with_itself() -> None:
    probes = np.eye(4, dtype=np.float32)
    assert everyday_closeness(probes[0], probes) == 0.0
    near = np.array([0.8, 0.6, 0.0, 0.0], dtype=np.float32)
    assert everyday_closeness(near, probes) == pytest.approx((0.8 + 0.6 + 0.0) / 3)


def test_close_in_meaning_but_closer_to_everyday_questions_is_not_answered() -> None:
    background = Background(dense=0.84, coverage=0.28, contrast=-0.01)
    near_collection = Reading(coverage=0.1, dense=0.88, everyday=0.83)
    near_everyday = Reading(coverage=0.1, dense=0.88, everyday=0.92)
    assert is_relevant(near_collection, background, SETTINGS)
    assert not is_relevant(near_everyday, background, SETTINGS)
    assert is_relevant(Reading(coverage=1.0, dense=0.80, everyday=0.95), background, SETTINGS)  # by words


def test_a_background_records_the_gate_version() -> None:
    background = Background.of([Reading(0.1 * i, 0.8 + 0.001 * i, 0.82) for i in range(10)])
    assert background.version == GATE_VERSION
    assert background.contrast == pytest.approx(
        np.percentile([0.001 * i - 0.02 for i in range(10)], 90), abs=1e-4
    )


# --- what a new user asked, on the seeds -------------------------------------------------------------


@pytest.mark.parametrize(
    "question", ["怎么办理护照？", "今天天气怎么样", "开会住哪个酒店?", "新质生产力最新的官方提法是什么？"]
)
def test_everyday_questions_and_absent_topics_get_no_passage(retriever, question: str) -> None:
    assert retriever.search(question) == []


@pytest.mark.parametrize(
    ("question", "topic"),
    [("协商民主最新的官方提法是什么？", "协商民主"), ("政协委员履职能力最新的官方提法是什么?", "履职能力")],
)
def test_asking_for_the_latest_official_wording_is_answered_as_the_topic_is(
    retriever, question: str, topic: str
) -> None:
    assert retriever.search(topic)
    reading = retriever.rank(question)
    assert reading.relevant and reading.coverage == 1.0  # 最新, 官方, 提法 are not missing topic words


def test_the_committed_index_records_this_gate_version(retriever) -> None:
    assert retriever.index.manifest["gate_background"]["version"] == GATE_VERSION
