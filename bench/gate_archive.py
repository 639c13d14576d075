"""The relevance gate on real archives: in-domain and out-of-domain rejection, before and after.

    HF_HUB_OFFLINE=1 nice -n 10 .venv/bin/python bench/gate_archive.py [--cache /tmp/qa-gate]
        [--collections seeds,gov20,gov72,cmrc] [--calibrate] [--misses]

Collections (the shared corpora are read in place, ``../shared/corpora``; without them only
the seeds run):

* **seeds**: the committed index, five speeches (the small collection);
* **seeds + 20 reports**: the seeds with the 20 newest government work reports (25
  documents, the mixed collection a new user tried);
* **seeds + 72 reports**: the seeds with all 72 government work reports and resolutions,
  indexed with passage vectors only (``PASSAGE_VECTORS_ONLY``);
* **CMRC 2018** (``--collections …,cmrc``): 848 Wikipedia passages; in-domain are its 3,219 questions
  (tune: even position, test: odd), out-of-domain the same as for the others.

Built once into ``--cache`` (reused when there; about 5, 15 and 10 minutes on two cores).
Questions: in-domain are the 121 of ``eval/questions.jsonl``; out-of-domain its 35 and the 74
of ``eval/everyday_questions.jsonl`` (54 everyday, 20 near-domain traps: the office's phone,
the hotel of the session). Each has a ``tune`` or ``test`` split.

For every question the script reads what the old gate read (coverage with the collection's
IDF, the best e5 score; its rule and margins as they were) and what the new one reads
(``qa.retrieve.gate``), then prints for the held-out ``test`` halves, per collection: the
share of in-domain questions rejected (target at most 3%) and of out-of-domain ones
(target at least 90%), before and after. ``--calibrate`` first picks the new gate's margins
on the ``tune`` halves of every collection (the worst collection's in-domain rejection as low
as it goes down to 3%, then the most out-of-domain rejected on the worst collection, ties to the
widest margins).
``--misses`` lists the test questions the new gate gets wrong.
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import re
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from qa.build.builder import build_index
from qa.build.settings import BuildSettings
from qa.model.onnx_encoder import OnnxEmbedder
from qa.retrieve.defaults import default_index_dir, default_seeds_dir, project_root
from qa.retrieve.evaluate import default_questions_path, load_questions
from qa.retrieve.gate import (
    Background,
    GateSettings,
    Reading,
    coverage,
    is_relevant,
    reading_of,
    word_weights,
)
from qa.retrieve.gate import probe_questions as probes
from qa.retrieve.query import question_text
from qa.retrieve.ranker import LinearRanker
from qa.retrieve.retriever import Retriever
from qa.text.normalise import match_form

CORPORA = project_root().parent / "shared" / "corpora"  # from a worktree: pass --corpora
EVERYDAY = project_root() / "eval" / "everyday_questions.jsonl"
# The 72 reports with passage vectors only (e5 score = passage cosine, as the product does above
# 20,000 passages): a fifth of the embedding work, so that the build fits a shared machine.
PASSAGE_VECTORS_ONLY = BuildSettings(sentence_vectors_limit=0)
OLD = GateSettings(dense_margin=0.015, coverage_margin=0.4)
DENSE_MARGINS = (0.005, 0.01, 0.015, 0.02, 0.025, 0.03, 0.04)
COVERAGE_MARGINS = (0.2, 0.3, 0.4, 0.5)
EVERYDAY_MARGINS = (-0.02, -0.01, 0.0, 0.01, 0.02, 0.03)


@dataclass(frozen=True)
class Asked:
    """One question on one collection: what the old and the new gate read."""

    question: str
    kind: str  # literal, paraphrase, cmrc (in-domain); ood, everyday, near-domain, probe
    split: str
    old: Reading  # everyday unused
    new: Reading
    right_first: bool
    words: bool  # whether the question has a content word (without one it is never answered)
    first: str = ""

    @property
    def in_domain(self) -> bool:
        return self.kind in ("literal", "paraphrase", "cmrc")


def old_relevant(r: Reading, bg: Background) -> bool:
    """The gate before: coverage with the collection's IDF, or the e5 score, or both above background."""
    by_words = r.coverage >= bg.coverage + OLD.coverage_margin
    by_meaning = r.dense >= bg.dense + OLD.dense_margin
    return by_words or by_meaning or (r.coverage >= bg.coverage and r.dense >= bg.dense)


def ask(retriever: Retriever, question: str, kind: str, split: str, answers: Sequence[str]) -> Asked:
    ranking = retriever.rank(question)
    lexical = retriever.index.lexical
    words = lexical.tokenizer.words(ranking.corrected or question_text(question))
    order = ranking.ids[np.argsort(-ranking.fused, kind="stable")]
    passages = [retriever.passages[int(row)] for row in order[: retriever.gate.passages]]
    old_weights = word_weights(words, {word: lexical.idf(word) for word in words})
    old_coverage = coverage(old_weights, (" ".join([*p.section_path, p.text]) for p in passages))
    new = reading_of(ranking)
    old = Reading(old_coverage, new.dense, 0.0)
    first = passages[0] if passages else None
    key = _squash(first.text) if first else ""
    right = any(_squash(a) in key for a in answers if a)
    opening = f"《{first.doc_title}》{first.text[:80]}" if first else ""
    return Asked(question, kind, split, old, new, right, bool(words), opening)


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", match_form(text))


def index_of(
    cache: Path,
    name: str,
    documents: Callable[[Path], None],
    embedder: OnnxEmbedder,
    settings: BuildSettings | None = None,
) -> Path:
    """The index of one collection under ``cache``, built the first time."""
    target = cache / name / "index"
    if not (target / "manifest.json").is_file():
        folder = cache / name / "documents"
        shutil.rmtree(folder, ignore_errors=True)
        documents(folder)
        print(f"building {name} into {target} ...", file=sys.stderr, flush=True)
        started = time.perf_counter()
        build_index(folder, target, embedder, settings)
        print(f"  {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    return target


def seeds_with_reports(count: int | None) -> Callable[[Path], None]:
    """A documents folder: the seeds and the ``count`` newest yearly reports (all 72 files: None)."""

    def lay(folder: Path) -> None:
        shutil.copytree(default_seeds_dir(), folder)
        reports = sorted((CORPORA / "gov-work-reports").glob("*.txt"))
        if count is not None:
            reports = sorted(p for p in reports if p.name[:4].isdigit())[-count:]
        (folder / "gov").mkdir()
        for path in reports:
            shutil.copy(path, folder / "gov" / path.name)

    return lay


def cmrc_documents(folder: Path) -> None:
    shutil.copytree(CORPORA / "cmrc2018" / "docs", folder)


def question_sets(cmrc: bool) -> tuple[list[tuple[str, str, str, tuple[str, ...]]], list]:
    """(question, kind, split, answers) of the speeches' and the out-of-domain sets, and CMRC's."""
    ours = [(q.question, q.kind, q.split, (q.span or "",)) for q in load_questions(default_questions_path())]
    with EVERYDAY.open(encoding="utf-8") as handle:
        ours += [(r["question"], r["kind"], r["split"], ()) for r in map(json.loads, handle)]
    ours += [(q, "probe", "probe", ()) for q in probes()]
    theirs = []
    if cmrc:
        with (CORPORA / "cmrc2018" / "questions.jsonl").open(encoding="utf-8") as handle:
            for i, r in enumerate(map(json.loads, handle)):
                theirs.append(
                    (r["question"], "cmrc", "tune" if i % 2 == 0 else "test", tuple(r["all_answers"]))
                )
    return ours, theirs


def rejected(rows: Sequence[Asked], answered: Callable[[Asked], bool]) -> float:
    return sum(not answered(r) for r in rows) / max(len(rows), 1)


def backgrounds(rows: Sequence[Asked]) -> tuple[Background, Background]:
    """The old and the new background: the probe questions' 90th percentiles."""
    probe_rows = [r for r in rows if r.kind == "probe"]
    return Background.of([r.old for r in probe_rows]), Background.of([r.new for r in probe_rows])


def calibrate(collections: dict[str, list[Asked]], base: GateSettings) -> GateSettings:
    """The margins meeting the in-domain target on every tune half that reject the most out-of-domain."""
    grounds = {name: backgrounds(rows)[1] for name, rows in collections.items()}

    def score(settings: GateSettings) -> tuple[float, ...]:
        worst_in, worst_out = 0.0, 1.0
        for name, rows in collections.items():
            tune = [r for r in rows if r.split == "tune"]
            bg = grounds[name]

            def answered(r: Asked, bg: Background = bg) -> bool:
                return r.words and is_relevant(r.new, bg, settings)

            worst_in = max(worst_in, rejected([r for r in tune if r.in_domain], answered))
            worst_out = min(worst_out, rejected([r for r in tune if not r.in_domain], answered))
        margins = (settings.dense_margin, settings.coverage_margin, settings.everyday_margin)
        # in-domain rejection down to the 3% target first, then the most out-of-domain rejected
        return (max(worst_in, 0.03), -worst_out, worst_in, *(-m for m in margins))

    grid = itertools.product(DENSE_MARGINS, COVERAGE_MARGINS, EVERYDAY_MARGINS)
    candidates = [replace(base, dense_margin=d, coverage_margin=c, everyday_margin=e) for d, c, e in grid]
    best = min(candidates, key=score)
    print(
        f"margins chosen on the tune halves: dense {best.dense_margin}, coverage {best.coverage_margin}, "
        f"everyday {best.everyday_margin}",
        flush=True,
    )
    return best


def table(collections: dict[str, list[Asked]], settings: GateSettings, passages: dict[str, int]) -> str:
    lines = [
        "| collection | passages | split | in-domain rejected: before → after | out-of-domain rejected: "
        "before → after | of them everyday | of them near-domain traps | right first and answered: "
        "before → after |",
        "|---|---:|---|---:|---:|---:|---:|---:|",
    ]
    for name, rows in collections.items():
        old_bg, new_bg = backgrounds(rows)

        def before(r: Asked, bg: Background = old_bg) -> bool:
            return r.words and old_relevant(r.old, bg)

        def after(r: Asked, bg: Background = new_bg) -> bool:
            return r.words and is_relevant(r.new, bg, settings)

        for split in ("test", "tune"):
            part = [r for r in rows if r.split == split]
            inside = [r for r in part if r.in_domain]
            outside = [r for r in part if not r.in_domain]
            everyday = [r for r in outside if r.kind in ("everyday", "ood")]
            traps = [r for r in outside if r.kind == "near-domain"]
            right = [r for r in inside if r.right_first]
            cells = [
                name,
                f"{passages[name]:,}",
                f"{split} ({len(inside)} + {len(outside)})",
                f"{rejected(inside, before):.3f} → **{rejected(inside, after):.3f}**",
                f"{rejected(outside, before):.3f} → **{rejected(outside, after):.3f}**",
                f"{rejected(everyday, before):.3f} → {rejected(everyday, after):.3f}",
                f"{rejected(traps, before):.3f} → {rejected(traps, after):.3f}",
                f"{(len(right) - sum(not before(r) for r in right)) / max(len(inside), 1):.3f} → "
                f"{(len(right) - sum(not after(r) for r in right)) / max(len(inside), 1):.3f}",
            ]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append(
            f"|  |  | background before (e5 / coverage) {old_bg.dense:.4f} / {old_bg.coverage:.3f}; after "
            f"(e5 / coverage / contrast) {new_bg.dense:.4f} / {new_bg.coverage:.3f} / {new_bg.contrast:.4f} |"
            " | | | | |"
        )
    return "\n".join(lines)


def misses(collections: dict[str, list[Asked]], settings: GateSettings) -> str:
    out = []
    for name, rows in collections.items():
        bg = backgrounds(rows)[1]
        wrong = [
            r
            for r in rows
            if r.split == "test" and (r.words and is_relevant(r.new, bg, settings)) != r.in_domain
        ]
        out.append(f"## {name}: held-out questions the gate gets wrong")
        out += [
            f"- [{r.kind}] {r.question}  coverage {r.new.coverage:.3f} e5 {r.new.dense:.4f} "
            f"contrast {r.new.contrast:.4f}\n    {r.first}"
            for r in wrong
        ]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    global CORPORA
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cache", type=Path, default=Path("/tmp/qa-gate"), help="where indexes are kept")
    parser.add_argument("--corpora", type=Path, default=CORPORA, help="the shared corpora folder")
    parser.add_argument("--calibrate", action="store_true", help="choose the margins on the tune halves")
    parser.add_argument(
        "--collections",
        default="seeds,gov20,gov72",
        help="comma-separated, of seeds, gov20, gov72, cmrc (CMRC 2018: 3,219 questions, slow)",
    )
    parser.add_argument("--margins", help="dense,coverage,everyday margins to measure, not the defaults")
    parser.add_argument("--misses", action="store_true", help="list the held-out questions gotten wrong")
    parser.add_argument(
        "--errands", action="store_true", help="everyday closeness with the errand questions too"
    )
    parser.add_argument("--ranker", type=Path, help="rank with this learned ranker (train/ranker.py)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    embedder = OnnxEmbedder.load_default()
    wanted = set(args.collections.split(","))
    ours, theirs = question_sets("cmrc" in wanted)
    indexes = {"seeds (5 documents)": default_index_dir()} if "seeds" in wanted else {}
    CORPORA = args.corpora
    if not (CORPORA / "gov-work-reports").is_dir():
        print(f"{CORPORA} is not here: only the seeds are measured", file=sys.stderr)
        wanted &= {"seeds"}
    if "gov20" in wanted:
        indexes["seeds + 20 reports (25 documents)"] = index_of(
            args.cache, "seeds-gov20", seeds_with_reports(20), embedder
        )
    if "gov72" in wanted:
        indexes["seeds + 72 reports (77 documents)"] = index_of(
            args.cache, "seeds-gov72", seeds_with_reports(None), embedder, PASSAGE_VECTORS_ONLY
        )
    if "cmrc" in wanted:
        indexes["CMRC 2018"] = index_of(args.cache, "cmrc", cmrc_documents, embedder)
    collections: dict[str, list[Asked]] = {}
    passages: dict[str, int] = {}
    for name, index in indexes.items():
        retriever = Retriever(index, embedder=embedder)
        retriever.gate = replace(retriever.gate, errands=not args.no_errands)
        retriever.ranker = LinearRanker.load(args.ranker) if args.ranker else None
        passages[name] = len(retriever.passages)
        # on Wikipedia the questions about the speeches are out-of-domain too
        speeches = [
            (q, "ood" if kind in ("literal", "paraphrase") else kind, *rest) for q, kind, *rest in ours
        ]
        asked = ours if name != "CMRC 2018" else theirs + speeches
        started = time.perf_counter()
        collections[name] = [ask(retriever, q, kind, split, answers) for q, kind, split, answers in asked]
        seconds = time.perf_counter() - started
        print(f"{name}: {len(asked)} questions read in {seconds:.0f} s", file=sys.stderr, flush=True)
    settings = GateSettings()
    if args.margins:
        dense, covered, everyday = (float(x) for x in args.margins.split(","))
        settings = replace(settings, dense_margin=dense, coverage_margin=covered, everyday_margin=everyday)
    if args.calibrate:
        margins = (settings.dense_margin, settings.coverage_margin, settings.everyday_margin)
        print(f"with the margins {margins}:")
        print(table(collections, settings, passages) + "\n")
        settings = calibrate(collections, settings)
    print(table(collections, settings, passages))
    if args.misses:
        print("\n" + misses(collections, settings))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
