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

from qa.embed import QueryCache
from qa.errors import ModelError
from qa.onnx_encoder import OnnxEmbedder

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
    import qa.onnx_encoder

    monkeypatch.setattr(qa.onnx_encoder, "_SLAB", 7)  # several slabs, each in batches
    texts = [*TEXTS, *reversed(TEXTS)] * 4  # more than one batch, mixed lengths
    ours = onnx_embedder.encode_documents(texts)
    reference = embedder.model.encode_document(texts, convert_to_numpy=True, normalize_embeddings=True)
    assert np.min(np.sum(ours * reference, axis=1)) > 0.9999
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-4)


def test_onnx_embedder_shares_the_model_fingerprint(onnx_embedder: OnnxEmbedder, embedder) -> None:
    assert onnx_embedder.fingerprint == embedder.fingerprint
    assert onnx_embedder.prompts == embedder.prompts


def test_the_export_keeps_its_weights_beside_the_graph_to_be_memory_mapped() -> None:
    from qa.embed import ensure_default_model
    from qa.onnx_encoder import ONNX_FILE, ONNX_WEIGHTS, has_onnx_export

    model_dir = ensure_default_model()
    assert has_onnx_export(model_dir)
    graph = model_dir / ONNX_FILE
    assert graph.stat().st_size < 5_000_000 < graph.with_name(ONNX_WEIGHTS).stat().st_size


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
    from qa.embed import ensure_default_model

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
