"""Loading an index's embedding model."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Literal

from qa.index.layout import read_manifest
from qa.index.location import Location
from qa.model.embedder import DEFAULT_MODEL_NAME, Embedder
from qa.model.sentence_transformer import SentenceTransformerEmbedder

log = logging.getLogger(__name__)


def load_embedder_for(index_dir: Location) -> Embedder:
    """The model an index was built with: ``QA_MODEL_PATH``, else the default e5 at its precision,
    with the LoRA adapter it records (raises ``StaleIndexError`` when that file is gone or changed)."""
    manifest = read_manifest(index_dir)
    model_path = os.environ.get("QA_MODEL_PATH")
    if model_path:
        return SentenceTransformerEmbedder.load(Path(model_path))
    from qa.model.adapter import find_adapter
    from qa.model.onnx_encoder import OnnxEmbedder

    record = manifest["model"].get("adapter")
    if manifest["model"]["name"] != DEFAULT_MODEL_NAME and not record:
        log.warning("Index built with %s; loading the default model", manifest["model"]["name"])
    adapter: Path | Literal["off"] = find_adapter(record) if record else "off"
    return OnnxEmbedder.load_default(manifest["model"].get("precision", "fp32"), adapter)
