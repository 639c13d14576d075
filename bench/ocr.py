"""OCR quality and speed: character error rate (CER) and seconds per page, per scan condition.

Paragraphs of ../shared/corpora/gov-work-reports (the reports of 2000 on) are typeset on A4 pages
(Noto Serif CJK 12 pt, bench/scanned_pages.py), then degraded as scanners and phones do:

  clean-300   300 dpi, JPEG 90                         (a good flatbed scan)
  clean-150   150 dpi grey, JPEG 75                    (a fast office scan)
  skew-300    300 dpi, 1.5° skew, noise σ 12, JPEG 50
  noisy-150   150 dpi grey, 0.7° skew, noise σ 16, JPEG 40
  photo       200 dpi page photographed: perspective, uneven light, blur, JPEG 80

and read by the shipped reader (``qa.ingest.ocr.recognise`` + ``qa.ingest.scan.layout_lines``,
RapidOCR on two threads) and, when Debian's ``tesseract`` with ``chi_sim`` is installed, by
Tesseract (``--psm 3``, OMP_THREAD_LIMIT=2). CER = edit distance / characters of the known
text, both sides NFKC-normalised (full- and half-width punctuation alike) without whitespace.
No OCR at all (what the product did before: the file refused) is CER 100%.

    PYTHONPATH=src .venv/bin/python bench/ocr.py [--pages 4] [--seed 1] [--no-tesseract | --tesseract-pages N]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from PIL import Image  # noqa: E402
from scanned_pages import A4, photographed, render_page, scanned  # noqa: E402

from qa.ingest.ocr import engine_name, recognise  # noqa: E402
from qa.ingest.scan import layout_lines  # noqa: E402

# ../shared/corpora beside the repository, or where QA_CORPORA says (a git worktree elsewhere).
REPORTS = Path(os.environ.get("QA_CORPORA") or BENCH.parents[1] / "shared" / "corpora") / "gov-work-reports"
CONDITIONS: dict[str, tuple[int, Callable[[Image.Image, int], Image.Image]]] = {
    "clean-300": (300, lambda image, seed: scanned(image, 0, 0, 90, seed)),
    "clean-150": (150, lambda image, seed: scanned(image, 0, 0, 75, seed, gray=True)),
    "skew-300": (300, lambda image, seed: scanned(image, 1.5, 12, 50, seed)),
    "noisy-150": (150, lambda image, seed: scanned(image, 0.7, 16, 40, seed, gray=True)),
    "photo": (200, lambda image, seed: photographed(image, seed)),
}


def report_paragraphs(min_year: int = 2000) -> list[list[str]]:
    """The paragraphs of each report from ``min_year`` on (60 to 400 characters), one list a report."""
    reports = []
    for path in sorted(REPORTS.glob("*.txt")):
        if path.name[:4].isdigit() and int(path.name[:4]) >= min_year:
            text = path.read_text(encoding="utf-8")
            reports.append([p.strip() for p in text.splitlines() if 60 <= len(p.strip()) <= 400])
    return reports


def normalised(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def edit_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, start=1):
        current = [i]
        for j, other in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other)))
        previous = current
    return previous[-1]


def cer(truth: str, read: str) -> float:
    truth, read = normalised(truth), normalised(read)
    return edit_distance(truth, read) / max(1, len(truth))


def rapidocr_text(image: Image.Image) -> str:
    return "\n".join(layout_lines(recognise(image)))


def tesseract_text(image: Image.Image) -> str:
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "page.png"
        image.save(path)
        run = subprocess.run(
            ["tesseract", str(path), "stdout", "-l", "chi_sim", "--psm", "3"],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "OMP_THREAD_LIMIT": "2"},
        )
    return run.stdout


def tesseract_available() -> str | None:
    """Tesseract's version when it and its chi_sim data are installed, else None."""
    if shutil.which("tesseract") is None:
        return None
    languages = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True).stdout
    if "chi_sim" not in languages.split():
        return None
    return subprocess.run(["tesseract", "--version"], capture_output=True, text=True).stdout.split("\n")[0]


def pages(count: int, seed: int) -> list[list[str]]:
    """``count`` pages' worth of consecutive paragraphs, each from another report."""
    rng = random.Random(seed)
    reports = [r for r in report_paragraphs() if len(r) >= 12]
    chosen = rng.sample(reports, count)
    out = []
    for paragraphs in chosen:
        start = rng.randrange(0, len(paragraphs) - 10)
        out.append(paragraphs[start : start + 10])
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=4, help="pages per condition")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-tesseract", action="store_true")
    parser.add_argument("--tesseract-pages", type=int, default=None, help="fewer pages for Tesseract (slow)")
    args = parser.parse_args()
    if not REPORTS.is_dir():
        print(f"skipped: {REPORTS} is not here (set QA_CORPORA to the corpora folder)", file=sys.stderr)
        return 1
    tesseract = None if args.no_tesseract else tesseract_available()
    engines: dict[str, Callable[[Image.Image], str]] = {engine_name(): rapidocr_text}
    if tesseract:
        engines[f"{tesseract} chi_sim"] = tesseract_text
    else:
        print("Tesseract: not measured (`apt-get install tesseract-ocr tesseract-ocr-chi-sim` to add it)")
    texts = pages(args.pages, args.seed)
    recognise(Image.new("RGB", (64, 64), "white"))  # load the models outside the timings
    print(f"{args.pages} A4 pages per condition (seed {args.seed}), CER = edit distance / known characters")
    print(f"{'condition':<10} {'engine':<60} {'chars':>6} {'CER':>7} {'worst':>7} {'s/page':>7}")
    for condition, (dpi, degrade) in CONDITIONS.items():
        rendered = [render_page(paragraphs, dpi, A4, points=12) for paragraphs in texts]
        images = [degrade(page.image, n) for n, page in enumerate(rendered)]
        truths = ["".join(page.paragraphs) for page in rendered]
        for name, read in engines.items():
            rates, seconds = [], 0.0
            limit = args.tesseract_pages if read is tesseract_text and args.tesseract_pages else len(images)
            for image, truth in zip(images[:limit], truths[:limit], strict=True):
                start = time.perf_counter()
                text = read(image)
                seconds += time.perf_counter() - start
                rates.append(cer(truth, text))
            chars = sum(len(normalised(t)) for t in truths[:limit])
            mean = sum(r * len(normalised(t)) for r, t in zip(rates, truths[:limit], strict=True)) / chars
            print(
                f"{condition:<10} {name:<60} {chars:>6} {mean:>7.2%} {max(rates):>7.2%} "
                f"{seconds / limit:>7.1f}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
