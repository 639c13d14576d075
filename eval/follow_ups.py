"""Measure the follow-up rule (``qa.ui.chat.conversation.build_query``) on the labelled pairs.

Run: HF_HUB_OFFLINE=1 .venv/bin/python eval/follow_ups.py [--index index] [--pairs eval/follow_ups.tsv]
Each pair (previous question, next question, 1 when the next one should be searched together
with the previous one) is decided with the index's own tokenizer and vocabulary, as the chat
page decides it. Prints the accuracy, the pairs wrongly merged (a new question searched with
the previous one's words: the worse error) and those missed, then every wrong pair.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from qa.index.load import load_index
from qa.retrieve.defaults import default_index_dir
from qa.retrieve.query import clean_query
from qa.ui.chat.conversation import build_query

PAIRS = Path(__file__).resolve().parent / "follow_ups.tsv"


@dataclass(frozen=True)
class Pair:
    """One labelled pair: ``follow_up`` says whether ``next`` leans on ``previous``."""

    previous: str
    next: str
    follow_up: bool


@dataclass(frozen=True)
class Score:
    """How the rule did: ``merged`` are new questions read as follow-ups, ``missed`` the reverse."""

    total: int
    merged: tuple[Pair, ...]
    missed: tuple[Pair, ...]

    @property
    def accuracy(self) -> float:
        return 1 - (len(self.merged) + len(self.missed)) / max(self.total, 1)


def load_pairs(path: Path = PAIRS) -> list[Pair]:
    """The pairs of a tab-separated file (``#`` comment lines and the header row skipped).

    Raises ``ValueError`` naming the line when it has not three fields or a label other than 0/1.
    """
    pairs = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#") or line.startswith("previous\t"):
            continue
        fields = line.split("\t")
        if len(fields) != 3 or fields[2].strip() not in ("0", "1"):
            raise ValueError(f"{path}:{number}: expected previous<TAB>next<TAB>0|1, got {line!r}")
        pairs.append(Pair(fields[0].strip(), fields[1].strip(), fields[2].strip() == "1"))
    return pairs


def measure(
    pairs: Sequence[Pair], words: Callable[[str], Sequence[str]], known: Callable[[str], bool]
) -> Score:
    """Decide every pair with ``build_query`` (``words``/``known`` from the index) and count the errors."""
    merged, missed = [], []
    for pair in pairs:
        guess = build_query(clean_query(pair.next), clean_query(pair.previous), words, known).follow_up
        if guess and not pair.follow_up:
            merged.append(pair)
        elif pair.follow_up and not guess:
            missed.append(pair)
    return Score(len(pairs), tuple(merged), tuple(missed))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--index", type=Path, default=default_index_dir())
    parser.add_argument("--pairs", type=Path, default=PAIRS)
    args = parser.parse_args()
    lexical = load_index(args.index).lexical
    pairs = load_pairs(args.pairs)
    score = measure(pairs, lexical.tokenizer.words, lexical.knows)
    follow_ups = sum(p.follow_up for p in pairs)
    print(f"pairs: {score.total} ({follow_ups} follow-ups, {score.total - follow_ups} new questions)")
    print(f"accuracy: {score.accuracy:.3f}")
    print(f"wrongly merged: {len(score.merged)}")
    print(f"missed: {len(score.missed)}")
    for label, wrong in (("merged", score.merged), ("missed", score.missed)):
        for pair in wrong:
            print(f"  {label}: {pair.previous} → {pair.next}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
