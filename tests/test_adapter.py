"""The LoRA adapter: merged exactly into the weights, recorded in the manifest, refused when another."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qa.errors import ModelError, StaleIndexError
from qa.model.adapter import Adapter, load_adapter, lora_state, merge_adapter, model_changes, save_adapter

TEXTS = ["政协委员要提高履职能力。", "query: 如何加强提案办理协商？", "passage: 要坚持大团结大联合。"]
TARGETS = r".*\.attention\.(self\.(query|key|value)|output\.dense)"


def _peft_model(base, seed: int, rank: int = 4):
    """``base`` with LoRA on the attention projections, A and B drawn from ``seed`` (not peft's init)."""
    import torch
    from peft import LoraConfig, get_peft_model

    model = get_peft_model(base, LoraConfig(r=rank, lora_alpha=2 * rank, target_modules=TARGETS))
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if ".lora_A." in name or ".lora_B." in name:
                parameter.copy_(torch.randn(parameter.shape, generator=generator) * 0.05)
    return model.eval()


def _tensors(state: dict[str, np.ndarray]) -> dict:
    import torch

    return {name: torch.from_numpy(array) for name, array in state.items()}


def _tiny_bert():
    import torch
    from transformers import BertConfig, BertModel

    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=50, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64
    )
    return BertModel(config).eval()


def test_the_merged_weights_give_the_outputs_of_the_base_model_plus_lora(tmp_path: Path) -> None:
    import torch

    model = _peft_model(_tiny_bert(), seed=1)
    save_adapter(tmp_path / "a.safetensors", lora_state(model.named_parameters()), 4, 8.0, {})
    adapter = load_adapter(tmp_path / "a.safetensors")
    assert len(adapter.layers) == 2 * 4  # q, k, v, output of each layer
    ids = torch.tensor([[2, 7, 9, 11, 3], [2, 5, 3, 0, 0]])
    mask = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]])
    with torch.no_grad():
        with_lora = model(input_ids=ids, attention_mask=mask).last_hidden_state
        base_state = {k: v.numpy() for k, v in model.get_base_model().state_dict().items() if "lora" not in k}
        base_state = {k.replace(".base_layer.", "."): v for k, v in base_state.items()}
        merged = _tiny_bert()
        merged.load_state_dict(
            {k: torch.from_numpy(v) for k, v in merge_adapter(base_state, adapter).items()}
        )
        merged_out = merged(input_ids=ids, attention_mask=mask).last_hidden_state
        plain = _tiny_bert()(input_ids=ids, attention_mask=mask).last_hidden_state
    assert torch.allclose(merged_out, with_lora, atol=1e-5)
    assert not torch.allclose(plain, with_lora, atol=1e-3)  # the adapter does change the outputs


def test_an_adapter_for_another_model_is_refused_by_layer(tmp_path: Path) -> None:
    layer = "encoder.layer.0.attention.self.query"
    adapter = Adapter(tmp_path / "x", "0" * 64, 2, 4.0, {layer: (np.ones((2, 8)), np.ones((8, 2)))}, {})
    state = {"encoder.layer.0.attention.self.query.weight": np.zeros((32, 32), np.float32)}
    with pytest.raises(ModelError, match=r"attention\.self\.query .*another model"):
        merge_adapter(state, adapter)


def test_a_file_that_is_not_an_adapter_is_refused_by_name(tmp_path: Path) -> None:
    (tmp_path / "junk.safetensors").write_bytes(b"not safetensors")
    with pytest.raises(ModelError, match=r"junk\.safetensors is not a LoRA adapter"):
        load_adapter(tmp_path / "junk.safetensors")
    with pytest.raises(ModelError, match="No adapter file"):
        load_adapter(tmp_path / "missing.safetensors")


@pytest.fixture(scope="module")
def e5_adapter(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A seeded random rank-4 adapter for the real e5 (its merged export is cached by hash)."""
    from transformers import AutoModel

    from qa.model.default import ensure_default_model

    model = _peft_model(AutoModel.from_pretrained(str(ensure_default_model()), local_files_only=True), seed=7)
    path = tmp_path_factory.mktemp("adapter") / "e5_test_lora.safetensors"
    save_adapter(path, lora_state(model.named_parameters()), 4, 8.0, {"note": "test"})
    return path


def test_the_onnx_export_of_the_merged_e5_embeds_as_e5_plus_lora_in_torch(e5_adapter: Path) -> None:
    import torch
    from transformers import AutoModel, AutoTokenizer

    from qa.model.default import ensure_default_model
    from qa.model.onnx_encoder import OnnxEmbedder

    base_dir = ensure_default_model()
    model = _peft_model(AutoModel.from_pretrained(str(base_dir), local_files_only=True), seed=7)
    tokenizer = AutoTokenizer.from_pretrained(str(base_dir), local_files_only=True)
    batch = tokenizer(["passage: " + t for t in TEXTS], padding=True, return_tensors="pt")
    with torch.no_grad():
        hidden = model(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).float()
    expected = torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=-1).numpy()

    adapted = OnnxEmbedder.load_default("fp32", e5_adapter)
    base = OnnxEmbedder.load_default("fp32", "off")
    got = adapted.encode_documents(TEXTS)
    assert np.abs(got - expected).max() < 1e-4
    assert np.sum(got * base.encode_documents(TEXTS), axis=1).min() < 0.999  # not the base model
    assert adapted.fingerprint != base.fingerprint
    assert adapted.adapter == {"name": e5_adapter.name, "sha256": load_adapter(e5_adapter).sha256}


def test_an_index_built_with_an_adapter_is_refused_without_it_and_served_with_it(
    tmp_path: Path, tiny_seeds: Path, e5_adapter: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qa.build.builder import build_index
    from qa.index.load import load_index
    from qa.model.onnx_encoder import OnnxEmbedder
    from qa.retrieve.retriever import Retriever

    monkeypatch.setenv("QA_ADAPTER", str(e5_adapter))
    adapted = OnnxEmbedder.load_default()  # QA_ADAPTER names it
    manifest = build_index(tiny_seeds, tmp_path / "index", adapted)
    assert manifest["model"]["adapter"] == adapted.adapter
    base = OnnxEmbedder.load_default(adapter="off")
    with pytest.raises(StaleIndexError, match="LoRA e5_test_lora"):
        load_index(tmp_path / "index", base.fingerprint)
    served = Retriever(tmp_path / "index")  # the adapter the manifest records
    assert served.embedder.fingerprint == adapted.fingerprint
    assert model_changes(manifest["model"], "fp32") == []
    monkeypatch.setenv("QA_ADAPTER", "off")
    assert model_changes(manifest["model"], "fp32") == [
        f"built with the adapter e5_test_lora.safetensors ({adapted.adapter['sha256'][:12]}), "
        "no adapter asked for"
    ]
    with pytest.raises(StaleIndexError, match=r"e5_test_lora\.safetensors .*no such file"):
        Retriever(tmp_path / "index")  # QA_ADAPTER no longer points at the recorded file


def test_an_index_without_adapter_keeps_its_manifest_and_asks_for_a_rebuild_when_one_is_set(
    tmp_path: Path, tiny_seeds: Path, fake_embedder, e5_adapter: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qa.build.builder import build_index

    manifest = build_index(tiny_seeds, tmp_path / "index", fake_embedder)
    assert "adapter" not in manifest["model"]
    monkeypatch.delenv("QA_ADAPTER", raising=False)
    assert model_changes(manifest["model"], "fp32") == []
    assert model_changes(manifest["model"], "int8") == ["built at fp32, int8 asked for"]
    monkeypatch.setenv("QA_ADAPTER", str(e5_adapter))
    assert len(model_changes(manifest["model"], "fp32")) == 1
