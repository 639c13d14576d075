"""Digital PDFs: seconds per page of the text layer with positions, beside pypdf's plain text,
and a large PDF with photos read with bounded memory.

**Per page.** Each PDF is read ``--runs`` times both ways, the best run kept: *before*, what
the PDF reader did until the layout work (pypdf's ``extract_text`` of every page); *after*,
``qa.ingest.pdf.text_layer`` (pypdfium2's characters with their boxes and sizes, runs,
footnotes, columns, rows). Then the whole reading (``read_document``: cleaning included) per
page. Files: the layout fixtures, field case 08, two English manuals Debian ships under
/usr/share/doc (when present), a made-up speech of ``--pages`` pages drawn by reportlab in
its built-in STSong (the font not embedded: pdfium maps it to a system font, the slow case)
and the footnoted speech of the fixtures ``--copies`` times over typeset by LibreOffice
(fonts embedded, as office programs export).

**Large.** A yearbook-like PDF of ``--large-pages`` pages, each a paragraph of text and a
JPEG photo, about ``--large-mb`` MB, is read in a fresh process (``read_data``): its peak RSS
(``VmHWM``) beside the same process's RSS before reading (``VmRSS``: the imports and the
file's bytes), and the same for pypdf's ``extract_text`` of every page (before); pages are
opened and closed one at a time, so memory should not follow the photos.

    PYTHONPATH=src HF_HUB_OFFLINE=1 nice .venv/bin/python bench/pdf_layout.py [--runs 3] [--pages 200]
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SENTENCE = "政协委员要把学习作为一种责任和追求，不断提高政治把握、调查研究、联系群众和合作共事的能力。"


def speech_pdf(pages: int, photos_kb: int = 0) -> bytes:
    """A made-up A4 speech of ``pages`` pages, 12 pt Song, 30 lines a page; with a JPEG photo
    of about ``photos_kb`` KB on each page when asked (random pixels do not compress)."""
    from PIL import Image
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    width, height = A4
    text = ("　　" + SENTENCE * 3) * 200
    per_line, at = 36, 0
    side = int((photos_kb * 1024) ** 0.5) if photos_kb else 0
    for number in range(1, pages + 1):
        page.setFont("STSong-Light", 9)
        page.drawCentredString(width / 2, height - 40, "青川市政协办公室　讲话汇编")
        page.drawCentredString(width / 2, 30, f"- {number} -")
        page.setFont("STSong-Light", 12)
        lines = 14 if side else 30
        for row in range(lines):
            page.drawString(70, height - 80 - 20 * row, text[at : at + per_line])
            at = (at + per_line) % (len(text) - per_line)
        if side:
            photo = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
            jpeg = io.BytesIO()
            photo.save(jpeg, "JPEG", quality=85)
            page.drawImage(ImageReader(io.BytesIO(jpeg.getvalue())), 70, 80, width - 140, height / 2 - 60)
        page.showPage()
    page.save()
    return buffer.getvalue()


def libreoffice_speech(copies: int) -> tuple[str, bytes] | None:
    """The footnoted speech of the layout fixtures ``copies`` times over, typeset by LibreOffice
    (fonts embedded, as Word, WPS and LibreOffice export them); None without LibreOffice."""
    sys.path.insert(0, str(ROOT / "tests" / "fixtures" / "formats" / "generator"))
    import make_layout

    from qa.ingest.convert import soffice

    if soffice() is None:
        return None
    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch) / "speech.fodt"
        source.write_text(make_layout.flat_odt(make_layout.SPEECH * copies), encoding="utf-8")
        profile = (Path(scratch) / "profile").as_uri()
        command = ["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf"]
        subprocess.run([*command, "--outdir", scratch, str(source)], check=True, capture_output=True)
        return f"libreoffice-speech-x{copies}.pdf", (Path(scratch) / "speech.pdf").read_bytes()


def best(runs: int, work: Callable[[bytes, str], object], data: bytes, name: str) -> float:
    """The least seconds of ``runs`` calls of ``work(data, name)``."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work(data, name)
        times.append(time.perf_counter() - started)
    return min(times)


def pypdf_text(data: bytes, name: str) -> list[str]:
    """What the PDF reader did before the layout work: pypdf's text of every page."""
    import pypdf

    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages]


def per_page(files: list[tuple[str, bytes]], runs: int) -> None:
    import pypdf

    from qa.ingest.documents import read_data
    from qa.ingest.pdf import text_layer

    print(f"{'file':<34} {'pages':>5} {'before ms/page':>15} {'after ms/page':>14} {'read ms/page':>13}")
    for name, data in files:
        pages = len(pypdf.PdfReader(io.BytesIO(data)).pages)
        before = best(runs, pypdf_text, data, name)
        after = best(runs, text_layer, data, name)
        whole = best(runs, read_data, data, name)
        print(
            f"{name:<34} {pages:>5} {1000 * before / pages:>15.1f} {1000 * after / pages:>14.1f}"
            f" {1000 * whole / pages:>13.1f}"
        )


READ_LARGE = """
import io, sys, time
path, how = sys.argv[1], sys.argv[2]
import pypdf
from qa.ingest.documents import read_data
data = open(path, "rb").read()
def status(field):  # MB, from the kernel's account of this process
    line = next(l for l in open("/proc/self/status") if l.startswith(field + ":"))
    return int(line.split()[1]) / 1024
before = status("VmRSS")
started = time.perf_counter()
if how == "qa":
    letters = sum(c.isalnum() for p in read_data(data, "年鉴.pdf").paragraphs for c in p.text)
else:  # the reader before the layout work: pypdf's text of every page
    letters = sum(c.isalnum() for p in pypdf.PdfReader(io.BytesIO(data)).pages for c in p.extract_text())
print(f"{time.perf_counter() - started:.2f} {letters} {before:.0f} {status('VmHWM'):.0f}")
"""


def large(pages: int, photos_mb: float) -> None:
    env = {**os.environ, "QA_MAX_DOCUMENT_MB": "200", "PYTHONPATH": str(ROOT / "src")}
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "yearbook.pdf"
        path.write_bytes(speech_pdf(pages, int(photos_mb * 1024 / pages)))
        size = path.stat().st_size / 2**20
        print(f"\nlarge PDF: {pages} pages, a JPEG photo on each, {size:.1f} MB")
        for how in ("qa", "pypdf extract_text"):
            done = subprocess.run(
                [sys.executable, "-c", READ_LARGE, str(path), how],
                capture_output=True,
                text=True,
                check=True,
                env=env,
            )
            seconds, letters, rss_before, rss_peak = done.stdout.split()
            print(
                f"  read by {how:<20}: {seconds} s ({1000 * float(seconds) / pages:.1f} ms/page), "
                f"{letters} letters read; RSS {rss_before} MB before reading, "
                f"{rss_peak} MB at the peak"
            )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--copies", type=int, default=40)
    parser.add_argument("--large-pages", type=int, default=300)
    parser.add_argument("--large-mb", type=float, default=60.0)
    args = parser.parse_args()
    files = [(p.name, p.read_bytes()) for p in sorted((ROOT / "tests/fixtures/formats/layout").glob("*.pdf"))]
    # ../shared beside the checkout (a worktree sits one folder deeper)
    shared = next((p / "shared" for p in (ROOT.parent, ROOT.parent.parent) if (p / "shared").is_dir()), ROOT)
    for path in (
        shared / "field-cases" / "08-pdf-running-header" / "seeds" / "常委会报告.pdf",
        Path("/usr/share/doc/libtasn1-doc/libtasn1.pdf"),
        Path("/usr/share/doc/shared-mime-info/shared-mime-info-spec.pdf"),
    ):
        if path.exists():
            files.append((path.name, path.read_bytes()))
    files.append((f"reportlab-speech-{args.pages}p.pdf", speech_pdf(args.pages)))
    typeset = libreoffice_speech(args.copies)
    files += [typeset] if typeset else []
    print(f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; best of {args.runs} runs")
    per_page(files, args.runs)
    large(args.large_pages, args.large_mb)
    return 0


if __name__ == "__main__":
    sys.exit(main())
