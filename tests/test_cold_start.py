"""A new process answers fast: what it loads is cached in fast forms that change no result.

The speed itself is measured by ``bench/cold_start.py``; these tests check that the fast
forms give exactly what the slow ones give, and that searching loads only what it needs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from qa.cache import DiskTable

REPO = Path(__file__).resolve().parents[1]
CORPORA = Path(os.environ.get("QA_CORPORA") or REPO.parent / "shared" / "corpora")
ODD = [
    "😀🇨🇳政协👍🏽",
    "ＡＢＣ１２３，全角！？",
    "Café naïve Ünïcödé ß ﬁ",
    "1234567890 3.14 1e10 ２０２５年",
    "<s>政协</s><unk>委员<pad>",
    "a<s>b",
    "  spaced   out  ",
    "\t\n控制\x01字符\x7f\u200b",
    "～〜~ ⅷ ㈱ ㍻",
    "🈻 🉐",
    "𠀀𪚥龘𬌗",
    "繁體字：協商議政",
    "CPPCC's 14th National Committee, 2023-03-05",
    "a" * 3000,
    "政" * 1000,
    "",
    " ",
    "\u2581x\u2581",
]


def _seed_passages() -> list[str]:
    lines = (REPO / "index" / "passages.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["text"] for line in lines]


def _corpus_sample() -> list[str]:
    reports = sorted((CORPORA / "gov-work-reports").glob("*.txt"))
    paragraphs = [p for f in reports for p in f.read_text(encoding="utf-8").splitlines() if p.strip()]
    questions = [
        json.loads(line)["question"]
        for line in (CORPORA / "cmrc2018" / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    documents = sorted((CORPORA / "cmrc2018" / "docs").glob("*.txt"))[::8]
    return paragraphs[::4] + questions[::3] + [d.read_text(encoding="utf-8") for d in documents]


needs_corpora = pytest.mark.skipif(not (CORPORA / "gov-work-reports").is_dir(), reason=f"{CORPORA} is absent")


# -- e5's tokenizer ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tokenizers_pair(tmp_path_factory: pytest.TempPathFactory):
    from tokenizers import Tokenizer

    from qa.model.default import ensure_default_model
    from qa.model.pieces import PieceTokenizer

    path = ensure_default_model() / "tokenizer.json"
    whole = Tokenizer.from_file(str(path))
    whole.enable_truncation(512)
    whole.no_padding()
    folder = tmp_path_factory.mktemp("pieces")
    PieceTokenizer.load(path, 512, folder)  # makes the table
    return PieceTokenizer.load(path, 512, folder), whole  # reads it


def _same_ids(pair, texts: list[str], batch: int) -> int:
    pieces, whole = pair
    compared = 0
    for first in range(0, len(texts), batch):
        chunk = texts[first : first + batch]
        expected = [e.ids for e in whole.encode_batch(chunk)]
        assert pieces.encode(chunk) == expected, chunk
        compared += len(chunk)
    return compared


def test_piece_tokenizer_gives_the_whole_tokenizers_ids_on_every_seed_passage(tokenizers_pair) -> None:
    texts = _seed_passages()
    prompted = [f"{prompt}{t}" for t in texts for prompt in ("query: ", "passage: ")]
    assert _same_ids(tokenizers_pair, prompted, batch=1) == 2 * len(texts) > 100
    assert _same_ids(tokenizers_pair, texts, batch=16) == len(texts)


def test_piece_tokenizer_gives_the_same_ids_on_odd_strings(tokenizers_pair) -> None:
    assert _same_ids(tokenizers_pair, ODD, batch=1) == len(ODD)
    assert _same_ids(tokenizers_pair, ODD, batch=len(ODD)) == len(ODD)
    pieces, _ = tokenizers_pair
    assert len(pieces.encode(["政" * 1000])[0]) == 512  # cut as the whole tokenizer cuts


@needs_corpora
def test_piece_tokenizer_gives_the_same_ids_on_the_shared_corpora(tokenizers_pair) -> None:
    texts = _corpus_sample()
    assert _same_ids(tokenizers_pair, texts, batch=8) == len(texts) > 2000


def test_the_embedder_answers_a_question_without_the_whole_tokenizer() -> None:
    from qa.model.onnx_encoder import OnnxEmbedder

    embedder = OnnxEmbedder.load_default()
    embedder.encode_queries(["政协委员怎样提高履职能力？"])
    assert embedder._tokenizer is None and embedder._pieces is not None
    question = "query: 如何加强政协党的建设？"
    assert embedder.token_ids([question]) == [embedder.tokenizer.encode(question).ids]


# -- jieba's dictionary --------------------------------------------------------------------


def test_jieba_cuts_the_same_from_its_cached_dictionary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qa.text.tokens import ChineseTokenizer, LexicalSettings, default_user_dictionary

    monkeypatch.setenv("QA_CACHE_DIR", str(tmp_path))
    terms = ["懂政协", "会协商", "善议政", "两个维护"]
    plain = ChineseTokenizer(LexicalSettings(), default_user_dictionary(), terms, cached_dictionary=False)
    writing = ChineseTokenizer(LexicalSettings(), default_user_dictionary(), terms)
    reading = ChineseTokenizer(LexicalSettings(), default_user_dictionary(), terms)
    assert list((tmp_path / "jieba").glob("*.sqlite"))
    assert isinstance(reading._jieba.FREQ, DiskTable) and not isinstance(writing._jieba.FREQ, DiskTable)
    texts = [*_seed_passages(), *ODD, "政协委员怎样提高履职能力？", "懂政协、会协商、善议政"]
    for text in texts:
        assert reading(text, cached=False) == plain(text, cached=False) == writing(text, cached=False), text
        form = text.lower()
        assert reading.single_characters(form) == plain.single_characters(form)
    other = ChineseTokenizer(LexicalSettings(), default_user_dictionary(), ["另一个词"])
    assert not isinstance(other._jieba.FREQ, DiskTable)  # other words: another cache file, written now


@needs_corpora
def test_jieba_cuts_the_shared_corpora_the_same_from_its_cached_dictionary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qa.text.tokens import ChineseTokenizer, LexicalSettings, default_user_dictionary

    monkeypatch.setenv("QA_CACHE_DIR", str(tmp_path))
    plain = ChineseTokenizer(LexicalSettings(), default_user_dictionary(), cached_dictionary=False)
    ChineseTokenizer(LexicalSettings(), default_user_dictionary())  # writes the cache
    reading = ChineseTokenizer(LexicalSettings(), default_user_dictionary())
    texts = _corpus_sample()
    assert len(texts) > 2000
    assert [reading(t, cached=False) for t in texts] == [plain(t, cached=False) for t in texts]


def test_disk_table_reads_keys_then_everything(tmp_path: Path) -> None:
    path = tmp_path / "t.sqlite"
    DiskTable.write(path, [("政协", 5), ("政", 0), ("委员", 3)], {"total": 8})
    table = DiskTable(path, load_all_after=3)
    assert table.meta("total") == 8
    assert "政" in table and table["政"] == 0 and table.get("无", -1) == -1 and "无" not in table
    with pytest.raises(KeyError):
        table["无"]
    assert table.get_many(["政协", "无", "委员"]) == {"政协": 5, "委员": 3}
    assert table._all  # more than three keys asked for: read whole
    assert table.get("委员") == 3 and table.get("无") is None


# -- what a search loads -------------------------------------------------------------------


def test_answering_a_question_loads_no_library_it_does_not_need() -> None:
    script = (
        "import sys, json\n"
        "from qa.cli.main import main\n"
        "main(['search', '政协委员怎样提高履职能力？', '-k', '3'])\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in NAMES)))\n"
    ).replace(
        "NAMES",
        repr(
            {
                "gradio",
                "docx",
                "pypdf",
                "pdfplumber",
                "fitz",
                "torch",
                "sentence_transformers",
                "scipy",
                "bm25s",
            }
        ),
    )
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "HF_HUB_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert loaded == []
    script_modules = script.replace("m.split('.')[0] in", "m in").replace(
        "NAMES", repr({"qa.ingest.documents", "qa.ingest.formats", "qa.ui.chat.service", "qa.build.builder"})
    )
    done = subprocess.run(
        [sys.executable, "-c", script_modules], capture_output=True, text=True, env=env, check=True
    )
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


def test_folding_fills_its_table_as_it_goes_and_folds_as_before() -> None:
    from qa.text.normalise import _fold_char, fold, simplified

    every = "".join(chr(c) for c in range(0x10000) if not 0xD800 <= c < 0xE000) + "𠀀𝐀Ａ"
    assert fold(every) == simplified("".join(_fold_char(char) for char in every))
    assert fold("ＡＢＣ政協") == "abc政协"
