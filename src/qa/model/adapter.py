"""A LoRA domain adapter for e5: its file, and its merge into the weights before the ONNX export.

The file (safetensors, written by ``train/adapter.py``) holds, for each adapted linear layer
``M`` of the ``BertModel``, ``M.lora_A.weight`` (rank x in) and ``M.lora_B.weight`` (out x rank),
with ``rank``, ``alpha`` and the training recipe in its metadata (one JSON string, keys sorted:
safetensors writes several metadata keys in a random order, and the file's hash must not move).
Merged, ``M.weight += alpha / rank * B @ A`` (Hu et al. 2021): the served model is a plain e5
with other weights, as fast as the base one.

Which adapter the default model uses is ``QA_ADAPTER``: unset, empty or ``off`` for none (the
default), ``gov`` for the adapter shipped in ``qa/data``, or a path to an adapter file. The
adapted model is converted into a folder of its own beside the base one, named by the file's
hash; its fingerprint differs from the base model's, and the index manifest records the
adapter (name and SHA-256), so an index built with another adapter is refused as stale.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from qa.errors import ModelError, StaleIndexError
from qa.hashing import file_sha256
from qa.model.folders import publishing

log = logging.getLogger(__name__)

SHIPPED_ADAPTERS = {"gov": Path(__file__).resolve().parents[1] / "data" / "e5_lora_gov.safetensors"}
_OFF = ("", "off", "none")
_A, _B = ".lora_A.weight", ".lora_B.weight"
_FORMAT = "qa-lora-1"  # the metadata key
MODEL_INFO = "qa_model_info.json"  # as qa.model.default writes it; its hash is the fingerprint


@dataclass(frozen=True)
class Adapter:
    """LoRA matrices by adapted layer: ``layers[name] = (A, B)``, A rank x in, B out x rank (float32)."""

    path: Path
    sha256: str
    rank: int
    alpha: float
    layers: dict[str, tuple[np.ndarray, np.ndarray]]
    recipe: dict[str, str]

    @property
    def scale(self) -> float:
        """LoRA's ``alpha / rank``: the factor of ``B @ A`` added to each weight."""
        return self.alpha / self.rank

    def record(self) -> dict[str, str]:
        """What an index manifest records of this adapter: file name and SHA-256."""
        return {"name": self.path.name, "sha256": self.sha256}


def save_adapter(
    path: Path, state: dict[str, np.ndarray], rank: int, alpha: float, recipe: dict[str, str]
) -> None:
    """Write LoRA matrices (``<layer>.lora_A.weight`` / ``<layer>.lora_B.weight``) and their recipe."""
    from safetensors.numpy import save_file

    path.parent.mkdir(parents=True, exist_ok=True)
    tensors = {name: np.ascontiguousarray(array, dtype=np.float32) for name, array in sorted(state.items())}
    described = {**recipe, "rank": rank, "alpha": alpha}
    metadata = {_FORMAT: json.dumps(described, sort_keys=True, ensure_ascii=False)}
    save_file(tensors, str(path), metadata=metadata)
    path.chmod(0o644)  # shipped in the package: readable by all, as the other data files


def lora_state(named_parameters: Iterable[tuple[str, Any]]) -> dict[str, np.ndarray]:
    """The LoRA matrices of a ``peft`` model's ``named_parameters()``, under this file's names.

    ``base_model.model.<layer>.lora_A.default.weight`` becomes ``<layer>.lora_A.weight``.
    """
    return {
        name.removeprefix("base_model.model.").replace(".default.", "."): p.detach().cpu().numpy()
        for name, p in named_parameters
        if ".lora_A." in name or ".lora_B." in name
    }


def load_adapter(path: Path) -> Adapter:
    """Read an adapter file; raise ``ModelError`` naming the file when it is not one."""
    from safetensors import SafetensorError, safe_open

    if not path.is_file():
        raise ModelError(f"No adapter file at {path}; set QA_ADAPTER to off, gov or an adapter file.")
    try:
        with safe_open(str(path), framework="numpy") as handle:
            metadata = handle.metadata() or {}
            tensors = {name: handle.get_tensor(name) for name in handle.keys()}  # noqa: SIM118
        described = json.loads(metadata[_FORMAT])
        rank, alpha = int(described.pop("rank")), float(described.pop("alpha"))
    except (SafetensorError, OSError, KeyError, ValueError, TypeError) as exc:
        raise ModelError(
            f"{path} is not a LoRA adapter file ({exc!r}); train one with train/adapter.py."
        ) from exc
    layers: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for name in sorted(n.removesuffix(_A) for n in tensors if n.endswith(_A)):
        a, b = tensors[name + _A], tensors.get(name + _B)
        if b is None or a.shape[0] != rank or b.shape[1] != rank:
            raise ModelError(f"{path}: layer {name} has no rank-{rank} A/B pair; train the adapter again.")
        layers[name] = (a.astype(np.float32), b.astype(np.float32))
    if not layers:
        raise ModelError(f"{path} holds no LoRA layers (no *{_A} tensors).")
    recipe = {k: str(v) for k, v in described.items()}
    return Adapter(path, file_sha256(path), rank, alpha, layers, recipe)


def merge_adapter(state: dict[str, np.ndarray], adapter: Adapter) -> dict[str, np.ndarray]:
    """``state`` (``BertModel`` weights by name) with every adapted weight plus ``scale * B @ A``.

    Raises ``ModelError`` when the adapter names a layer the model lacks or of another shape.
    """
    merged = dict(state)
    for layer, (a, b) in adapter.layers.items():
        weight = state.get(f"{layer}.weight")
        if weight is None or weight.shape != (b.shape[0], a.shape[1]):
            shape = None if weight is None else weight.shape
            raise ModelError(
                f"{adapter.path}: layer {layer} ({b.shape[0]}x{a.shape[1]}) does not fit this model "
                f"(weight {shape}); the adapter was trained for another model."
            )
        delta = adapter.scale * (b.astype(np.float64) @ a.astype(np.float64))
        merged[f"{layer}.weight"] = (weight.astype(np.float64) + delta).astype(np.float32)
    return merged


def default_adapter() -> Path | None:
    """The adapter file ``QA_ADAPTER`` names (``off`` by default, ``gov`` or a path); None for none."""
    chosen = os.environ.get("QA_ADAPTER", "").strip()
    if chosen.lower() in _OFF:
        return None
    return SHIPPED_ADAPTERS.get(chosen, Path(chosen).expanduser())


def find_adapter(record: dict[str, str]) -> Path:
    """The adapter file an index manifest recorded, when the same file is still here.

    Looked for among the shipped adapters and as ``QA_ADAPTER``. Raises
    ``StaleIndexError`` naming the adapter when no file with the recorded name and SHA-256 is found.
    """
    candidates = [*SHIPPED_ADAPTERS.values()]
    if (chosen := default_adapter()) is not None:
        candidates.insert(0, chosen)
    for path in candidates:
        if path.name == record.get("name") and path.is_file() and file_sha256(path) == record.get("sha256"):
            return path
    raise StaleIndexError(
        f"The index was built with {_described(record)}, and no such file is here (the adapter was "
        "retrained or removed): rebuild the index (`qa build`) with the adapter you have, "
        "or set QA_ADAPTER to that file."
    )


def model_changes(built: dict[str, Any], precision: str, adapter: Path | None = None) -> list[str]:
    """How the default model asked for (``precision``, ``adapter``: default ``QA_ADAPTER``) differs
    from the one an index manifest's ``model`` record was built with; empty when it does not."""
    changes = []
    if built.get("precision", "fp32") != precision:
        changes.append(f"built at {built.get('precision', 'fp32')}, {precision} asked for")
    adapter = adapter or default_adapter()
    was = built.get("adapter")
    now = load_adapter(adapter).record() if adapter else None
    if was != now:
        changes.append(f"built with {_described(was)}, {_described(now)} asked for")
    return changes


def _described(record: dict[str, str] | None) -> str:
    return f"the adapter {record['name']} ({record['sha256'][:12]})" if record else "no adapter"


def ensure_adapted_model(base_dir: Path, adapter_path: Path) -> Path:
    """The base model folder with ``adapter_path`` merged and exported to ONNX (made once).

    A sibling of ``base_dir`` named by the adapter's hash; written into a temporary folder and
    renamed into place. Its ``qa_model_info.json`` (the base's info and the adapter's record)
    gives it a fingerprint of its own.
    """
    from safetensors.numpy import load_file, save_file

    from qa.model.onnx_export import export_onnx, has_onnx_export

    adapter = load_adapter(adapter_path)
    base_info = (base_dir / MODEL_INFO).read_text(encoding="utf-8")
    info = {"base": json.loads(base_info), "adapter": adapter.record()}
    tag = hashlib.sha256(json.dumps(info, sort_keys=True).encode()).hexdigest()[:12]
    target = base_dir.with_name(f"{base_dir.name}-lora-{tag}")
    if (target / MODEL_INFO).is_file() and has_onnx_export(target):
        return target
    log.info("Merging the adapter %s into %s", adapter_path, target)
    with publishing(target, ".adapt-") as folder:
        shutil.copytree(
            base_dir, folder, ignore=shutil.ignore_patterns("onnx", MODEL_INFO), dirs_exist_ok=True
        )
        weights = folder / "model.safetensors"
        save_file(merge_adapter(load_file(str(weights)), adapter), str(weights), metadata={"format": "pt"})
        export_onnx(folder)
        (folder / MODEL_INFO).write_text(json.dumps(info, ensure_ascii=False) + "\n", encoding="utf-8")
    return target
