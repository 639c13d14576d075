"""Calibrate and measure 查重与提法核对's 相近 on an archive: the seeds plus twenty government work reports.

``eval/draft_archive.tsv`` holds draft sentences labelled 重复, 相近 (an archive sentence reworded)
and 新 (hard negatives: the topic and words of an archive sentence, another claim; and new
sentences), each 重复/相近 with the words its source must hold. The sentences are split in file
order, alternating within each label and kind: the first of each pair calibrates, the second is
held out. The script

1. builds the archive (``seeds/`` and ``../shared/corpora/gov-work-reports`` 2005–2025, copied into
   ``--archive``) with ``qa build --if-stale``;
2. checks every sentence once, keeping its ten nearest stored sentences with their evidence
   (``qa.tools.claim``);
3. chooses ``CloseRule``'s four settings on the calibration half (best mean F1 of 相近 and 新;
   among ties, the one nearest their centre) and prints them beside the ones in the code;
4. prints precision and recall per class on the held-out half for the old rule (cosine ≥ 0.93
   alone, the nearest sentence as source) and for the rule in the code, with the sentences
   each gets wrong. A 重复 or 相近 counts as right only when the source shown holds its words.

    HF_HUB_OFFLINE=1 .venv/bin/python eval/draft_archive.py [--archive DIR] [--verbose]
"""

from __future__ import annotations

import argparse
import csv
import itertools
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from qa.retrieve.retriever import Retriever
from qa.tools.claim import CloseRule
from qa.tools.draft import CANDIDATES, CLOSE_RULE, KIND_LABELS, Match, SentenceChecker

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
REPORTS = REPO.parent / "shared" / "corpora" / "gov-work-reports"
YEARS = range(2005, 2026)
LABELS = tuple(KIND_LABELS.values())  # 重复, 相近, 新
OLD_THRESHOLD = 0.93  # the cosine-only rule before issue 20
NEVER = CloseRule(min_cosine=2.0)  # no 相近: every candidate kept with its evidence


@dataclass(frozen=True)
class Checked:
    label: str
    how: str
    source: str
    anchor: str
    text: str
    half: str  # "calibration" or "held-out"
    matches: tuple[Match, ...]  # all candidates, nearest first
    passages: dict[str, str]  # passage id -> text, for the anchor test


Rule = Callable[[Checked], tuple[str, Match | None]]  # a sentence -> (class in Chinese, source shown)


def old_rule(row: Checked) -> tuple[str, Match | None]:
    """Before: the same wording first, else 相近 when the best cosine reaches 0.93; the nearest as source."""
    repeats = [m for m in row.matches if m.same_wording]
    if repeats:
        return "重复", max(repeats, key=lambda m: m.cosine)
    best = max(row.matches, key=lambda m: m.cosine, default=None)
    return ("相近" if best and best.cosine >= OLD_THRESHOLD else "新"), best


def new_rule(rule: CloseRule) -> Rule:
    """After: ``SentenceChecker``'s ordering with ``rule`` deciding 相近."""

    def classify(row: Checked) -> tuple[str, Match | None]:
        repeats = [m for m in row.matches if m.same_wording]
        if repeats:
            return "重复", max(repeats, key=lambda m: m.cosine)
        close = [m for m in row.matches if rule.holds(m.cosine, m.evidence)]
        if close:
            return "相近", max(close, key=lambda m: (m.evidence.words, m.cosine))
        return "新", max(row.matches, key=lambda m: m.cosine, default=None)

    return classify


def right_source(row: Checked, match: Match | None) -> bool:
    text = row.passages.get(match.passage_id, "") if match else ""
    return any(anchor in text for anchor in row.anchor.split("|"))


def scores(rows: Sequence[Checked], rule: Rule) -> dict[str, tuple[float, float, int, int, int]]:
    """Per class: precision, recall, true positives, said, labelled (重复/相近 need the right source)."""
    said: Counter[str] = Counter()
    hits: Counter[str] = Counter()
    for row in rows:
        kind, source = rule(row)
        said[kind] += 1
        if kind == row.label and (kind == "新" or right_source(row, source)):
            hits[kind] += 1
    real = Counter(row.label for row in rows)
    return {
        label: (
            hits[label] / said[label] if said[label] else 1.0,
            hits[label] / real[label] if real[label] else 1.0,
            hits[label],
            said[label],
            real[label],
        )
        for label in LABELS
    }


def objective(rows: Sequence[Checked], rule: Rule) -> float:
    table = scores(rows, rule)
    f1 = [2 * p * r / (p + r) if p + r else 0.0 for p, r, *_ in (table["相近"], table["新"])]
    return sum(f1) / 2


def calibrate(rows: Sequence[Checked]) -> tuple[CloseRule, float, int]:
    grid = itertools.product(
        [round(0.85 + 0.01 * i, 2) for i in range(11)],  # min_cosine
        [round(0.025 * i, 3) for i in range(13)],  # weight
        [round(0.90 + 0.01 * i, 2) for i in range(21)],  # min_score
        [0.0, 0.5, 0.75, 1.0],  # context_weight
    )
    results = {point: objective(rows, new_rule(CloseRule(*point))) for point in grid}
    best = max(results.values())
    tied = [point for point, value in results.items() if value == best]
    spread = [max(values) - min(values) or 1.0 for values in zip(*tied, strict=True)]
    centre = [sum(values) / len(tied) for values in zip(*tied, strict=True)]
    chosen = min(
        tied, key=lambda p: sum(((a - c) / s) ** 2 for a, c, s in zip(p, centre, spread, strict=True))
    )
    for name, values in zip(
        ("min_cosine", "weight", "min_score", "context_weight"), zip(*tied, strict=True), strict=True
    ):
        print(f"  tied {name}: {min(values)}–{max(values)}")
    return CloseRule(*chosen), best, len(tied)


def report(rows: Sequence[Checked], rule: Rule, name: str) -> None:
    print(f"\n== {name}: {len(rows)} sentences")
    print("  class  precision  recall  (right / classed / labelled)")
    for label, (p, r, hits, said, real) in scores(rows, rule).items():
        print(f"  {label:<4} {p:9.3f} {r:7.3f}   ({hits} / {said} / {real})")
    wrong = [(row, *rule(row)) for row in rows]
    wrong = [(row, kind, m) for row, kind, m in wrong if kind != row.label or not _sourced(row, kind, m)]
    for row, kind, match in wrong:
        where = (
            f"{match.doc_title[:12]} cos {match.cosine:.3f} words {match.evidence.words:.2f}" if match else ""
        )
        print(f"  ✗ {row.label}→{kind} {row.how:<11} {row.text[:34]}  [{where}]")


def _sourced(row: Checked, kind: str, match: Match | None) -> bool:
    return kind == "新" or right_source(row, match)


def archive(folder: Path) -> Path:
    """The archive's documents folder under ``folder``, filled once; its index is built when stale."""
    documents = folder / "documents"
    if not documents.is_dir():
        if not REPORTS.is_dir():
            sys.exit(f"{REPORTS} is missing: the archive needs the government work reports (see its README).")
        documents.mkdir(parents=True)
        for path in sorted((REPO / "seeds").glob("*.txt")):
            shutil.copy(path, documents / path.name)
        for year in YEARS:
            for path in sorted(REPORTS.glob(f"{year}年*政府工作报告.txt")):
                shutil.copy(path, documents / path.name)
    index = folder / "index"
    command = [
        sys.executable,
        "-m",
        "qa",
        "build",
        "--seeds",
        str(documents),
        "--index",
        str(index),
        "--if-stale",
    ]
    subprocess.run(command, check=True)
    return index


def load(path: Path) -> list[dict[str, str]]:
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    rows = list(csv.DictReader(lines, delimiter="\t"))
    seen: Counter[tuple[str, str]] = Counter()
    for row in rows:  # alternate within each label and kind, in file order
        key = (row["label"], row["how"])
        row["half"] = "calibration" if seen[key] % 2 == 0 else "held-out"
        seen[key] += 1
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archive", type=Path, default=Path("/tmp/qa-draft-archive"))
    parser.add_argument("--sentences", type=Path, default=HERE / "draft_archive.tsv")
    parser.add_argument("--verbose", action="store_true", help="print every sentence's best evidence")
    args = parser.parse_args()
    retriever = Retriever(archive(args.archive))
    labelled = load(args.sentences)
    checker = SentenceChecker(retriever, NEVER, keep=CANDIDATES)
    found = checker.check([row["text"] for row in labelled])
    passages = retriever.index.passages
    rows = []
    for row, (_, matches) in zip(labelled, found, strict=True):
        texts = {m.passage_id: passages[retriever.index.row_of(m.passage_id) or 0].text for m in matches}
        rows.append(
            Checked(
                row["label"],
                row["how"],
                row["source"],
                row["anchor"],
                row["text"],
                row["half"],
                matches,
                texts,
            )
        )
    if args.verbose:
        for row in rows:
            for m in sorted(row.matches, key=lambda m: -m.evidence.words)[:1]:
                e = m.evidence
                print(
                    f"{row.half[:3]} {row.label} {row.how:<11} cos {m.cosine:.3f} words {e.words:.2f} "
                    f"context {e.context:.2f} numbers {','.join(e.numbers_differ) or '-'}  {row.text[:30]}"
                )
    calibration = [r for r in rows if r.half == "calibration"]
    held_out = [r for r in rows if r.half == "held-out"]
    counts = Counter((r.half, r.label) for r in rows)
    print(
        f"{len(rows)} sentences: calibration {len(calibration)}, held-out {len(held_out)}; "
        + ", ".join(f"{half} {label} {n}" for (half, label), n in sorted(counts.items()))
    )
    chosen, best, ties = calibrate(calibration)
    print(f"\nchosen on the calibration half: {chosen} (mean F1 of 相近 and 新 {best:.3f}, {ties} tied)")
    print(f"in qa.tools.draft: {CLOSE_RULE}")
    report(calibration, old_rule, f"calibration half, before (cosine ≥ {OLD_THRESHOLD} alone)")
    report(calibration, new_rule(CLOSE_RULE), "calibration half, after (CLOSE_RULE)")
    report(held_out, old_rule, f"HELD-OUT half, before (cosine ≥ {OLD_THRESHOLD} alone)")
    report(held_out, new_rule(CLOSE_RULE), "HELD-OUT half, after (CLOSE_RULE)")


if __name__ == "__main__":
    main()
