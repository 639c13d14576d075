"""The default model for answering questions through ONNX Runtime: no torch in the serving process.

Importing torch and sentence-transformers costs a new process about 5 s of its ~7 s
cold start, and their memory. The converted e5 folder therefore also holds
``onnx/model.onnx``: the same transformer with mean pooling and normalisation, exported
once by torch at conversion time. ``OnnxEmbedder`` runs it with ``onnxruntime`` and the
folder's own ``tokenizer.json`` (``tokenizers``; for a few questions through
``qa.model.pieces``, which gives the same ids without a second of loading), and gives the same vectors as the
sentence-transformers model (cosine > 0.9999, checked by the tests), so it shares the
model's fingerprint and serves indexes built by either.

An int8 copy (``onnx/model_int8.onnx``: ONNX Runtime's dynamic quantisation of every MatMul
and of the token embeddings) embeds about twice as fast on two cores (``bench/build_speed.py``).
Its vectors differ from fp32 ones (cosine ≥ 0.98), so it has a fingerprint of its own: an
index built at one precision is refused by a model at the other, and the index records
which one it needs.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from qa.errors import ModelError
from qa.model.adapter import default_adapter, ensure_adapted_model, load_adapter
from qa.model.default import ensure_default_model, model_fingerprint
from qa.model.embedder import DEFAULT_MODEL_NAME, E5_PROMPTS, QueryCache
from qa.model.onnx_export import ONNX_FILE, ONNX_INT8_FILE, has_onnx_export, quantise_onnx
from qa.model.pieces import PieceTokenizer

log = logging.getLogger(__name__)

Precision = Literal["fp32", "int8"]
PRECISIONS: tuple[Precision, ...] = ("fp32", "int8")
DEFAULT_PRECISION: Precision = "fp32"
# A batch holds texts of similar length up to this many tokens, padding included: about 6
# passages or 30 sentences (``bench/build_speed.py`` measured 1,024 to 8,192: 1,024 pads least
# and was as fast as any).
TOKENS_PER_BATCH = 1024
_SLAB = 1024
_FEW_TEXTS = 64  # up to this many texts are tokenised without loading the whole tokenizer


def usable_cores() -> int:
    """The CPU cores this process may run on (its affinity where the OS tells it)."""
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity else os.cpu_count() or 1


def session_options(threads: int | None = None, spinning: bool = False) -> Any:
    """ONNX Runtime options for one session: ``threads`` (default: the usable cores) inside each
    operator, one between them; worker threads that wait spinning only when ``spinning``.

    By default ORT's worker threads spin on the CPU after each run, waiting for the next one
    (onnxruntime's thread-management page, ``session.intra_op.allow_spinning``).
    ``bench/ort_spinning.py`` on 2 cores: after one question's encoding they burn 45 ms of CPU
    in the next 50, taken from the BM25 and HNSW search that follow on the same cores; without
    spinning a question takes 5 ms longer to encode and a build's back-to-back batches embed
    about 5% slower, so only a build spins (docs/scale.md).
    """
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.inter_op_num_threads = 1
    options.intra_op_num_threads = threads or usable_cores()
    options.log_severity_level = 3
    options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spinning else "0")
    return options


def default_precision() -> Precision:
    """``QA_PRECISION`` when set (``fp32`` or ``int8``), else ``DEFAULT_PRECISION``.

    Raises ``ValueError`` for any other value.
    """
    chosen = os.environ.get("QA_PRECISION") or DEFAULT_PRECISION
    if chosen not in PRECISIONS:
        raise ValueError(f"QA_PRECISION must be one of {', '.join(PRECISIONS)}, not {chosen!r}")
    return chosen


def batches(lengths: list[int], tokens_per_batch: int = TOKENS_PER_BATCH) -> Iterator[list[int]]:
    """Indices of ``lengths`` grouped shortest first, each group within ``tokens_per_batch`` padded tokens.

    Texts of similar length share a batch, so little is padding; a text longer than the
    budget is a batch of its own.
    """
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    batch: list[int] = []
    for i in order:
        if batch and (len(batch) + 1) * lengths[i] > tokens_per_batch:
            yield batch
            batch = []
        batch.append(i)
    if batch:
        yield batch


@dataclass
class OnnxEmbedder:
    """An ``Embedder`` running a converted e5 folder's ``onnx/model.onnx`` with ONNX Runtime."""

    name: str
    fingerprint: str
    dim: int
    prompts: dict[str, str]
    session: Any  # onnxruntime.InferenceSession
    tokenizer_file: Path  # the model's tokenizer.json
    max_length: int = 512  # tokens, the special ones included
    max_chars: int = 2000
    queries: QueryCache = field(default_factory=QueryCache)
    precision: Precision = "fp32"
    adapter: dict[str, str] | None = None  # the merged LoRA adapter's name and SHA-256 (manifest record)
    tokens_per_batch: int = TOKENS_PER_BATCH
    _tokenizer: Any = field(default=None, repr=False)
    _pieces: PieceTokenizer | None = field(default=None, repr=False)

    @classmethod
    def load_default(
        cls,
        precision: Precision | None = None,
        adapter: Path | Literal["off"] | None = None,
        spinning: bool = False,
    ) -> OnnxEmbedder:
        """The default e5 model at ``precision`` (default: ``default_precision()``), with ``adapter``.

        ``adapter``: a LoRA adapter file merged into the weights, ``"off"`` for none, None for
        the one ``QA_ADAPTER`` names (none by default; ``qa.model.adapter``). Converted, merged,
        exported and quantised on first use. ``spinning``: ORT's threads wait spinning between
        runs (faster back-to-back batches, a build's; ``session_options``).
        """
        precision = precision or default_precision()
        model_dir = ensure_default_model()
        chosen = default_adapter() if adapter is None else None if adapter == "off" else Path(adapter)
        if chosen is None:
            fingerprint = model_fingerprint(model_dir)
            return cls.load(
                model_dir, DEFAULT_MODEL_NAME, fingerprint, E5_PROMPTS, precision, spinning=spinning
            )
        record = load_adapter(chosen).record()
        adapted = ensure_adapted_model(model_dir, chosen)
        name = f"{DEFAULT_MODEL_NAME} + LoRA {record['name']}"
        embedder = cls.load(
            adapted, name, model_fingerprint(adapted), E5_PROMPTS, precision, spinning=spinning
        )
        embedder.adapter = record
        return embedder

    @classmethod
    def load(
        cls,
        model_dir: Path,
        name: str,
        fingerprint: str,
        prompts: dict[str, str],
        precision: Precision = "fp32",
        threads: int | None = None,
        spinning: bool = False,
    ) -> OnnxEmbedder:
        """Open ``model_dir``'s ONNX export at ``precision`` and its tokenizer.

        ``threads`` (default: the cores this process may use) run each forward pass, waiting
        spinning between runs when ``spinning`` (``session_options``). The int8
        copy is made from the fp32 export the first time it is asked for (a few seconds).
        Raises ``ModelError`` when the files are missing or broken, ``ValueError`` for an
        unknown precision.
        """
        import onnxruntime

        if precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
        path = model_dir / (ONNX_INT8_FILE if precision == "int8" else ONNX_FILE)
        if precision == "int8" and not path.is_file() and has_onnx_export(model_dir):
            log.info("Quantising %s to int8 (once)", model_dir)
            quantise_onnx(model_dir)
        options = session_options(threads, spinning)
        providers = ["CPUExecutionProvider"]
        if "CUDAExecutionProvider" in onnxruntime.get_available_providers():
            providers.insert(0, "CUDAExecutionProvider")
        try:
            session = onnxruntime.InferenceSession(str(path), options, providers=providers)
            if session.get_providers()[0] == "CUDAExecutionProvider":
                log.warning("Embedding on the GPU (ONNX Runtime CUDA)")
        except Exception as exc:  # onnxruntime raises its own exception types
            raise ModelError(
                f"Cannot load the ONNX model in {model_dir}: {exc}; delete the folder to convert again."
            ) from exc
        tokenizer_file = model_dir / "tokenizer.json"
        if not tokenizer_file.is_file():
            raise ModelError(f"{tokenizer_file} is missing; delete {model_dir} to convert the model again.")
        max_length = int(_json_object(model_dir / "sentence_bert_config.json").get("max_seq_length", 512))
        dim = int(session.get_outputs()[0].shape[-1])
        if precision != "fp32":
            name, fingerprint = f"{name} {precision}", f"{fingerprint}-{precision}"
        return cls(name, fingerprint, dim, prompts, session, tokenizer_file, max_length, precision=precision)

    @property
    def tokenizer(self) -> Any:
        """The model's whole ``tokenizers.Tokenizer`` (loaded on first use: about a second)."""
        if self._tokenizer is None:
            from tokenizers import Tokenizer

            try:
                tokenizer = Tokenizer.from_file(str(self.tokenizer_file))
            except Exception as exc:  # tokenizers raises a bare Exception
                raise ModelError(f"Cannot load {self.tokenizer_file}: {exc}") from exc
            tokenizer.enable_truncation(self.max_length)
            tokenizer.no_padding()
            self._tokenizer = tokenizer
        return self._tokenizer

    def token_ids(self, texts: list[str]) -> list[list[int]]:
        """The token ids of ``texts``: for a few texts (questions) through ``PieceTokenizer``,
        which needs no second to load, else through the whole tokenizer; the ids are the same."""
        if self._tokenizer is None and len(texts) <= _FEW_TEXTS:
            if self._pieces is None:
                try:
                    self._pieces = PieceTokenizer.load(self.tokenizer_file, self.max_length)
                except (OSError, sqlite3.Error, ValueError) as exc:
                    log.warning("Tokenising with the whole tokenizer (%s)", exc)
            if self._pieces is not None:
                return self._pieces.encode(texts)
        return [encoding.ids for encoding in self.tokenizer.encode_batch(texts)]

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Embed questions with the query prompt; repeated questions come from a cache."""
        clipped = [t[: self.max_chars] for t in texts]
        return self.queries.encode(clipped, lambda missing: self._encode(missing, self.prompts["query"]))

    def encode_documents(self, texts: list[str], progress: bool | str = False) -> np.ndarray:
        """Embed passages with the document prompt, in batches of similar length.

        ``progress`` shows a bar with texts per second and the time left; a string names the
        texts ("passages", "sentences").
        """
        return self._encode(texts, self.prompts["document"], progress)

    def _encode(self, texts: list[str], prompt: str, progress: bool | str = False) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        bar = None
        if progress:
            from tqdm import tqdm

            unit = progress if isinstance(progress, str) else "texts"
            bar = tqdm(total=len(texts), desc=f"Embedding {unit}", unit=f" {unit}", unit_scale=False)
        for first in range(0, len(texts), _SLAB):  # tokenised a slab at a time: an Encoding is not small
            tokens = self.token_ids([prompt + t for t in texts[first : first + _SLAB]])
            for rows in batches([len(t) for t in tokens], self.tokens_per_batch):
                width = max(len(tokens[r]) for r in rows)
                ids = np.ones((len(rows), width), dtype=np.int64)  # 1 = <pad>
                mask = np.zeros((len(rows), width), dtype=np.int64)
                for i, r in enumerate(rows):
                    ids[i, : len(tokens[r])] = tokens[r]
                    mask[i, : len(tokens[r])] = 1
                vectors = self.session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
                out[[first + r for r in rows]] = vectors
                if bar is not None:
                    bar.update(len(rows))
        if bar is not None:
            bar.close()
        return out


def _json_object(path: Path) -> dict[str, Any]:
    """A JSON object from ``path``, or an empty one when the file is missing."""
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
