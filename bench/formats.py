"""Seconds per file for each format: reading and cleaning the format corpus, as ``qa build`` does.

Every file of ``tests/fixtures/formats/corpus`` (and the OFD files of github:ofdrw/ofdrw, the
scans and photos of ``scans/`` and the digital PDFs of ``layout/`` beside it), and a .txt,
.md and .html made from the corpus speech's text, is read ``--runs`` times with
``read_document`` (or ``read_folder`` for a .zip): the best time of the runs per file, then
the median per format; a PDF read by OCR is its own row ("pdf (OCR)"). LibreOffice formats
include starting soffice (one process a file, as the build runs it). OCR runs on a fresh
cache every time (``QA_OCR_CACHE`` in a new folder), so its pages are really recognised; OCR
pages/s is the OCR'd pages of all files over their best seconds (the engine runs on at most
two threads; the first run of the process loads the models, the best run does not).

A yearbook-sized .docx (``--yearbook-mb`` of photos and 200 paragraphs) is read in a fresh
process, with its peak memory, against the same text without photos: the images are skipped,
so memory should not grow with them (for a large PDF, ``bench/pdf_layout.py``).

    HF_HUB_OFFLINE=1 nice .venv/bin/python bench/formats.py [--runs 3] [--yearbook-mb 30]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from html import escape
from pathlib import Path

from qa.errors import DocumentError
from qa.ingest.convert import libreoffice_version
from qa.ingest.documents import read_document, read_folder

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "formats"


def time_file(path: Path, runs: int) -> tuple[float, str, int]:
    """Best seconds of ``runs`` readings of ``path``, its reader (or why it was refused) and
    the number of its pages read by OCR."""
    best, what, ocr_pages = float("inf"), "", 0
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as cache:
            os.environ["QA_OCR_CACHE"] = cache  # recognise again: no cached pages
            started = time.perf_counter()
            try:
                if path.suffix.lower() == ".zip":
                    with tempfile.TemporaryDirectory() as scratch:
                        shutil.copy(path, scratch)
                        report = read_folder(Path(scratch))
                    what = f"{len(report.documents)} members"
                else:
                    reading = read_document(path).reading
                    what, ocr_pages = reading.reader, len(reading.ocr_pages)
            except DocumentError as exc:
                what = "refused: " + str(exc).split(": ", 1)[1][:40]
            best = min(best, time.perf_counter() - started)
    return best, what, ocr_pages


def plain_files(folder: Path) -> list[Path]:
    """The corpus speech's text as .txt, .md and .html in ``folder``."""
    document = read_document(FIXTURES / "corpus" / "speech_opening.docx")
    paragraphs = [p.text for p in document.paragraphs]
    title = document.title or "讲话"
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    made = {
        "speech_opening.txt": "\n".join([title, *paragraphs]),
        "speech_opening.md": "\n\n".join([f"# {title}", *paragraphs]),
        "speech_opening.html": f"<html><head><meta charset='utf-8'><title>{escape(title)}</title></head>"
        f"<body><h1>{escape(title)}</h1>{body}</body></html>",
    }
    for name, text in made.items():
        (folder / name).write_text(text, encoding="utf-8")
    return [folder / name for name in made]


MAKE_YEARBOOK = """
import io, os, sys
import docx
from PIL import Image
photos_mb, with_photos, out = float(sys.argv[1]), sys.argv[2] == "1", sys.argv[3]
document = docx.Document()
for i in range(200):
    words = "2023年全市政协委员围绕中心工作建言资政，共提交提案612件，立案548件。"
    document.add_paragraph(f"第{i + 1}段：" + words * 3)
    if with_photos and i % 20 == 0:
        side = int((photos_mb * 2**20 / 10 / 3) ** 0.5)
        picture = io.BytesIO()
        Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(picture, "PNG")
        picture.seek(0)
        document.add_picture(picture)
document.save(out)
"""
READ_YEARBOOK = """
import io, sys, time, tracemalloc
import docx
from qa.ingest.documents import read_data
path, how = sys.argv[1], sys.argv[2]
data = open(path, "rb").read()
tracemalloc.start()
started = time.perf_counter()
if how == "qa":
    paragraphs = len(read_data(data, "年鉴.docx").paragraphs)
else:  # the naive way: python-docx opens the whole package, photos included
    paragraphs = sum(1 for p in docx.Document(io.BytesIO(data)).paragraphs if p.text)
seconds = time.perf_counter() - started
peak = tracemalloc.get_traced_memory()[1]
print(f"{seconds:.2f} {paragraphs} {peak / 2**20:.0f}")
"""


def yearbook(photos_mb: float) -> list[str]:
    """A made-up yearbook .docx read in fresh processes: by ``qa`` and by python-docx whole, and the
    same text without photos; seconds, paragraphs and the peak of what reading allocates."""
    lines = []
    env = {**os.environ, "QA_MAX_DOCUMENT_MB": "200"}
    with tempfile.TemporaryDirectory() as scratch:
        for with_photos in (True, False):
            path = Path(scratch) / f"yearbook{int(with_photos)}.docx"
            subprocess.run(
                [sys.executable, "-c", MAKE_YEARBOOK, str(photos_mb), str(int(with_photos)), str(path)],
                check=True,
            )
            size = path.stat().st_size / 2**20
            for how in ("qa", "python-docx whole") if with_photos else ("qa",):
                done = subprocess.run(
                    [sys.executable, "-c", READ_YEARBOOK, str(path), how],
                    capture_output=True,
                    text=True,
                    check=True,
                    env=env,
                )
                seconds, paragraphs, added = done.stdout.split()
                lines.append(
                    f"{size:6.1f} MB, {'with' if with_photos else 'no'} photos, read by {how:<17}: "
                    f"{seconds} s, {paragraphs} paragraphs, {added} MB allocated at the peak (tracemalloc)"
                )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--yearbook-mb", type=float, default=30.0)
    args = parser.parse_args()
    files = sorted(p for p in (FIXTURES / "corpus").iterdir() if p.suffix != ".json")
    files += sorted((FIXTURES / "ofdrw").glob("*.ofd"))
    for folder in ("scans", "layout"):
        files += sorted(p for p in (FIXTURES / folder).iterdir() if p.suffix != ".json")
    scratch = tempfile.TemporaryDirectory()
    files += plain_files(Path(scratch.name))
    per_format: dict[str, list[float]] = defaultdict(list)
    refused: dict[str, list[float]] = defaultdict(list)
    ocr_pages, ocr_seconds = 0, 0.0
    print(
        f"{libreoffice_version()}; {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; "
        f"best of {args.runs} runs"
    )
    print(f"{'file':<44} {'seconds':>8}  reader")
    for path in files:
        seconds, what, pages = time_file(path, args.runs)
        kind = path.suffix.lower() + (" (OCR)" if pages and path.suffix.lower() == ".pdf" else "")
        (refused if what.startswith("refused") else per_format)[kind].append(seconds)
        if pages:
            ocr_pages, ocr_seconds = ocr_pages + pages, ocr_seconds + seconds
        print(f"{path.name:<44} {seconds:>8.3f}  {what}")
    scratch.cleanup()
    print(f"\n{'format':<12} {'files read':>10} {'median s/file':>14}   (refused files apart)")
    for suffix, times in sorted(per_format.items(), key=lambda item: statistics.median(item[1])):
        print(f"{suffix:<12} {len(times):>10} {statistics.median(times):>14.3f}")
    if ocr_pages:
        print(f"OCR: {ocr_pages} pages in {ocr_seconds:.1f} s, {ocr_pages / ocr_seconds:.2f} pages/s")
    every = [t for times in refused.values() for t in times]
    print(
        f"refused      {len(every):>10} {statistics.median(every):>14.3f}   (password-protected, truncated)"
    )
    print("\nyearbook .docx (photos are skipped: memory should not follow them)")
    print("\n".join(yearbook(args.yearbook_mb)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
