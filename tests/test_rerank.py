"""The reranking pass (issue 22, lever 3): what it reorders, what it reads, and its file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qa.errors import ModelError
from qa.model.cross_encoder import default_cross_encoder, load_cross_encoder, save_cross_encoder
from qa.retrieve.rerank import Reranker, RerankSettings, rerank, window


def test_rerank_permutes_only_the_top_k_into_the_scorers_order() -> None:
    fused = np.array([0.9, 0.1, 0.5, 0.7, 0.3])
    # The scorer prefers the third best fused (0.5) over the best two.
    by_text = {"a": 1.0, "c": 3.0, "d": 2.0}
    texts = lambda positions: ["abcde"[p] for p in positions]  # noqa: E731
    out = rerank(fused, texts, "问", lambda q, ts: np.array([by_text[t] for t in ts]), k=3)
    assert sorted(out[[0, 2, 3]].tolist()) == sorted(fused[[0, 2, 3]].tolist())  # same scores, same set
    assert np.argsort(-out, kind="stable")[:3].tolist() == [2, 3, 0]
    assert out[1] == fused[1] and out[4] == fused[4]  # the rest untouched, below


def test_rerank_reads_only_k_passages() -> None:
    seen: list[int] = []
    texts = lambda positions: seen.extend(positions) or ["x"] * len(positions)  # noqa: E731
    rerank(np.arange(30.0), texts, "问", lambda q, ts: np.zeros(len(ts)), k=4)
    assert sorted(seen) == [26, 27, 28, 29]


def test_window_grows_around_the_closest_sentence_within_the_limit() -> None:
    sentences = ["一二三。", "四五六七八。", "九十。", "甲乙丙丁戊己庚。"]
    assert window(sentences, np.array([0.1, 0.2, 0.9, 0.3]), 10) == "四五六七八。九十。"
    assert window(sentences, np.array([0.1, 0.2, 0.9, 0.3]), 3) == "九十。"
    assert window(sentences, np.array([0.9, 0.1, 0.1, 0.1]), 100) == "".join(sentences)
    assert window(["很长的一句话没有完"], np.array([1.0]), 4) == "很长的一"


def test_rerank_k_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QA_RERANK_K", "20")
    assert RerankSettings.from_env().k == 20
    monkeypatch.setenv("QA_RERANK_K", "zero")
    with pytest.raises(ValueError, match="QA_RERANK_K"):
        RerankSettings.from_env()


def test_no_pass_unless_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QA_RERANKER", raising=False)
    assert default_cross_encoder() is None
    monkeypatch.setenv("QA_RERANKER", "off")
    assert default_cross_encoder() is None
    monkeypatch.setenv("QA_RERANKER", "/x/r.safetensors")
    assert default_cross_encoder() == Path("/x/r.safetensors")


def test_reranker_file_round_trip_leaves_out_the_token_embeddings(tmp_path: Path) -> None:
    path = tmp_path / "r.safetensors"
    weights = {
        "embeddings.word_embeddings.weight": np.ones((5, 2)),
        "encoder.layer.0.output.dense.bias": np.arange(2.0),
        "head.weight": np.ones((1, 2)),
    }
    save_cross_encoder(path, weights, layers=1, max_tokens=64, recipe={"seed": "22"})
    found = load_cross_encoder(path)
    assert (found.layers, found.max_tokens, found.recipe) == (1, 64, {"seed": "22"})
    assert set(found.weights) == {"encoder.layer.0.output.dense.bias", "head.weight"}
    assert found.weights["head.weight"].dtype == np.float32


def test_a_missing_or_foreign_reranker_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"train/reranker\.py"):
        load_cross_encoder(tmp_path / "none.safetensors")
    other = tmp_path / "other.safetensors"
    from safetensors.numpy import save_file

    save_file({"w": np.zeros(2, dtype=np.float32)}, str(other))
    with pytest.raises(ModelError, match="not a reranker file"):
        load_cross_encoder(other)
    text = tmp_path / "text.safetensors"  # not safetensors at all: safetensors' own error, wrapped
    text.write_text("这不是模型文件" * 50, encoding="utf-8")
    with pytest.raises(ModelError, match="not a reranker file"):
        load_cross_encoder(text)
    incomplete = tmp_path / "incomplete.safetensors"  # the file's record lacks a field
    save_file({"w": np.zeros(2, dtype=np.float32)}, str(incomplete), metadata={"qa-cross-encoder-1": "{}"})
    with pytest.raises(ModelError, match="not a reranker file"):
        load_cross_encoder(incomplete)


def test_retriever_pass_reorders_the_shown_passages(fake_seeds_retriever) -> None:
    retriever = fake_seeds_retriever
    question = "政协委员怎样提高履职能力"
    before = retriever.ranked(question)[0]
    first = before.ids[np.argsort(-before.fused, kind="stable")][:5].tolist()
    try:
        retriever.reranker = Reranker(lambda q, texts: np.arange(len(texts), dtype=float), RerankSettings(5))
        after = retriever.ranked(question)[0]
    finally:
        retriever.reranker = None
    shown = after.ids[np.argsort(-after.fused, kind="stable")][:5].tolist()
    assert shown == first[::-1]
    assert after.relevant == before.relevant  # the gate reads the fusion's order


def test_onnx_reranker_scores_as_the_torch_model(tmp_path: Path) -> None:
    """The served export gives the torch model's scores (one layer, an untrained seeded head)."""
    torch = pytest.importorskip("torch")
    from qa.model.cross_encoder import (
        OnnxCrossEncoder,
        load_pair_model,
        pair_arrays,
        pair_model,
        trained_weights,
    )
    from qa.model.default import ensure_default_model

    base = ensure_default_model()
    torch.manual_seed(0)
    path = tmp_path / "one-layer.safetensors"
    save_cross_encoder(path, trained_weights(pair_model(base, 1)), layers=1, max_tokens=48, recipe={})
    served = OnnxCrossEncoder.load(path, threads=1)
    assert (
        served.session.get_session_options().get_session_config_entry("session.intra_op.allow_spinning")
        == "0"
    )
    passages = ["人民政协是统一战线的组织。", "今天的天气很好，适合出门。" * 10]
    ids, mask = pair_arrays(served.tokenizer, "政协是什么", passages)
    assert ids.shape == (2, 48)  # the long passage cut to max_tokens, the short one padded
    with torch.no_grad():
        expected = load_pair_model(base, load_cross_encoder(path))(
            torch.from_numpy(ids), torch.from_numpy(mask)
        )
    np.testing.assert_allclose(served.scores("政协是什么", passages), expected.numpy(), atol=1e-4)
