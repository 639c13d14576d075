"""The learned ranker's training data recipe (``train/ranker.py``): simplified characters, whole
articles, and CMRC 2018 dev refused, without building an index."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conftest import load_script

TRAIN = Path(__file__).resolve().parents[1] / "train" / "ranker.py"


def trainer() -> Any:
    return load_script(TRAIN, "train_ranker")


def squad(path: Path, articles: list[tuple[str, list[str]]]) -> Path:
    data = [
        {
            "title": title,
            "paragraphs": [
                {"context": c, "qas": [{"question": f"{c}是什麼？", "answers": [{"text": c[:2]}]}]}
                for c in contexts
            ],
        }
        for title, contexts in articles
    ]
    path.write_text(json.dumps({"data": data}, ensure_ascii=False), encoding="utf-8")
    return path


def test_drcd_is_laid_out_in_simplified_characters_by_whole_articles(tmp_path: Path) -> None:
    drcd = squad(tmp_path / "DRCD_dev.json", [("歐洲", ["梵語學術研究", "語言學"]), ("臺灣", ["鐵路"])])
    questions = trainer().lay_documents([(drcd, True)], tmp_path / "docs", paragraphs=1, seed=0)
    files = sorted((tmp_path / "docs").iterdir())
    texts = "".join(f.read_text(encoding="utf-8") for f in files)
    assert "歐" not in texts and "語" not in texts  # converted
    assert (
        len(files) in (1, 2) and len({q[0] for q in questions}) == 1
    )  # one whole article, not one paragraph
    assert all("什么" in q[1] for q in questions)


def test_cmrc_dev_is_refused_as_training_data(tmp_path: Path) -> None:
    dev = squad(tmp_path / "cmrc2018_dev.json", [("标题", ["正文"])])
    assert trainer().main(["--cmrc", str(dev), "--index", str(tmp_path / "index")]) == 2
    assert not (tmp_path / "index").exists()
