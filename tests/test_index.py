"""Index folder: build, manifest, freshness and the errors a broken index must raise."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import INDEX, SEEDS

from qa.build.builder import build_index
from qa.errors import IndexCorruptError, IndexNotFoundError, StaleIndexError
from qa.index.layout import IndexLayout, read_manifest
from qa.index.load import load_index
from qa.retrieve.retriever import Retriever

MANIFEST_FIELDS = {
    "format_version",
    "package_version",
    "created",
    "model",
    "faiss",
    "jieba_version",
    "dictionary_hash",
    "chunking",
    "lexical",
    "passage_count",
    "documents",
    "fingerprint",
}


@pytest.fixture
def tiny_index(tmp_path: Path, tiny_seeds: Path, fake_embedder) -> Path:
    index_dir = tmp_path / "index"
    build_index(tiny_seeds, index_dir, fake_embedder)
    return index_dir


def test_build_writes_every_file_and_a_complete_manifest(tiny_index: Path) -> None:
    layout = IndexLayout(tiny_index)
    layout.require()
    manifest = read_manifest(tiny_index)
    assert manifest.keys() >= MANIFEST_FIELDS
    assert set(manifest["documents"]) == {"a.txt", "b.txt"}
    assert manifest["model"]["fingerprint"] == "fake-0001"
    lines = layout.passages.read_text(encoding="utf-8").splitlines()
    assert (
        len(lines) == manifest["passage_count"] == sum(d["passages"] for d in manifest["documents"].values())
    )


def test_build_never_indexes_page_furniture(tiny_index: Path) -> None:
    text = IndexLayout(tiny_index).passages.read_text(encoding="utf-8")
    for furniture in ("政协要闻", "版权所有", "发布时间"):
        assert furniture not in text


def test_rebuilding_unchanged_documents_keeps_passage_ids_and_fingerprint(
    tmp_path: Path,
    tiny_seeds: Path,
    tiny_index: Path,
    fake_embedder,
) -> None:
    again = tmp_path / "again"
    build_index(tiny_seeds, again, fake_embedder)
    first, second = load_index(tiny_index), load_index(again)
    assert [p.passage_id for p in first.passages] == [p.passage_id for p in second.passages]
    assert first.manifest["fingerprint"] == second.manifest["fingerprint"]


def test_missing_index_raises_index_not_found_naming_the_command(tmp_path: Path) -> None:
    with pytest.raises(IndexNotFoundError, match="qa build"):
        load_index(tmp_path / "nowhere")


def test_truncated_faiss_file_raises_index_corrupt(tiny_index: Path) -> None:
    vectors = IndexLayout(tiny_index).vectors
    vectors.write_bytes(vectors.read_bytes()[:40])
    with pytest.raises(IndexCorruptError, match=r"vectors\.faiss"):
        load_index(tiny_index)


def test_passages_edited_after_the_build_raise_index_corrupt(tiny_index: Path) -> None:
    passages = IndexLayout(tiny_index).passages
    lines = passages.read_text(encoding="utf-8").splitlines()
    passages.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")
    with pytest.raises(IndexCorruptError, match="changed or damaged"):
        load_index(tiny_index)


def test_passage_table_that_disagrees_with_the_vector_count_raises_index_corrupt(tiny_index: Path) -> None:
    docs = IndexLayout(tiny_index).passage_docs
    np.save(docs, np.load(docs)[:-1], allow_pickle=False)
    with pytest.raises(IndexCorruptError, match="inconsistent"):
        load_index(tiny_index)


def test_offsets_that_disagree_with_the_passages_file_raise_index_corrupt(tiny_index: Path) -> None:
    offsets = IndexLayout(tiny_index).passage_offsets
    np.save(offsets, np.load(offsets)[:-1], allow_pickle=False)
    with pytest.raises(IndexCorruptError, match="offsets table"):
        load_index(tiny_index)


def test_sentence_owners_that_disagree_with_the_sentences_raise_index_corrupt(tiny_index: Path) -> None:
    owners = IndexLayout(tiny_index).sentence_owner
    np.save(owners, np.load(owners)[:-1], allow_pickle=False)
    with pytest.raises(IndexCorruptError, match="sentence owners"):
        load_index(tiny_index)


def test_garbled_manifest_raises_index_corrupt(tiny_index: Path) -> None:
    IndexLayout(tiny_index).manifest.write_text("{not json", encoding="utf-8")
    with pytest.raises(IndexCorruptError, match=r"manifest\.json"):
        load_index(tiny_index)


def test_manifest_of_another_format_version_raises_stale_index(tiny_index: Path) -> None:
    layout = IndexLayout(tiny_index)
    manifest = json.loads(layout.manifest.read_text(encoding="utf-8"))
    manifest["format_version"] = 999
    layout.manifest.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(StaleIndexError, match="format version 999"):
        load_index(tiny_index)


def test_index_built_by_another_model_raises_stale_index(tiny_index: Path) -> None:
    with pytest.raises(StaleIndexError, match="built with model"):
        load_index(tiny_index, model_fingerprint="some-other-model")


def test_changed_documents_make_the_retriever_refuse_a_stale_index(
    tmp_path: Path,
    tiny_seeds: Path,
    tiny_index: Path,
    fake_embedder,
) -> None:
    (tiny_seeds / "b.txt").write_text("在会议上的讲话\n完全不同的内容,要重新建立索引。\n", encoding="utf-8")
    (tiny_seeds / "c.txt").write_text("在新会议上的讲话\n新增的文件也要进入索引之中。\n", encoding="utf-8")
    with pytest.raises(
        StaleIndexError, match=r"changed document b\.txt.*new document c\.txt|new document c\.txt"
    ):
        Retriever(tiny_index, embedder=fake_embedder, seeds=tiny_seeds)


def test_failed_build_leaves_the_previous_index_intact_and_loadable(
    tmp_path: Path,
    tiny_seeds: Path,
    tiny_index: Path,
    fake_embedder,
) -> None:
    before = IndexLayout(tiny_index).manifest.read_text(encoding="utf-8")

    class ExplodingEmbedder(type(fake_embedder)):  # type: ignore[misc]
        def encode_documents(self, texts: list[str], progress: bool = False):
            raise RuntimeError("out of memory half-way")

    (tiny_seeds / "c.txt").write_text("在新会议上的讲话\n新增的文件也要进入索引之中。\n", encoding="utf-8")
    with pytest.raises(RuntimeError, match="half-way"):
        build_index(tiny_seeds, tiny_index, ExplodingEmbedder())
    assert IndexLayout(tiny_index).manifest.read_text(encoding="utf-8") == before
    assert len(load_index(tiny_index).passages) == json.loads(before)["passage_count"]
    leftovers = [p.name for p in tiny_index.parent.iterdir() if p.name.startswith(".")]
    assert leftovers == [".index.lock"], "only the (permanent, unlocked) lock file may stay"


def test_unreadable_documents_are_listed_as_skipped_in_the_manifest(
    tmp_path: Path,
    tiny_seeds: Path,
    fake_embedder,
) -> None:
    (tiny_seeds / "broken.txt").write_bytes(b"\x89PNG\x00\x00binary\x00junk")
    manifest = build_index(tiny_seeds, tmp_path / "idx", fake_embedder)
    assert "broken.txt" in manifest["skipped"]
    assert "binary" in manifest["skipped"]["broken.txt"]
    assert set(manifest["documents"]) == {"a.txt", "b.txt"}


def test_committed_index_is_fresh(tmp_path: Path, embedder) -> None:
    rebuilt = tmp_path / "rebuilt"
    manifest = build_index(SEEDS, rebuilt, embedder)
    committed = read_manifest(INDEX)
    assert manifest["fingerprint"] == committed["fingerprint"], "run `make index` and commit index/"
    assert (rebuilt / "passages.jsonl").read_text(encoding="utf-8") == (INDEX / "passages.jsonl").read_text(
        encoding="utf-8"
    ), "passages changed: run `qa build` and commit index/"
