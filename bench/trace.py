"""How fast formulation tracing (``qa.tools.trace``) is: on the seeds, on real text and at 100k passages.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/trace.py              # seeds, gov reports if built, 100k
    HF_HUB_OFFLINE=1 .venv/bin/python bench/trace.py --sizes      # the seeds (and the reports) only
    HF_HUB_OFFLINE=1 .venv/bin/python bench/trace.py --index DIR  # any other index as well

Indexes measured:

* the committed ``index/`` (the seeds, 62 passages);
* ``--index`` folders, by default the 72 government work reports (5,016 passages) at
  ``/tmp/s3/b_after`` when that build exists (``qa build --seeds ../shared/corpora/gov-work-reports``);
* a synthetic index per ``--sizes`` (default 100,000 passages): the seeds' sentences shuffled into
  speeches (``bench/synthetic.py``), built once into ``--cache`` and reused. Its vectors come from
  ``HashingEmbedder``: tracing never reads them. Every seed sentence recurs there ~1,500 times, so
  a formulation of the seeds is in thousands of passages: a worst case for the listing, far
  denser than a real collection of that size.

Tracing needs no model, so the indexes are opened with ``load_index``. For each phrase it prints
the passages compared (the candidates the postings leave), the occurrences and variants found,
the first call (cold caches) and the median of the next ``--runs`` calls, and per passage compared.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))

from synthetic import PARAGRAPHS_PER_DOCUMENT, HashingEmbedder, write_corpus  # noqa: E402

from qa.index.load import LoadedIndex, load_index  # noqa: E402
from qa.tools.trace import candidates, trace_index  # noqa: E402

PHRASES = (
    "两个确立",
    "有事好商量",
    "有事好商量、众人的事情由众人商量",
    "专门协商机构",
    "懂政协、会协商、善议政",
    "民主和团结",  # only a variant (团结和民主) in the seeds
    "红烧肉",  # in no passage
)
GOV_REPORTS = Path("/tmp/s3/b_after")
ROW = "  {:<34} {:>9} {:>7} {:>8} {:>9} {:>10} {:>11}"


def synthetic_index(passages: int, cache: Path) -> Path:
    """An index of about ``passages`` synthetic passages under ``cache``, built once."""
    from qa.build.builder import build_index
    from qa.build.settings import BuildSettings

    folder = cache / f"synthetic-{passages}"
    index = folder / "index"
    if (index / "manifest.json").is_file():
        return index
    seeds = folder / "seeds"
    if not seeds.is_dir():
        write_corpus(seeds, passages // PARAGRAPHS_PER_DOCUMENT)
    started = time.perf_counter()
    # A flat vector index: an HNSW graph of stand-in vectors would only lengthen the build.
    build_index(seeds, index, HashingEmbedder(), BuildSettings(hnsw_threshold=10**9), progress=True)
    print(f"  built {index} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return index


def measure(index: LoadedIndex, phrase: str, runs: int) -> tuple[int, int, int, float, float]:
    """(passages compared, occurrences, variants, first call ms, median ms of ``runs`` more)."""
    started = time.perf_counter()
    found = trace_index(index, phrase)
    first = (time.perf_counter() - started) * 1000
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        trace_index(index, phrase)
        times.append((time.perf_counter() - started) * 1000)
    compared = len(candidates(index, phrase))
    return compared, found.total, found.total_variants, first, statistics.median(times)


def report(name: str, index: LoadedIndex, runs: int) -> None:
    print(f"\n{name}: {len(index.passages):,} passages, {len(index.documents):,} documents")
    print(ROW.format("phrase", "compared", "found", "variants", "first ms", "median ms", "µs/passage"))
    for phrase in PHRASES:
        compared, total, variants, first, median = measure(index, phrase, runs)
        per = median * 1000 / compared if compared else 0.0
        padded = phrase + " " * (34 - 2 * len(phrase))  # Chinese characters take two columns
        print(
            ROW.format(
                padded,
                f"{compared:,}",
                f"{total:,}",
                f"{variants:,}",
                f"{first:.1f}",
                f"{median:.1f}",
                f"{per:.0f}",
            )
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="*", default=[100_000], help="synthetic index sizes")
    parser.add_argument("--index", type=Path, nargs="*", default=None, help="more index folders to measure")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/qa-bench-trace"), help="synthetic indexes")
    parser.add_argument("--runs", type=int, default=5, help="timed calls per phrase after the first")
    args = parser.parse_args(argv)
    report("seeds (index/)", load_index(REPO / "index"), args.runs)
    others = args.index if args.index is not None else [GOV_REPORTS] if GOV_REPORTS.is_dir() else []
    for folder in others:
        report(str(folder), load_index(folder), args.runs)
    for size in args.sizes:
        report(f"synthetic {size:,}", load_index(synthetic_index(size, args.cache)), args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
