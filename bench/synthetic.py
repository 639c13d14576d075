"""A synthetic Chinese corpus for scale benchmarks, and a fast stand-in for the e5 model.

Documents are made of the seed speeches' own sentences, shuffled: realistic vocabulary,
sentence lengths and overlap between documents, at any size. ``HashingEmbedder`` gives
every text a 384-dim vector from its character bigrams (feature hashing): texts that
share wording are close, as with e5, but encoding 100k passages takes seconds instead of
hours, so index structures, memory and search can be measured at sizes the real model
cannot embed in a benchmark run on two cores. Its numbers are reported separately from
the real model's.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import ClassVar

import numpy as np

from qa.ingest.documents import read_folder
from qa.passages.cutting import sentences_of

REPO = Path(__file__).resolve().parents[1]
PASSAGE_CHARS = 420  # a paragraph of this size becomes one passage (max_chars is 450)
PARAGRAPHS_PER_DOCUMENT = 10


def seed_sentences(seeds: Path = REPO / "seeds") -> list[str]:
    """Every sentence of the seed speeches, after cleaning, de-duplicated, in order."""
    report = read_folder(seeds)
    found = (s for doc in report.documents for p in doc.paragraphs for s in sentences_of(p.text))
    return list(dict.fromkeys(s for s in found if len(s) >= 10))


def write_corpus(folder: Path, documents: int, seed: int = 0, start: int = 0) -> list[Path]:
    """Write ``documents`` synthetic speeches (about 10 passages each) into ``folder``."""
    rng = random.Random(seed * 1_000_003 + start)
    sentences = seed_sentences()
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for number in range(start, start + documents):
        lines = [
            f"在第{number}次政协工作会议上的讲话(合成文稿)",
            f"{2000 + number % 25}年{number % 12 + 1}月8日",
        ]
        for section in range(PARAGRAPHS_PER_DOCUMENT):
            if section % 4 == 0:
                lines.append(
                    f"{'一二三四五六七八九十'[section // 4]}、{rng.choice(sentences)[:14].rstrip('。,;')}"
                )
            paragraph = ""
            while len(paragraph) < PASSAGE_CHARS - 60:
                paragraph += rng.choice(sentences)
            lines.append(paragraph[:PASSAGE_CHARS])
        path = folder / f"{number // 1000:03d}" / f"speech_{number:06d}.txt"
        path.parent.mkdir(exist_ok=True)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        written.append(path)
    return written


class HashingEmbedder:
    """Character-bigram feature hashing into 384 signed dimensions, L2-normalised."""

    name = "hashing-bigram-384"
    fingerprint = "hashing-bigram-384-v1"
    dim = 384
    prompts: ClassVar[dict[str, str]] = {"query": "", "document": ""}

    def _encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
            if len(codes) < 2:
                continue
            keys = (codes[:-1] * np.uint64(1_000_003) + codes[1:]) * np.uint64(0x9E3779B97F4A7C15)
            buckets = (keys >> np.uint64(40)) % np.uint64(self.dim)
            signs = np.where((keys >> np.uint64(20)) & np.uint64(1), 1.0, -1.0).astype(np.float32)
            np.add.at(out[row], buckets.astype(np.int64), signs)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-9)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Vectors of questions (no prompt)."""
        return self._encode(texts)

    def encode_documents(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Vectors of passages (no prompt)."""
        return self._encode(texts)
