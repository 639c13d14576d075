"""What passage boundaries do to retrieval: sizes and sentence overlap, on the seeds and on CMRC.

For each chunking variant a real index (e5 through ONNX Runtime, hybrid ranking) is built
of (a) the seeds, scored with ``qa eval``'s fused hit@1 and MRR@10 on all 121 in-domain
questions, and (b) the first ``--cmrc-docs`` CMRC 2018 passages (../shared/corpora), scored
on their questions: hit@1, hit@5, MRR@10 of ``Retriever.search`` (an empty answer is a miss),
and the share of questions whose answer lies inside a single passage.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/boundaries.py [--cmrc-docs 150]
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from naive_baseline import Scores, first_hit, load_cmrc_questions  # noqa: E402

from qa.build.builder import build_index  # noqa: E402
from qa.build.settings import BuildSettings  # noqa: E402
from qa.model.onnx_encoder import OnnxEmbedder  # noqa: E402
from qa.passages.cutting import ChunkSettings  # noqa: E402
from qa.retrieve.defaults import default_seeds_dir  # noqa: E402
from qa.retrieve.evaluate import default_questions_path, evaluate, load_questions  # noqa: E402
from qa.retrieve.retriever import Retriever  # noqa: E402

# ../shared/corpora beside the repository, or where QA_CORPORA says (a git worktree elsewhere).
CMRC = Path(os.environ.get("QA_CORPORA") or BENCH.parents[1] / "shared" / "corpora") / "cmrc2018"
VARIANTS = {
    "450 (default)": ChunkSettings(),
    "300": ChunkSettings(max_chars=300),
    "600": ChunkSettings(max_chars=600),
    "450 + 1 sentence overlap": ChunkSettings(overlap_sentences=1),
}


def seeds_scores(index: Path, embedder: OnnxEmbedder) -> tuple[float, float]:
    """Fused hit@1 and MRR@10 of ``qa eval`` on every in-domain question."""
    report = evaluate(Retriever(index, embedder=embedder), load_questions(default_questions_path()))
    fused = report.results["hybrid"]
    return fused.hit1, fused.mrr10


def cmrc_scores(index: Path, embedder: OnnxEmbedder, questions: list[dict]) -> tuple[Scores, float]:
    """hit@1/5, MRR@10 of ``Retriever.search`` and the share of answers inside one passage."""
    retriever = Retriever(index, embedder=embedder)
    texts = [p.text for p in retriever.passages]
    ranks = [
        first_hit([h.text for h in retriever.search(q["question"], k=10)], q["all_answers"])
        for q in questions
    ]
    inside = sum(first_hit(texts, q["all_answers"]) is not None for q in questions) / len(questions)
    return Scores.of(ranks), inside


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cmrc-docs", type=int, default=150, help="how many CMRC passages (default 150)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    if not CMRC.is_dir():
        print(f"skipped: {CMRC} is not here (the shared corpora are needed)", file=sys.stderr)
        return 0
    embedder = OnnxEmbedder.load_default()
    scratch = Path(tempfile.mkdtemp(prefix="boundaries-"))
    docs = scratch / "cmrc"
    docs.mkdir()
    names = sorted((CMRC / "docs").glob("*.txt"), key=lambda p: int(p.stem.split("_")[1]))[: args.cmrc_docs]
    for path in names:
        shutil.copy(path, docs / path.name)
    chosen = {f"docs/{p.name}" for p in names}
    questions = [q for q in load_cmrc_questions(CMRC) if q["doc"] in chosen]
    print(f"seeds: {default_seeds_dir()}; CMRC: {len(names)} passages, {len(questions)} questions\n")
    columns = ["passages", "seeds hit@1", "seeds MRR@10", "CMRC hit@1", "CMRC hit@5", "CMRC MRR@10"]
    print("| " + " | ".join([*columns, "answer in one passage", "build s"]) + " |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    try:
        for name, chunking in VARIANTS.items():
            settings = BuildSettings(chunking=chunking)
            started = time.perf_counter()
            build_index(default_seeds_dir(), scratch / "seeds-index", embedder, settings, full=True)
            build_index(docs, scratch / "cmrc-index", embedder, settings, full=True)
            seconds = time.perf_counter() - started
            hit1, mrr = seeds_scores(scratch / "seeds-index", embedder)
            scores, inside = cmrc_scores(scratch / "cmrc-index", embedder, questions)
            cmrc = f"{scores.hit1:.3f} | {scores.hit5:.3f} | {scores.mrr10:.3f}"
            print(f"| {name} | {hit1:.3f} | {mrr:.3f} | {cmrc} | {inside:.3f} | {seconds:.0f} |", flush=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
