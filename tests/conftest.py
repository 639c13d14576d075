"""Shared fixtures: a deterministic fake embedder for fast tests, the real model for the rest."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import ClassVar

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
INDEX = REPO / "index"


class FakeEmbedder:
    """Hashes character bigrams into a small normalised vector: deterministic and instant."""

    name = "fake-bigram-hash"
    fingerprint = "fake-0001"
    dim = 64
    prompts: ClassVar[dict[str, str]] = {"query": "", "document": ""}

    def _encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for i in range(max(len(text) - 1, 1)):
                digest = hashlib.blake2b(text[i : i + 2].encode(), digest_size=4).digest()
                out[row, int.from_bytes(digest, "little") % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-9)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts)

    def encode_documents(self, texts: list[str], progress: bool | str = False) -> np.ndarray:
        return self._encode(texts)


@pytest.fixture(scope="session", autouse=True)
def _fresh_ocr_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """OCR results are cached by file content in the user's cache: tests recognise afresh."""
    os.environ["QA_OCR_CACHE"] = str(tmp_path_factory.mktemp("ocr-cache"))


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture(scope="session")
def embedder():
    if os.environ.get("QA_PRECISION", "fp32") != "fp32":  # bench/build_speed.py --quality
        from qa.model.onnx_encoder import OnnxEmbedder

        return OnnxEmbedder.load_default()
    from qa.model.sentence_transformer import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder.load()


@pytest.fixture(scope="session")
def retriever(embedder, tmp_path_factory: pytest.TempPathFactory):
    """The committed index; at another precision (``QA_PRECISION``), the seeds built at that one."""
    from qa.build.builder import build_index
    from qa.index.layout import read_manifest
    from qa.retrieve.retriever import Retriever

    index = INDEX
    if read_manifest(INDEX)["model"]["fingerprint"] != embedder.fingerprint:
        index = tmp_path_factory.mktemp("index") / "index"
        build_index(SEEDS, index, embedder)
    return Retriever(index, embedder=embedder, seeds=SEEDS)


@pytest.fixture(scope="session")
def fake_seeds_retriever(tmp_path_factory: pytest.TempPathFactory):
    """The seeds built once with ``FakeEmbedder`` (instant), for tests of what is shown, not of ranking."""
    from qa.build.builder import build_index
    from qa.retrieve.retriever import Retriever

    index = tmp_path_factory.mktemp("fake-seeds") / "index"
    build_index(SEEDS, index, FakeEmbedder())
    return Retriever(index, embedder=FakeEmbedder())


@pytest.fixture
def seeds_copy(tmp_path: Path) -> Path:
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target)
    return target


@pytest.fixture
def tiny_seeds(tmp_path: Path) -> Path:
    folder = tmp_path / "tiny"
    folder.mkdir()
    (folder / "a.txt").write_text(
        "首 页 | 政协要闻 | 主席讲话 | 提案工作\n"
        "在县政协全体会议上的讲话\n"
        "发布时间:2023年5月6日\n"
        "一、提高履职能力\n"
        "政协委员要不断提高政治把握能力、调查研究能力、联系群众能力和合作共事能力。\n"
        "二、加强团结\n"
        "要坚持大团结大联合,努力寻求最大公约数、画出最大同心圆。\n"
        "© 版权所有 县政协\n",
        encoding="utf-8",
    )
    (folder / "b.txt").write_text(
        "在市政协常委会议上的讲话\n"
        "要围绕中心工作深入调查研究,积极建言献策,为党委政府科学决策提供参考。\n"
        "要加强提案办理协商,提高提案质量,推动提案成果转化运用。\n",
        encoding="utf-8",
    )
    return folder


# The browser tests drive Debian's Chromium (never a downloaded one) through Playwright.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def load_script(path: Path, name: str) -> ModuleType:
    """The repository script at ``path`` (not a package module) imported as ``name``; registered
    in ``sys.modules``, where dataclasses look their module up."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = sys.modules[name] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# Animation frames 500 ms late, as on a loaded machine. Gradio 6 pushes the stored values of the
# components a tab or accordion reveals on a later frame, which undoes anything typed into them
# before it; the pages of the browser tests run this way so that such a race fails every time.
LATE_FRAMES = """{
  const frame = window.requestAnimationFrame.bind(window);
  window.requestAnimationFrame = (callback) => { setTimeout(() => frame(callback), 500); return 0; };
}"""


def page_context(browser, **options):  # type: ignore[no-untyped-def]
    """A new browser context (``browser.new_context(**options)``) whose pages get late frames."""
    context = browser.new_context(**options)
    context.add_init_script(LATE_FRAMES)
    return context


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    assert CHROMIUM.is_file(), "Debian's chromium is missing: run `make browser` (apt-get install chromium)"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()
