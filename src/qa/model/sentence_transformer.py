"""Any sentence-transformers folder as an ``Embedder``: the only module that imports
``sentence_transformers`` (serving uses ONNX Runtime, ``qa.model.onnx_encoder``)."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from qa.errors import ModelError
from qa.model.default import ensure_default_model, model_fingerprint
from qa.model.embedder import DEFAULT_MODEL_NAME, QueryCache

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

log = logging.getLogger(__name__)


@dataclass
class SentenceTransformerEmbedder:
    """An ``Embedder`` backed by a local sentence-transformers folder, loaded offline."""

    model_dir: Path
    name: str
    fingerprint: str
    dim: int
    prompts: dict[str, str]
    model: SentenceTransformer
    max_chars: int = 2000
    queries: QueryCache = field(default_factory=QueryCache, repr=False)

    @classmethod
    def load(cls, model_dir: Path | None = None) -> SentenceTransformerEmbedder:
        """Load ``model_dir`` (default: the converted e5 model, converting it if needed)."""
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        if model_dir is None:
            model_dir = ensure_default_model()
            name = DEFAULT_MODEL_NAME
        else:
            name = model_dir.name
        if not (model_dir / "modules.json").is_file():
            raise ModelError(
                f"{model_dir} is not a sentence-transformers folder (no modules.json). "
                "Pass a folder saved by SentenceTransformer.save(), or omit --model to use the default."
            )
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()
        try:
            model = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
        except (OSError, ValueError) as exc:
            raise ModelError(f"Cannot load the model in {model_dir}: {exc}") from exc
        dim = int(model.get_embedding_dimension() or 0)
        return cls(
            model_dir=model_dir,
            name=name,
            fingerprint=model_fingerprint(model_dir),
            dim=dim,
            prompts={k: v for k, v in model.prompts.items() if v is not None},
            model=model,
        )

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Embed questions with the model's query prompt; repeated questions come from a cache."""
        clipped = [t[: self.max_chars] for t in texts]
        return self.queries.encode(
            clipped,
            lambda missing: self.model.encode_query(
                missing, show_progress_bar=False, convert_to_numpy=True, normalize_embeddings=True
            ),
        )

    def encode_documents(self, texts: list[str], progress: bool | str = False) -> np.ndarray:
        """Embed passages with the model's document prompt, longest first for tight batches."""
        vectors = self.model.encode_document(
            texts,
            batch_size=16,
            show_progress_bar=bool(progress),
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dim)
