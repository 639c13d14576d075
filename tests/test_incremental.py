"""Incremental rebuilds: only changed text is read, embedded and tokenised, with the same result."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import FakeEmbedder

from qa.build.builder import build_index
from qa.build.settings import BuildSettings
from qa.index.layout import IndexLayout, read_manifest
from qa.index.load import load_index
from qa.index.token_table import TokenTable
from qa.passages.cutting import ChunkSettings
from qa.retrieve.retriever import Retriever


class CountingEmbedder(FakeEmbedder):
    """The fake embedder, counting every text it is asked to embed."""

    def __init__(self) -> None:
        self.embedded: list[str] = []

    def encode_documents(self, texts: list[str], progress: bool | str = False) -> np.ndarray:
        self.embedded.extend(texts)
        return super().encode_documents(texts, progress)


NEW_SPEECH = (
    "在乡镇政协联络组座谈会上的讲话\n"
    "发布时间:2024年3月2日\n"
    "一、做好委员之家建设\n"
    "要把“委员之家”建成委员联系群众的平台,经常组织委员下基层、听民声、解民忧。\n"
    "二、加强民主监督\n"
    "要聚焦群众急难愁盼问题开展监督性视察,推动政策落到实处。\n"
)


@pytest.fixture
def built(tmp_path: Path, tiny_seeds: Path) -> tuple[Path, Path]:
    index_dir = tmp_path / "index"
    build_index(tiny_seeds, index_dir, FakeEmbedder())
    return tiny_seeds, index_dir


def _snapshot(index_dir: Path) -> dict[str, object]:
    index = load_index(index_dir)
    order = list(range(index.vectors.size))
    tokens = TokenTable.load(IndexLayout(index_dir).tokens)
    return {
        "ids": [p.passage_id for p in index.passages],
        "passages": [p.to_json() for p in index.passages],
        "vectors": index.vectors.vectors(np.array(order)),
        "sentences": index.sentences.vectors(np.arange(index.sentences.size)),
        "tokens": [tokens.tokens(row) for row in order],
        "fingerprint": index.manifest["fingerprint"],
        "terms": index.manifest["corpus_terms"],
    }


def _same(a: dict[str, object], b: dict[str, object]) -> None:
    for key in a:
        if isinstance(a[key], np.ndarray):
            np.testing.assert_allclose(a[key], b[key], atol=1e-6)  # type: ignore[arg-type]
        else:
            assert a[key] == b[key], key


def test_unchanged_documents_are_neither_read_nor_embedded(built: tuple[Path, Path]) -> None:
    seeds, index_dir = built
    embedder = CountingEmbedder()
    manifest = build_index(seeds, index_dir, embedder)
    assert embedder.embedded == []
    assert manifest["build"]["documents_read"] == 0
    assert manifest["build"]["documents_reused"] == 2
    assert manifest["build"]["passages_tokenised"] == 0


def test_adding_a_document_embeds_only_its_text_and_keeps_the_other_ids(
    built: tuple[Path, Path], tmp_path: Path
) -> None:
    seeds, index_dir = built
    before = load_index(index_dir)
    old_ids = [p.passage_id for p in before.passages]
    (seeds / "sub").mkdir()
    (seeds / "sub" / "c.txt").write_text(NEW_SPEECH, encoding="utf-8")
    embedder = CountingEmbedder()
    manifest = build_index(seeds, index_dir, embedder)

    after = load_index(index_dir)
    new_passages = [p for p in after.passages if p.source == "sub/c.txt"]
    assert new_passages, "the new document is indexed under its relative path"
    assert set(old_ids) <= {p.passage_id for p in after.passages}
    assert manifest["build"]["documents_read"] == 1
    assert manifest["build"]["passages_embedded"] == len(new_passages)
    new_texts = [p.index_text(ChunkSettings()) for p in new_passages]
    assert embedder.embedded[: len(new_passages)] == new_texts
    # The same index as a full build from scratch.
    fresh = tmp_path / "fresh"
    build_index(seeds, fresh, FakeEmbedder(), full=True)
    _same(_snapshot(index_dir), _snapshot(fresh))


def test_a_removed_document_disappears_from_every_part_of_the_index(built: tuple[Path, Path]) -> None:
    seeds, index_dir = built
    (seeds / "b.txt").unlink()
    build_index(seeds, index_dir, FakeEmbedder())
    index = load_index(index_dir)
    assert {p.source for p in index.passages} == {"a.txt"}
    assert set(index.manifest["documents"]) == {"a.txt"}
    retriever = Retriever(index_dir, embedder=FakeEmbedder())
    assert all(hit.source == "a.txt" for hit in retriever.search("提案办理协商", k=5, mode="lexical"))
    assert not retriever.index.lexical.knows("提案")


def test_a_changed_document_is_re_read_and_only_its_new_text_embedded(built: tuple[Path, Path]) -> None:
    seeds, index_dir = built
    text = (seeds / "b.txt").read_text(encoding="utf-8")
    (seeds / "b.txt").write_text(text + "要加强委员队伍建设,提高委员履职能力。\n", encoding="utf-8")
    embedder = CountingEmbedder()
    manifest = build_index(seeds, index_dir, embedder)
    assert manifest["build"]["documents_read"] == 1
    assert manifest["build"]["documents_reused"] == 1
    assert 0 < manifest["build"]["passages_embedded"] <= 2
    assert all("a.txt" not in t for t in embedder.embedded)


def test_a_new_quoted_term_re_tokenises_the_old_passages_that_contain_it(
    built: tuple[Path, Path], tmp_path: Path
) -> None:
    seeds, index_dir = built
    # "委员之家" is quoted in the new speech: it becomes a jieba word for the whole corpus.
    (seeds / "a.txt").write_text(
        (seeds / "a.txt").read_text(encoding="utf-8") + "各乡镇都要建好委员之家。\n", encoding="utf-8"
    )
    build_index(seeds, index_dir, FakeEmbedder())
    (seeds / "c.txt").write_text(NEW_SPEECH, encoding="utf-8")
    manifest = build_index(seeds, index_dir, FakeEmbedder())
    assert "委员之家" in manifest["corpus_terms"]
    fresh = tmp_path / "fresh"
    build_index(seeds, fresh, FakeEmbedder(), full=True)
    _same(_snapshot(index_dir), _snapshot(fresh))


def test_full_rebuild_embeds_everything(built: tuple[Path, Path]) -> None:
    seeds, index_dir = built
    embedder = CountingEmbedder()
    manifest = build_index(seeds, index_dir, embedder, full=True)
    assert manifest["build"]["passages_embedded"] == manifest["passage_count"]
    assert manifest["build"]["documents_read"] == 2


def test_another_model_never_reuses_vectors(built: tuple[Path, Path]) -> None:
    seeds, index_dir = built

    class OtherModel(CountingEmbedder):
        fingerprint = "fake-0002"

    embedder = OtherModel()
    manifest = build_index(seeds, index_dir, embedder)
    assert manifest["build"]["passages_embedded"] == manifest["passage_count"]
    assert read_manifest(index_dir)["model"]["fingerprint"] == "fake-0002"


def test_a_damaged_previous_index_falls_back_to_a_full_build(built: tuple[Path, Path]) -> None:
    seeds, index_dir = built
    shutil.rmtree(IndexLayout(index_dir).tokens)
    manifest = build_index(seeds, index_dir, FakeEmbedder())
    assert manifest["build"]["incremental"] is False
    assert load_index(index_dir).passages


def test_above_the_limit_no_sentence_vectors_are_kept(tmp_path: Path, tiny_seeds: Path) -> None:
    settings = BuildSettings(sentence_vectors_limit=1)
    manifest = build_index(tiny_seeds, tmp_path / "index", FakeEmbedder(), settings)
    assert manifest["sentence_vectors"] is False
    retriever = Retriever(tmp_path / "index", embedder=FakeEmbedder())
    assert retriever.index.sentences.size == 0
    hits = retriever.search("提高履职能力", k=2)
    assert hits and hits[0].best_sentences == ()


def test_above_the_threshold_passages_and_sentences_get_hnsw_indexes(
    tmp_path: Path, tiny_seeds: Path
) -> None:
    settings = BuildSettings(hnsw_threshold=1)
    manifest = build_index(tiny_seeds, tmp_path / "index", FakeEmbedder(), settings)
    assert (manifest["faiss"]["type"], manifest["faiss"]["sentences_type"]) == ("hnsw", "hnsw")
    retriever = Retriever(tmp_path / "index", embedder=FakeEmbedder())
    assert retriever.index.vectors.kind == retriever.index.sentences.kind == "hnsw"
    hits = retriever.search("提高履职能力", k=2)
    assert hits and hits[0].section == "一、提高履职能力"
    build_index(tiny_seeds, tmp_path / "flat", FakeEmbedder(), full=True)
    exact = Retriever(tmp_path / "flat", embedder=FakeEmbedder())
    assert exact.index.vectors.kind == "flat"
    assert [h.passage_id for h in exact.search("提高履职能力", k=2)] == [h.passage_id for h in hits]


def test_a_changed_user_dictionary_re_tokenises_everything_but_embeds_nothing(
    built: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import qa.build.builder
    import qa.build.reuse
    import qa.index.layout
    import qa.index.load
    from qa.text.tokens import default_user_dictionary

    seeds, index_dir = built
    extended = default_user_dictionary() + "\n委员之家 50 n\n"
    for module in (qa.build.builder, qa.build.reuse, qa.index.layout, qa.index.load):
        monkeypatch.setattr(module, "default_user_dictionary", lambda: extended)
    embedder = CountingEmbedder()
    manifest = build_index(seeds, index_dir, embedder)
    assert embedder.embedded == [], "a dictionary change never changes what the model sees"
    assert manifest["build"]["passages_tokenised"] == manifest["passage_count"]
    fresh = tmp_path / "fresh"
    build_index(seeds, fresh, FakeEmbedder(), full=True)
    _same(_snapshot(index_dir), _snapshot(fresh))


def test_a_sentence_repeated_across_documents_is_embedded_once(tmp_path: Path) -> None:
    formula = "要坚持团结和民主两大主题,把协商民主贯穿履行职能全过程。"
    folder = tmp_path / "docs"
    folder.mkdir()
    for n, topic in enumerate(["提案工作", "民主监督", "委员培训"]):
        (folder / f"{n}.txt").write_text(
            f"在{topic}会议上的讲话\n发布时间:2024年3月{n + 1}日\n"
            f"一、做好{topic}\n{formula}各级组织要抓好{topic},推动{topic}取得新成效。\n",
            encoding="utf-8",
        )
    embedder = CountingEmbedder()
    build_index(folder, tmp_path / "index", embedder)
    sentence_texts = [text for text in embedder.embedded if text.startswith("要坚持团结和民主两大主题")]
    assert len(sentence_texts) == 1  # three documents say it; it is embedded once
    index = load_index(tmp_path / "index")
    firsts = np.array([index.sentence_rows(row).start for row in range(index.vectors.size)])
    vectors = index.sentences.vectors(firsts)  # each passage's first sentence is the formula
    np.testing.assert_allclose(vectors, np.repeat(vectors[:1], len(firsts), axis=0), atol=1e-6)


def test_a_sentence_that_is_its_whole_passage_takes_the_passage_vector(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    speech = "在全会上的讲话\n发布时间:2024年3月1日\n要把协商民主贯穿履行职能全过程\n"
    (folder / "a.txt").write_text(speech, encoding="utf-8")
    embedder = CountingEmbedder()
    manifest = build_index(folder, tmp_path / "index", embedder)
    index = load_index(tmp_path / "index")
    assert manifest["build"]["sentences_embedded"] == 0
    first = np.array([0])
    np.testing.assert_allclose(index.sentences.vectors(first), index.vectors.vectors(first), atol=1e-6)
