"""How well ``qa.ingest.decode`` tells GB18030/GBK from Big5, beside charset-normalizer.

Paragraphs of the government work reports (../shared/corpora, simplified Chinese, and the
1954/1957 reports, partly traditional) are cut to 10, 30, 100 and 400 characters, encoded
in GBK and, where every character exists there, Big5, and decoded again by both. A wrong
decoding is mojibake in the index; a refusal names the file and asks for UTF-8.

    .venv/bin/python bench/encodings.py [--samples 300]
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from pathlib import Path

import charset_normalizer

from qa.errors import DocumentError
from qa.ingest.decode import decode_bytes

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "gov-work-reports"
LENGTHS = (10, 30, 100, 400)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--samples", type=int, default=300, help="paragraphs per length (default 300)")
    args = parser.parse_args(argv)
    if not CORPUS.is_dir():
        print(f"skipped: {CORPUS} is not here (the shared corpora are needed)", file=sys.stderr)
        return 0
    paragraphs = [
        line
        for path in sorted(CORPUS.glob("*.txt"))
        for line in path.read_text("utf-8").splitlines()
        if len(line) > 40
    ]
    traditional = [p for p in paragraphs if _encodable(p, "big5")]  # the 1954 and 1957 reports' paragraphs
    random.seed(0)
    counts: Counter[tuple[int, str, str, str]] = Counter()
    for length in LENGTHS:
        for encoding, pool in (("gbk", paragraphs), ("big5", traditional)):
            for paragraph in random.sample(pool, min(args.samples, len(pool))):
                text = paragraph[:length]
                data = text.encode(encoding)
                try:
                    ours = "right" if decode_bytes(data, "x.txt") == text else "WRONG"
                except DocumentError:
                    ours = "refused"
                best = charset_normalizer.from_bytes(data).best()
                theirs = (
                    "right" if best is not None and str(best) == text else ("WRONG" if best else "refused")
                )
                counts[length, encoding, "qa", ours] += 1
                counts[length, encoding, "charset-normalizer", theirs] += 1
    print(f"charset-normalizer {charset_normalizer.__version__}; {args.samples} paragraphs per length\n")
    print("| characters | encoding | decoder | right | wrong (mojibake) | refused |")
    print("|---:|---|---|---:|---:|---:|")
    for length in LENGTHS:
        for encoding in ("gbk", "big5"):
            for decoder in ("qa", "charset-normalizer"):
                row = [
                    counts[length, encoding, decoder, outcome] for outcome in ("right", "WRONG", "refused")
                ]
                if sum(row):
                    print(f"| {length} | {encoding} | {decoder} | {row[0]} | {row[1]} | {row[2]} |")
    return 0


def _encodable(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


if __name__ == "__main__":
    raise SystemExit(main())
