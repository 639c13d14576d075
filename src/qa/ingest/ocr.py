"""Text recognised from page images (OCR): RapidOCR's PP-OCR models, shipped inside its wheel.

``recognise`` turns one page image into lines of text with their boxes and confidence;
``recognise_pages`` does so for the pages of one file that need it, through a cache keyed by
the file's bytes, so a file is recognised once whatever the number of builds (the cache
lives in the user's cache folder; ``QA_OCR_CACHE`` overrides where).

The engine is given the model files of the installed ``rapidocr`` package by path, so it
never reaches its download code: a missing model is an ``OcrUnavailableError`` naming the
file and the package to reinstall, never a network fetch. onnxruntime's telemetry is turned
off for the process (``qa/__init__.py`` sets ``ORT_DISABLE_TELEMETRY`` before it loads).

A seal (公章) is stamped in red over the text: red ink in a roughly round region a seal's
size is painted white before recognition, so neither its words nor its ring reach the text,
and the black text beneath it is read. A red masthead ("XX市政协办公室文件") is wide, not
round, and is read like any line (cleaning makes it the document's 发文机关).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa.errors import DocumentError

if TYPE_CHECKING:
    import numpy as np
    from PIL.Image import Image

log = logging.getLogger(__name__)

RAPIDOCR_VERSION = "3.10.0"  # the pinned package; its models below ship inside its wheel
MODELS = {
    "Det": "PP-OCRv6_det_small.onnx",
    "Cls": "ch_ppocr_mobile_v2.0_cls_mobile.onnx",
    "Rec": "PP-OCRv6_rec_small.onnx",
}
RENDER_DPI = 200  # a PDF page is rendered at this resolution for recognition
CACHE_FORMAT = 2
# A seal: red ink in a region at least this share of the page's width, about as high as wide.
_SEAL_MIN_SHARE = 0.1
_SEAL_ASPECT = (0.7, 1.45)
# Inside a seal, a pixel this bright in the red channel is paper or red ink; black text under the
# seal stays dark in every channel (the ink darkens it further).
_INK_RED_MIN = 130


class OcrUnavailableError(DocumentError):
    """The OCR engine or its models are not installed as the project pins them."""


@dataclass(frozen=True)
class OcrLine:
    """One line the engine found: its text, its box on the page (pixels) and its confidence (0–1)."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    confidence: float


@dataclass(frozen=True)
class OcrPage:
    """The lines recognised on one page image, and the image's size in pixels."""

    lines: tuple[OcrLine, ...]
    width: int
    height: int

    @property
    def characters(self) -> int:
        return sum(len(line.text) for line in self.lines)

    def confidence_sum(self) -> float:
        """The sum over the page's characters of their line's confidence (for a mean by characters)."""
        return sum(line.confidence * len(line.text) for line in self.lines)


def engine_name() -> str:
    """The engine and the models it runs, as the reading report names them."""
    return f"RapidOCR {_installed_version()} (PP-OCRv6 small, onnxruntime {_onnxruntime_version()})"


def recognise(image: Image) -> OcrPage:
    """The lines of text on ``image`` (any mode; seals in red removed first), top to bottom."""
    import numpy as np

    pixels = np.asarray(image.convert("RGB"))
    pixels = without_seals(pixels)
    result = _engine()(pixels)
    lines: list[OcrLine] = []
    if result.txts:
        for text, box, score in zip(result.txts, result.boxes, result.scores, strict=True):
            xs, ys = [float(p[0]) for p in box], [float(p[1]) for p in box]
            if text.strip():
                lines.append(OcrLine(text.strip(), min(xs), min(ys), max(xs), max(ys), float(score)))
    lines.sort(key=lambda line: (line.y0, line.x0))
    return OcrPage(tuple(lines), image.width, image.height)


def without_seals(pixels: np.ndarray) -> np.ndarray:
    """``pixels`` (RGB) with each seal-sized round region of red ink cleaned to the dark text under it."""
    import cv2
    import numpy as np

    r, g, b = (pixels[..., i].astype(np.int16) for i in range(3))
    red = (r > 110) & (r - g > 50) & (r - b > 50)
    height, width = red.shape
    if red.sum() < (width * height) // 2000:
        return pixels
    reach = max(3, width // 80)  # joins a seal's ring and letters into one region
    grown = cv2.dilate(red.astype(np.uint8), np.ones((reach, reach), np.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(grown)
    cleaned = pixels
    for x, y, w, h, _area in stats[1:count]:
        if min(w, h) >= width * _SEAL_MIN_SHARE and _SEAL_ASPECT[0] <= w / h <= _SEAL_ASPECT[1]:
            if cleaned is pixels:
                cleaned = pixels.copy()
            region = cleaned[max(0, y - reach) : y + h + reach, max(0, x - reach) : x + w + reach]
            region[region[..., 0] >= _INK_RED_MIN] = 255  # what is bright in red: paper and red ink
    return cleaned


def recognise_pages(
    data: bytes, pages: Sequence[int], render: Callable[[int], Image], source: str = ""
) -> dict[int, OcrPage]:
    """The recognised lines of ``pages`` (1 = the first) of the file holding ``data``.

    ``render(page)`` gives a page's image; it is called only for pages the cache does not
    hold for these bytes and this engine. Progress is logged page by page.
    """
    path = _cache_path(hashlib.sha256(data).hexdigest())
    stored = _load(path)
    found: dict[int, OcrPage] = {}
    for n, page in enumerate(pages, start=1):
        if str(page) in stored:
            found[page] = stored[str(page)]
            continue
        log.info("OCR %s: page %d (%d of %d to recognise)", source, page, n, len(pages))
        found[page] = recognise(render(page))
        stored[str(page)] = found[page]
        _save(path, stored)
    return found


def _cache_path(sha256: str) -> Path:
    folder = os.environ.get("QA_OCR_CACHE")
    if folder:
        root = Path(folder)
    else:
        root = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "qa" / "ocr"
    return root / f"{sha256}.json"


def _cache_key() -> dict[str, Any]:
    return {"format": CACHE_FORMAT, "engine": engine_name(), "dpi": RENDER_DPI}


def _load(path: Path) -> dict[str, OcrPage]:
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        if record.get("key") != _cache_key():
            return {}
        return {
            page: OcrPage(tuple(OcrLine(**line) for line in value["lines"]), value["width"], value["height"])
            for page, value in record["pages"].items()
        }
    except (OSError, ValueError, KeyError, TypeError):  # absent, or written by another version
        return {}


def _save(path: Path, pages: dict[str, OcrPage]) -> None:
    record = {"key": _cache_key(), "pages": {page: asdict(value) for page, value in pages.items()}}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, delete=False) as out:
            json.dump(record, out, ensure_ascii=False)
        os.replace(out.name, path)
    except OSError as exc:  # a read-only cache costs time, not text
        log.warning("Cannot store OCR results in %s (%s); they will be recognised again", path, exc)


def _installed_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("rapidocr")
    except PackageNotFoundError as exc:
        raise OcrUnavailableError(
            f"OCR needs rapidocr=={RAPIDOCR_VERSION}, which is not installed; run `make install`."
        ) from exc


def _onnxruntime_version() -> str:
    from importlib.metadata import version

    return version("onnxruntime")


def model_paths() -> dict[str, Path]:
    """The model files inside the installed ``rapidocr`` package; else ``OcrUnavailableError``."""
    _installed_version()
    import rapidocr

    folder = Path(rapidocr.__file__).resolve().parent / "models"
    paths = {task: folder / name for task, name in MODELS.items()}
    missing = [str(path) for path in paths.values() if not path.is_file()]
    if missing:
        raise OcrUnavailableError(
            f"the OCR models are missing from the installed rapidocr package ({', '.join(missing)}); "
            f"reinstall rapidocr=={RAPIDOCR_VERSION} (its wheel ships them; they are never downloaded)."
        )
    return paths


@cache
def _engine() -> Any:
    """The RapidOCR engine, made once per process, on the packaged models, two threads."""
    from rapidocr import RapidOCR

    # A lower binarisation threshold than the default (0.3/0.5) keeps the faint lines of a grey
    # 150 dpi scan (bench/ocr.py: a whole line was lost at the defaults).
    params: dict[str, Any] = {"Global.log_level": "error", "Det.thresh": 0.2, "Det.box_thresh": 0.3}
    params.update({f"{task}.model_path": str(path) for task, path in model_paths().items()})
    threads = max(1, min(2, os.cpu_count() or 1))
    params["EngineConfig.onnxruntime.intra_op_num_threads"] = threads
    params["EngineConfig.onnxruntime.inter_op_num_threads"] = 1
    return RapidOCR(params=params)
