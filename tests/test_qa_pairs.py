"""train/qa_pairs.py: question → passage pairs for the adapter, never from the external benchmark."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import REPO, load_script

qa_pairs = load_script(REPO / "train" / "qa_pairs.py", "qa_pairs")

PARAGRAPH = (
    "梵語是印度的古典語言。它的文法十分複雜。學者陸特開創了歐洲的梵語研究。"
    "後來威廉·瓊斯發現了印歐語系。這一發現影響了歷史語言學。"
)


def _drcd(tmp_path: Path) -> Path:
    start = PARAGRAPH.index("陸特")
    data = {
        "data": [
            {
                "id": "7",
                "title": "梵語",
                "paragraphs": [
                    {
                        "id": "7-1",
                        "context": PARAGRAPH,
                        "qas": [
                            {
                                "question": "誰開創了歐洲的梵語研究？",
                                "answers": [{"text": "陸特", "answer_start": start}],
                            }
                        ],
                    }
                ],
            }
        ]
    }
    path = tmp_path / "DRCD_dev.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_a_drcd_question_is_folded_to_simplified_and_its_positive_is_the_window_round_the_answer(
    tmp_path: Path,
) -> None:
    pairs, pool, groups = qa_pairs.read_qa_pairs([_drcd(tmp_path)], window=40)
    assert len(pairs) == 1 and len(pool) == 1
    pair = pairs[0]
    assert pair.query == "谁开创了欧洲的梵语研究？"
    assert pair.answer == "陆特"
    assert "陆特" in pair.positive and len(pair.positive) <= 40
    assert pair.positive in pool[0] and pair.positive != pool[0]
    assert groups[0] == pair.group == ("DRCD_dev.json", "7")


def test_the_window_grows_by_whole_sentences_up_to_its_size() -> None:
    text = "一二三四五。六七八九十。甲乙丙丁戊。己庚辛壬癸。"
    assert qa_pairs.answer_window(text, "八九", -1, 12) == "六七八九十。甲乙丙丁戊。"
    assert qa_pairs.answer_window(text, "八九", -1, 6) == "六七八九十。"
    assert qa_pairs.answer_window(text, "八九", -1, 100) == text


def test_a_cmrc_trial_file_is_read(tmp_path: Path) -> None:
    data = [
        {
            "context_id": "TRIAL_1",
            "title": "t",
            "context_text": "北京是首都。上海是港口。",
            "qas": [{"query_id": "q", "query_text": "哪里是港口？", "answers": ["上海"]}],
        }
    ]
    path = tmp_path / "cmrc2018_trial.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    pairs, _, _ = qa_pairs.read_qa_pairs([path])
    assert [(p.query, p.positive) for p in pairs] == [("哪里是港口？", "北京是首都。上海是港口。")]


def test_cmrc_dev_the_external_benchmark_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "cmrc2018_dev.json"
    path.write_text("[]", encoding="utf-8")
    with pytest.raises(ValueError, match="external benchmark"):
        qa_pairs.read_qa_pairs([path])
