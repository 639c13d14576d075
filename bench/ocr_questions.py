"""Does a scanned page answer as well as the same text typed? hit@1 of questions about its sentences.

``--pages`` pages of paragraphs from ../shared/corpora/gov-work-reports (2000 on; another seed
than bench/ocr.py) are written twice: as scanned image-only PDFs (A4, 12 pt, 150 dpi grey, 0.5°
skew, noise σ 8, JPEG 60: bench/scanned_pages.py), one page a file, and as .docx files of the
same paragraphs. Each folder is built with ``qa build`` (the product's model and ranking), and
asked the same questions: for five sentences of each page, the sentence's longest clause.
A question is answered at rank 1 when the first passage is from its page's file and holds at
least 80% of the sentence's characters in order (difflib), the same rule for both folders.

    PYTHONPATH=src .venv/bin/python bench/ocr_questions.py [--pages 10] [--per-page 5] [--seed 7]
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import io
import random
import re
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from ocr import REPORTS, normalised, pages  # noqa: E402
from scanned_pages import A4, image_pdf, render_page, scanned  # noqa: E402

from qa.cli.main import main as qa  # noqa: E402

_CLAUSE = re.compile(r"[，；：、,;:]")


def questions_of(paragraphs: tuple[str, ...], rng: random.Random, count: int = 3) -> list[tuple[str, str]]:
    """``(question, sentence)``: the longest clause of ``count`` sentences of the page."""
    sentences = [s for p in paragraphs for s in re.findall(r"[^。！？]+[。！？]", p) if 20 <= len(s) <= 90]
    chosen = rng.sample(sentences, min(count, len(sentences)))
    return [(max(_CLAUSE.split(s.rstrip("。！？")), key=len), s) for s in chosen]


def holds(passage: str, sentence: str) -> bool:
    a, b = normalised(sentence), normalised(passage)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks()) >= 0.8 * len(a)


def docx_bytes(paragraphs: tuple[str, ...]) -> bytes:
    import docx

    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def build(folder: Path, index: Path) -> float:
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        assert qa(["build", "--seeds", str(folder), "--index", str(index)]) == 0
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=10)
    parser.add_argument("--per-page", type=int, default=5, help="questions per page")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if not REPORTS.is_dir():
        print(f"skipped: {REPORTS} is not here (set QA_CORPORA to the corpora folder)", file=sys.stderr)
        return 1
    from qa.retrieve.retriever import Retriever

    rng = random.Random(args.seed)
    asked: list[tuple[str, str, str]] = []  # question, sentence, file stem
    with tempfile.TemporaryDirectory(prefix="qa-ocr-questions-") as scratch:
        root = Path(scratch)
        (root / "scan").mkdir()
        (root / "docx").mkdir()
        for n, paragraphs in enumerate(pages(args.pages, args.seed), start=1):
            page = render_page(paragraphs, 150, A4, points=12)
            image = scanned(page.image, 0.5, 8, 60, seed=n, gray=True)
            (root / "scan" / f"page{n:02}.pdf").write_bytes(image_pdf([image], 150))
            (root / "docx" / f"page{n:02}.docx").write_bytes(docx_bytes(page.paragraphs))
            asked += [(q, s, f"page{n:02}") for q, s in questions_of(page.paragraphs, rng, args.per_page)]
        print(f"{len(asked)} questions about {args.pages} pages")
        for kind in ("docx", "scan"):
            seconds = build(root / kind, root / f"index-{kind}")
            retriever = Retriever(root / f"index-{kind}")
            hits = files = 0
            for question, sentence, stem in asked:
                ranked = retriever.search(question, k=1)
                right_file = bool(ranked) and Path(ranked[0].source).stem == stem
                files += right_file
                hits += right_file and holds(ranked[0].text, sentence)
            print(
                f"{kind:<5} hit@1 {hits / len(asked):.3f} ({hits}/{len(asked)}), right file first "
                f"{files / len(asked):.3f}; build {seconds:.0f} s",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
