"""The ONNX export answers questions with the same vectors as the sentence-transformers model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import INDEX, REPO, SEEDS

from qa.errors import ModelError
from qa.model.embedder import QueryCache
from qa.model.onnx_encoder import OnnxEmbedder

TEXTS = [
    "政协委员怎样提高履职能力?",
    "  全角标点和数字：（２０２４年）第十届，共３页！  ",
    "How can CPPCC members improve their ability? 中英混合 mixed text",
    "协商民主" * 300,  # far beyond 512 tokens: both cut it at the same place
    "短",
]


@pytest.fixture(scope="module")
def onnx_embedder() -> OnnxEmbedder:
    return OnnxEmbedder.load_default()


def test_onnx_queries_match_sentence_transformers(onnx_embedder: OnnxEmbedder, embedder) -> None:
    ours = onnx_embedder.encode_queries(TEXTS)
    reference = embedder.model.encode_query(TEXTS, convert_to_numpy=True, normalize_embeddings=True)
    assert ours.shape == (len(TEXTS), 384)
    assert np.min(np.sum(ours * reference, axis=1)) > 0.9999


def test_onnx_documents_match_sentence_transformers_in_any_batch_order(
    onnx_embedder: OnnxEmbedder, embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    import qa.model.onnx_encoder

    monkeypatch.setattr(qa.model.onnx_encoder, "_SLAB", 7)  # several slabs, each in batches
    texts = [*TEXTS, *reversed(TEXTS)] * 4  # more than one batch, mixed lengths
    ours = onnx_embedder.encode_documents(texts)
    reference = embedder.model.encode_document(texts, convert_to_numpy=True, normalize_embeddings=True)
    assert np.min(np.sum(ours * reference, axis=1)) > 0.9999
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-4)


def test_onnx_embedder_shares_the_model_fingerprint(onnx_embedder: OnnxEmbedder, embedder) -> None:
    assert onnx_embedder.fingerprint == embedder.fingerprint
    assert onnx_embedder.prompts == embedder.prompts


def test_the_export_keeps_its_weights_beside_the_graph_to_be_memory_mapped() -> None:
    from qa.model.default import ensure_default_model
    from qa.model.onnx_export import ONNX_FILE, ONNX_WEIGHTS, has_onnx_export

    model_dir = ensure_default_model()
    assert has_onnx_export(model_dir)
    graph = model_dir / ONNX_FILE
    assert graph.stat().st_size < 5_000_000 < graph.with_name(ONNX_WEIGHTS).stat().st_size


def test_the_session_does_not_spin_after_a_run(onnx_embedder: OnnxEmbedder) -> None:
    """ORT's default keeps its threads busy after each encoding, on the cores the search needs next."""
    options = onnx_embedder.session.get_session_options()
    assert options.get_session_config_entry("session.intra_op.allow_spinning") == "0"


def test_qa_build_keeps_the_threads_spinning_between_its_batches() -> None:
    """A build's batches follow one another: spinning embeds them about 5% faster (bench/ort_spinning.py)."""
    from qa.cli.commands import _embedder

    options = _embedder(None, building=True).session.get_session_options()  # type: ignore[attr-defined]
    assert options.get_session_config_entry("session.intra_op.allow_spinning") == "1"


def test_a_repeated_question_is_not_encoded_again() -> None:
    calls: list[list[str]] = []

    def encode(texts: list[str]) -> np.ndarray:
        calls.append(texts)
        return np.ones((len(texts), 3), dtype=np.float32) * len(calls)

    cache = QueryCache(size=2)
    first = cache.encode(["a", "b", "a"], encode)
    again = cache.encode(["b", "c"], encode)
    assert calls == [["a", "b"], ["c"]]
    assert first[0].tolist() == first[2].tolist() == [1, 1, 1]
    assert again[0].tolist() == [1, 1, 1] and again[1].tolist() == [2, 2, 2]
    cache.encode(["a"], encode)  # "a" was the oldest of three in a cache of two: gone
    assert calls[-1] == ["a"]


def test_a_broken_onnx_file_is_a_model_error(tmp_path: Path, onnx_embedder: OnnxEmbedder) -> None:
    from qa.model.default import ensure_default_model

    broken = tmp_path / "model"
    (broken / "onnx").mkdir(parents=True)
    (broken / "onnx" / "model.onnx").write_bytes(b"not a model")
    (broken / "tokenizer.json").write_bytes((ensure_default_model() / "tokenizer.json").read_bytes())
    with pytest.raises(ModelError, match="Cannot load the ONNX model"):
        OnnxEmbedder.load(broken, "x", "y", {"query": "query: ", "document": "passage: "})


def test_answering_a_question_never_imports_torch() -> None:
    """The serving process: ``qa.search`` answers through ONNX Runtime only."""
    script = (
        "import sys, json\n"
        "from qa import search\n"
        "hits = search('政协委员怎样提高履职能力?')\n"
        "print(json.dumps({'hits': len(hits), 'torch': 'torch' in sys.modules,"
        " 'st': 'sentence_transformers' in sys.modules}))\n"
    )
    env = os.environ | {"QA_INDEX_DIR": str(INDEX), "QA_SEEDS_DIR": str(SEEDS), "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=REPO, check=True
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result == {"hits": 5, "torch": False, "st": False}


@pytest.mark.parametrize("budget", [64, 512, 2048])
def test_batches_group_texts_of_similar_length_within_the_token_budget(budget: int) -> None:
    from qa.model.onnx_encoder import batches

    lengths = [int(n) for n in np.random.default_rng(budget).integers(1, 600, size=300)]
    groups = list(batches(lengths, budget))
    assert sorted(i for group in groups for i in group) == list(range(len(lengths)))
    for group in groups:
        width = max(lengths[i] for i in group)
        assert len(group) == 1 or len(group) * width <= budget
    widths = [max(lengths[i] for i in group) for group in groups]
    assert widths == sorted(widths)  # shortest first: each batch pads to a similar length


def test_the_int8_model_has_its_own_fingerprint_and_close_vectors(onnx_embedder: OnnxEmbedder) -> None:
    int8 = OnnxEmbedder.load_default("int8")
    assert int8.precision == "int8" and int8.fingerprint == f"{onnx_embedder.fingerprint}-int8"
    similarity = np.sum(int8.encode_documents(TEXTS) * onnx_embedder.encode_documents(TEXTS), axis=1)
    assert similarity.min() > 0.95  # close, not equal: hence the separate fingerprint


def test_an_index_built_at_int8_is_refused_by_the_fp32_model_and_served_by_int8(
    tmp_path: Path, tiny_seeds: Path, onnx_embedder: OnnxEmbedder
) -> None:
    from qa.build.builder import build_index
    from qa.errors import StaleIndexError
    from qa.index.load import load_index
    from qa.retrieve.retriever import Retriever

    int8 = OnnxEmbedder.load_default("int8")
    manifest = build_index(tiny_seeds, tmp_path / "index", int8)
    assert manifest["model"]["precision"] == "int8"
    with pytest.raises(StaleIndexError, match="int8"):
        load_index(tmp_path / "index", onnx_embedder.fingerprint)
    served = Retriever(tmp_path / "index")  # the model the manifest asks for
    assert served.embedder.fingerprint == int8.fingerprint
    assert served.search("履职能力", k=1)


def test_an_unknown_precision_is_refused_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    from qa.model.onnx_encoder import default_precision

    monkeypatch.setenv("QA_PRECISION", "fp16")
    with pytest.raises(ValueError, match="QA_PRECISION must be one of fp32, int8"):
        default_precision()
