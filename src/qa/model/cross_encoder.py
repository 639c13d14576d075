"""A cross-encoder reranker initialised from e5-small: its file, its ONNX export and its scores.

The model reads one question and one passage together, as a token pair
``<s> query: Q </s></s> passage: P </s>`` (the tokenizer's own pair template, the passage cut
to ``max_tokens`` in all), through the first ``layers`` transformer layers of e5-small, mean-pools
the last hidden states over the pair and maps them to one relevance score with a linear head
(Nogueira & Cho 2019's monoBERT, with e5's pooling instead of the [CLS] vector). Trained by
``train/reranker.py``.

**The file** (safetensors) holds every trained weight but the token embeddings, which stay
e5's and are taken from the converted base model (250,037 x 384 of them: three quarters of
e5's weights): the ``layers`` kept layers, the position and type embeddings, their layer norm,
and ``head.weight`` / ``head.bias``. Its metadata is one JSON string (``layers``,
``max_tokens``, the base model's fingerprint and the training recipe).

**Serving** (``OnnxCrossEncoder``): the first use of a file exports it with torch into a folder
beside the base model named by the file's hash (``onnx/model.onnx`` with the weights beside it,
as ``qa.model.onnx_export`` does for e5); ONNX Runtime runs it without torch after that.
``QA_RERANKER`` names the file (unset, empty or ``off``: no reranking pass, the default);
``QA_RERANK_PRECISION=int8`` serves its int8 copy.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from qa.errors import ModelError
from qa.hashing import file_sha256
from qa.model.folders import publishing

log = logging.getLogger(__name__)

_FORMAT = "qa-cross-encoder-1"  # the metadata key
_OFF = ("", "off", "none")
_WORDS = "embeddings.word_embeddings.weight"
QUERY, PASSAGE = "query: ", "passage: "


@dataclass(frozen=True)
class CrossEncoderFile:
    """A reranker file's weights (float32 arrays by ``BertModel`` name, plus ``head.*``) and metadata."""

    path: Path
    sha256: str
    layers: int
    max_tokens: int
    weights: dict[str, np.ndarray]
    recipe: dict[str, str]

    def record(self) -> dict[str, str]:
        """What a report names of the file: its name, SHA-256 and kept layers."""
        return {"name": self.path.name, "sha256": self.sha256, "layers": str(self.layers)}


def save_cross_encoder(
    path: Path, weights: dict[str, np.ndarray], layers: int, max_tokens: int, recipe: dict[str, str]
) -> None:
    """Write a reranker file (``weights`` without the token embeddings), atomically."""
    from safetensors.numpy import save_file

    kept = {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in sorted(weights.items()) if k != _WORDS}
    meta = {"layers": layers, "max_tokens": max_tokens, "recipe": recipe}
    scratch = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    save_file(kept, str(scratch), metadata={_FORMAT: json.dumps(meta, sort_keys=True, ensure_ascii=False)})
    os.replace(scratch, path)


def load_cross_encoder(path: Path) -> CrossEncoderFile:
    """Read a reranker file; raises ``ModelError`` naming the file when it is missing or not one."""
    from safetensors import safe_open

    if not path.is_file():
        raise ModelError(f"No reranker file at {path}: run train/reranker.py, or set QA_RERANKER=off.")
    from safetensors import SafetensorError

    try:
        with safe_open(str(path), framework="numpy") as handle:
            meta = json.loads((handle.metadata() or {})[_FORMAT])
            weights = {k: handle.get_tensor(k) for k in handle.keys()}  # noqa: SIM118 (not a dict)
        layers, max_tokens, recipe = int(meta["layers"]), int(meta["max_tokens"]), meta["recipe"]
    except (KeyError, ValueError, TypeError, OSError, SafetensorError) as exc:
        raise ModelError(f"{path} is not a reranker file written by train/reranker.py ({exc}).") from exc
    return CrossEncoderFile(path, file_sha256(path), layers, max_tokens, weights, recipe)


def default_cross_encoder() -> Path | None:
    """The reranker file ``QA_RERANKER`` names (unset or ``off``: None, no reranking pass)."""
    chosen = os.environ.get("QA_RERANKER", "").strip()
    return None if chosen.lower() in _OFF else Path(chosen).expanduser()


def pair_model(base_dir: Path, layers: int) -> Any:
    """The torch cross-encoder: e5's first ``layers`` layers (weights of ``base_dir``) and a new
    linear head (seeded by the caller's ``torch.manual_seed``). ``forward(input_ids,
    attention_mask)`` gives one score per row (batch,)."""
    import torch
    from transformers import AutoConfig, AutoModel
    from transformers.utils import logging as transformers_logging

    transformers_logging.set_verbosity_error()  # the layers left out are listed as unexpected
    config = AutoConfig.from_pretrained(str(base_dir), local_files_only=True)
    config.num_hidden_layers = layers
    encoder = AutoModel.from_pretrained(
        str(base_dir), config=config, local_files_only=True, add_pooling_layer=False
    )

    class PairScorer(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder
            self.head = torch.nn.Linear(config.hidden_size, 1)

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return self.head(mean).squeeze(-1)

    return PairScorer()


def trained_weights(model: Any) -> dict[str, np.ndarray]:
    """``pair_model``'s weights by file name (``encoder.`` dropped), as float32 arrays."""
    return {
        name.removeprefix("encoder."): tensor.detach().cpu().numpy()
        for name, tensor in model.state_dict().items()
    }


def load_pair_model(base_dir: Path, found: CrossEncoderFile) -> Any:
    """``pair_model`` with a reranker file's weights in place (the token embeddings stay e5's)."""
    import torch

    model = pair_model(base_dir, found.layers)
    state = {
        ("" if k.startswith("head.") else "encoder.") + k: torch.from_numpy(v)
        for k, v in found.weights.items()
    }
    missing, unexpected = model.load_state_dict(state, strict=False)
    if unexpected or [m for m in missing if m != f"encoder.{_WORDS}"]:
        raise ModelError(
            f"{found.path} does not fit e5-small (missing {missing[:3]}, unexpected {unexpected[:3]})."
        )
    return model.eval()


def pair_tokenizer(base_dir: Path, max_tokens: int) -> Any:
    """The base model's ``tokenizers.Tokenizer`` cutting pairs to ``max_tokens`` (the passage only)."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(base_dir / "tokenizer.json"))
    tokenizer.enable_truncation(max_tokens, strategy="only_second")
    tokenizer.no_padding()
    return tokenizer


def pair_arrays(tokenizer: Any, question: str, passages: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """``input_ids`` and ``attention_mask`` (passages x tokens, int64, padded with e5's pad id 1)."""
    encoded = tokenizer.encode_batch([(QUERY + question, PASSAGE + p) for p in passages])
    width = max((len(e.ids) for e in encoded), default=1)
    ids = np.ones((len(encoded), width), dtype=np.int64)
    mask = np.zeros((len(encoded), width), dtype=np.int64)
    for i, e in enumerate(encoded):
        ids[i, : len(e.ids)] = e.ids
        mask[i, : len(e.ids)] = 1
    return ids, mask


def ensure_cross_encoder_onnx(base_dir: Path, path: Path) -> Path:
    """The ONNX export of the reranker file ``path`` (made once, beside ``base_dir``): its folder."""
    from qa.model.onnx_export import ONNX_FILE, trace_onnx

    found = load_cross_encoder(path)
    target = base_dir.with_name(f"{base_dir.name}-rerank-{found.sha256[:12]}")
    graph = target / ONNX_FILE
    if graph.is_file():
        return target
    log.info("Exporting the reranker %s to %s", path, target)
    model = load_pair_model(base_dir, found)
    with publishing(target, ".rerank-") as folder:
        (folder / "onnx").mkdir()
        trace_onnx(model, folder / ONNX_FILE, "score")
        shutil.copy2(base_dir / "tokenizer.json", folder / "tokenizer.json")
        (folder / "reranker.json").write_text(json.dumps(found.record()) + "\n", encoding="utf-8")
    return target


@dataclass
class OnnxCrossEncoder:
    """A reranker file served by ONNX Runtime: ``scores(question, passages)``."""

    session: Any  # onnxruntime.InferenceSession
    tokenizer: Any  # tokenizers.Tokenizer, pairs cut to max_tokens
    record: dict[str, str]

    @classmethod
    def load(cls, path: Path, threads: int | None = None, precision: str | None = None) -> OnnxCrossEncoder:
        """The reranker file ``path`` (exported on first use; ``ModelError`` when it cannot be) at
        ``precision`` (default ``QA_RERANK_PRECISION``, else fp32; ``int8``: ONNX Runtime's dynamic
        quantisation, made once as for e5, ``qa.model.onnx_export.quantise_onnx``)."""
        import onnxruntime

        from qa.model.default import ensure_default_model
        from qa.model.onnx_encoder import session_options
        from qa.model.onnx_export import ONNX_FILE, ONNX_INT8_FILE, quantise_onnx

        precision = precision or os.environ.get("QA_RERANK_PRECISION") or "fp32"
        if precision not in ("fp32", "int8"):
            raise ValueError(f"QA_RERANK_PRECISION must be fp32 or int8, not {precision!r}")
        base_dir = ensure_default_model()
        found = load_cross_encoder(path)
        folder = ensure_cross_encoder_onnx(base_dir, path)
        if precision == "int8" and not (folder / ONNX_INT8_FILE).is_file():
            quantise_onnx(folder)
        options = session_options(threads)
        try:
            graph = folder / (ONNX_INT8_FILE if precision == "int8" else ONNX_FILE)
            session = onnxruntime.InferenceSession(str(graph), options)
        except Exception as exc:  # onnxruntime raises its own exception types
            raise ModelError(f"Cannot load the reranker in {folder}: {exc}; delete the folder.") from exc
        return cls(
            session, pair_tokenizer(folder, found.max_tokens), {**found.record(), "precision": precision}
        )

    def scores(self, question: str, passages: list[str]) -> np.ndarray:
        """One relevance score per passage (float64; higher is more relevant), in one batch."""
        if not passages:
            return np.zeros(0)
        ids, mask = pair_arrays(self.tokenizer, question, passages)
        out = self.session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        return np.asarray(out, dtype=np.float64)
