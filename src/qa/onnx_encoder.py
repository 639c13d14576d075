"""The default model for answering questions through ONNX Runtime: no torch in the serving process.

Importing torch and sentence-transformers costs a new process about 5 s of its ~7 s
cold start, and their memory. The converted e5 folder therefore also holds
``onnx/model.onnx``: the same transformer with mean pooling and normalisation, exported
once by torch at conversion time. ``OnnxEmbedder`` runs it with ``onnxruntime`` and the
folder's own ``tokenizer.json`` (``tokenizers``), and gives the same vectors as the
sentence-transformers model (cosine > 0.9999, checked by the tests), so it shares the
model's fingerprint and serves indexes built by either.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from qa.embed import DEFAULT_MODEL_NAME, E5_PROMPTS, QueryCache, ensure_default_model, model_fingerprint
from qa.errors import ModelError

ONNX_FILE = Path("onnx") / "model.onnx"
# The weights live beside the graph, not inside it: ONNX Runtime then memory-maps them
# instead of copying them out of a parsed protobuf (0.1 s and ~150 MB instead of 0.9 s
# and ~530 MB), and only the embedding rows of tokens actually seen are read.
ONNX_WEIGHTS = "model.onnx_data"
_BATCH = 16
_SLAB = 1024


def has_onnx_export(model_dir: Path) -> bool:
    """Whether ``model_dir`` holds a complete export (graph and weights)."""
    return (model_dir / ONNX_FILE).is_file() and (model_dir / ONNX_FILE).with_name(ONNX_WEIGHTS).is_file()


def export_onnx(model_dir: Path) -> Path:
    """Export the transformer of a converted e5 folder, pooled and normalised, to ``onnx/model.onnx``.

    Written into a temporary folder renamed into place, so an interrupted export leaves
    nothing behind.
    """
    import onnx
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as transformers_logging

    class Pooled(torch.nn.Module):
        def __init__(self, model: Any) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            hidden = self.model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, dim=-1)

    transformers_logging.disable_progress_bar()
    target = model_dir / ONNX_FILE
    model = Pooled(AutoModel.from_pretrained(str(model_dir), local_files_only=True)).eval()
    example = (torch.tensor([[0, 6, 5, 2], [0, 6, 2, 1]]), torch.tensor([[1, 1, 1, 1], [1, 1, 1, 0]]))
    dynamic = {0: "batch", 1: "tokens"}
    scratch = Path(tempfile.mkdtemp(prefix=".onnx-", dir=model_dir))
    scratch.chmod(0o755)  # readable like the rest of the model folder, not mkdtemp's 0700
    try:
        traced = scratch / "traced.onnx"
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer notes on shape checks the test cases cover
            torch.onnx.export(
                model,
                example,
                str(traced),
                input_names=["input_ids", "attention_mask"],
                output_names=["embedding"],
                dynamic_axes={"input_ids": dynamic, "attention_mask": dynamic, "embedding": {0: "batch"}},
                opset_version=17,
                dynamo=False,
            )
        graph = onnx.load(str(traced))
        traced.unlink()
        onnx.save_model(graph, str(scratch / target.name), save_as_external_data=True, location=ONNX_WEIGHTS)
        shutil.rmtree(target.parent, ignore_errors=True)
        os.replace(scratch, target.parent)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return target


@dataclass
class OnnxEmbedder:
    """An ``Embedder`` running a converted e5 folder's ``onnx/model.onnx`` with ONNX Runtime."""

    name: str
    fingerprint: str
    dim: int
    prompts: dict[str, str]
    session: Any  # onnxruntime.InferenceSession
    tokenizer: Any  # tokenizers.Tokenizer
    max_chars: int = 2000
    queries: QueryCache = field(default_factory=QueryCache)

    @classmethod
    def load_default(cls) -> OnnxEmbedder:
        """The default e5 model (converted and exported on first use)."""
        model_dir = ensure_default_model()
        return cls.load(model_dir, DEFAULT_MODEL_NAME, model_fingerprint(model_dir), E5_PROMPTS)

    @classmethod
    def load(cls, model_dir: Path, name: str, fingerprint: str, prompts: dict[str, str]) -> OnnxEmbedder:
        """Open ``model_dir``'s ONNX export and tokenizer; ``ModelError`` when they are missing or broken."""
        import onnxruntime
        from tokenizers import Tokenizer

        path = model_dir / ONNX_FILE
        options = onnxruntime.SessionOptions()
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        try:
            session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
            tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        except Exception as exc:  # onnxruntime raises its own exception types
            raise ModelError(
                f"Cannot load the ONNX model in {model_dir}: {exc}; delete the folder to convert again."
            ) from exc
        config = _json_object(model_dir / "sentence_bert_config.json")
        tokenizer.enable_truncation(int(config.get("max_seq_length", 512)))
        tokenizer.no_padding()
        dim = int(session.get_outputs()[0].shape[-1])
        return cls(name, fingerprint, dim, prompts, session, tokenizer)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Embed questions with the query prompt; repeated questions come from a cache."""
        clipped = [t[: self.max_chars] for t in texts]
        return self.queries.encode(clipped, lambda missing: self._encode(missing, self.prompts["query"]))

    def encode_documents(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Embed passages with the document prompt, in batches of similar length."""
        return self._encode(texts, self.prompts["document"], progress)

    def _encode(self, texts: list[str], prompt: str, progress: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        slabs = range(0, len(texts), _SLAB)
        if progress:
            from tqdm import tqdm

            slabs = tqdm(slabs, desc="Embedding", unit="slab", total=len(slabs))
        for first in slabs:  # tokenised a slab at a time: an Encoding per text is not small
            encodings = self.tokenizer.encode_batch([prompt + t for t in texts[first : first + _SLAB]])
            order = np.argsort([len(e.ids) for e in encodings], kind="stable")  # tight batches
            for start in range(0, len(order), _BATCH):
                rows = order[start : start + _BATCH]
                width = max(len(encodings[r].ids) for r in rows)
                ids = np.ones((len(rows), width), dtype=np.int64)  # 1 = <pad>
                mask = np.zeros((len(rows), width), dtype=np.int64)
                for i, r in enumerate(rows):
                    ids[i, : len(encodings[r].ids)] = encodings[r].ids
                    mask[i, : len(encodings[r].ids)] = 1
                out[first + rows] = self.session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        return out


def _json_object(path: Path) -> dict[str, Any]:
    """A JSON object from ``path``, or an empty one when the file is missing."""
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
