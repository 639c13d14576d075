"""Choose the 相近 (close) cosine threshold of ``qa.tools.draft`` on labelled sentences, and show how well it separates.

``eval/draft_sentences.tsv`` holds sentences labelled 重复 (a seed sentence copied, re-punctuated,
edited a little, cut or joined), 相近 (a seed sentence reworded by hand) and 新 (CMRC 2018,
government work reports, or written here, none said in the seeds). Every sentence is checked
against the seeds index; 重复 is the near-duplicate test, independent of the threshold. For
each candidate threshold the script prints precision and recall of 相近 and 新 on the tune
half, picks the one with the best mean F1 of the two (the middle of a tie), and reports it on
the test half and on all sentences, with the confusion matrix and the sentences it gets wrong.

    HF_HUB_OFFLINE=1 .venv/bin/python eval/draft_threshold.py [--index DIR]

This is the cosine-only rule of before issue 20, on the seeds alone; the rule the product uses
now (cosine, the claim's words and figures: ``qa.tools.claim.CloseRule``) is calibrated and
measured on an archive of the seeds and twenty government work reports by
``eval/draft_archive.py``. ``CLOSE_THRESHOLD`` here is the old rule's 0.93.
"""

from __future__ import annotations

import argparse
import csv
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from qa.retrieve.defaults import default_index_dir
from qa.retrieve.retriever import Retriever
from qa.tools.claim import CloseRule
from qa.tools.draft import KIND_LABELS, SentenceChecker

HERE = Path(__file__).resolve().parent
LABELS = tuple(KIND_LABELS.values())  # 重复, 相近, 新
CLOSE_THRESHOLD = 0.93  # the cosine-only rule before issue 20


@dataclass(frozen=True)
class Checked:
    label: str
    how: str
    source: str
    split: str
    text: str
    repeat: bool
    cosine: float  # the best cosine to a stored sentence
    best_source: str

    def predicted(self, threshold: float) -> str:
        if self.repeat:
            return "重复"
        return "相近" if self.cosine >= threshold else "新"


def load(path: Path) -> list[dict[str, str]]:
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


def precision_recall(rows: list[Checked], label: str, threshold: float) -> tuple[float, float, float]:
    predicted = [r.predicted(threshold) for r in rows]
    hits = sum(p == label == r.label for p, r in zip(predicted, rows, strict=True))
    said = sum(p == label for p in predicted)
    real = sum(r.label == label for r in rows)
    p = hits / said if said else 1.0
    rec = hits / real if real else 1.0
    return p, rec, (2 * p * rec / (p + rec) if p + rec else 0.0)


def score(rows: list[Checked], threshold: float) -> float:
    return sum(precision_recall(rows, label, threshold)[2] for label in ("相近", "新")) / 2


def report(rows: list[Checked], threshold: float, name: str) -> None:
    print(f"\n== {name}: {len(rows)} sentences, threshold {threshold:.3f}")
    for label in LABELS:
        p, r, f = precision_recall(rows, label, threshold)
        print(f"  {label}: precision {p:.3f}  recall {r:.3f}  F1 {f:.3f}")
    accuracy = sum(r.predicted(threshold) == r.label for r in rows) / len(rows)
    print(f"  accuracy {accuracy:.3f}")
    confusion = Counter((r.label, r.predicted(threshold)) for r in rows)
    print("  labelled \\ classed  " + "  ".join(f"{label:>4}" for label in LABELS))
    for label in LABELS:
        print(f"  {label:<18}" + "  ".join(f"{confusion[label, p]:>5}" for p in LABELS))
    sourced = [r for r in rows if r.label != "新" and r.predicted(threshold) != "新"]
    right = sum(r.best_source == r.source for r in sourced)
    print(f"  best source is the labelled seed for {right} of {len(sourced)} sentences classed 重复 or 相近")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=default_index_dir())
    parser.add_argument("--sentences", type=Path, default=HERE / "draft_sentences.tsv")
    args = parser.parse_args()
    labelled = load(args.sentences)
    retriever = Retriever(args.index)
    checker = SentenceChecker(retriever, CloseRule(min_cosine=2.0))  # no 相近: cosines only
    results = checker.check([row["text"] for row in labelled])
    current = SentenceChecker(retriever).check([row["text"] for row in labelled])  # CLOSE_RULE
    print("the rule in qa.tools.draft (CLOSE_RULE), all sentences: precision / recall")
    for label in LABELS:
        said = [row for row, (kind, _) in zip(labelled, current, strict=True) if KIND_LABELS[kind] == label]
        right = sum(row["label"] == label for row in said)
        real = sum(row["label"] == label for row in labelled)
        print(
            f"  {label}: {right / len(said) if said else 1.0:.3f} / {right / real:.3f} ({right}/{len(said)}/{real})"
        )
    rows = [
        Checked(
            row["label"],
            row["how"],
            row["source"],
            row["split"],
            row["text"],
            kind == "repeat",
            max((m.cosine for m in matches), default=0.0),
            matches[0].source if matches else "",
        )
        for row, (kind, matches) in zip(labelled, results, strict=True)
    ]
    tune = [r for r in rows if r.split == "tune"]
    test = [r for r in rows if r.split == "test"]
    print("best cosine of the sentences not classed 重复, per label (min / median / max):")
    for label in LABELS:
        values = sorted(r.cosine for r in rows if r.label == label and not r.repeat)
        if values:
            print(
                f"  {label}: {values[0]:.3f} / {values[len(values) // 2]:.3f} / {values[-1]:.3f} ({len(values)})"
            )
    thresholds = [round(0.80 + 0.005 * i, 3) for i in range(37)]
    print("\ntune half: threshold, 相近 P/R, 新 P/R, mean F1 of the two")
    scores = {}
    for t in thresholds:
        scores[t] = score(tune, t)
        close_p, close_r, _ = precision_recall(tune, "相近", t)
        new_p, new_r, _ = precision_recall(tune, "新", t)
        print(f"  {t:.3f}  相近 {close_p:.3f}/{close_r:.3f}  新 {new_p:.3f}/{new_r:.3f}  {scores[t]:.3f}")
    best = max(scores.values())
    tied = [t for t in thresholds if scores[t] == best]
    chosen = tied[len(tied) // 2]
    print(
        f"\nchosen on tune: {chosen:.3f} (best mean F1 {best:.3f}, tied {tied[0]:.3f}–{tied[-1]:.3f});"
        f" the old rule's threshold was {CLOSE_THRESHOLD}"
    )
    report(test, CLOSE_THRESHOLD, "test half at CLOSE_THRESHOLD")
    report(rows, CLOSE_THRESHOLD, "all sentences at CLOSE_THRESHOLD")
    print("\nmisclassed at CLOSE_THRESHOLD (label → class, cosine, how, text):")
    for r in rows:
        if r.predicted(CLOSE_THRESHOLD) != r.label:
            print(f"  {r.label} → {r.predicted(CLOSE_THRESHOLD)}  {r.cosine:.3f}  {r.how:<11} {r.text[:50]}")


if __name__ == "__main__":
    main()
