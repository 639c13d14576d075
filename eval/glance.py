"""How often the answer at a glance holds the answer: the glance sentences against the verbatim
answer spans of the evaluation set, beside simpler choices, and the search for its weights.

For every in-domain question of ``eval/questions.jsonl`` the committed index answers with 3
hits (the page's default), and each way of choosing a sentence is scored by whether the chosen
sentence contains the question's answer span (spaces and forms normalised as ``qa eval`` does):

* ``first sentence of hit 1`` — what a reader sees first without a glance;
* ``hit 1's closest sentence`` — the sentence the card emphasises today (e5 cosine only);
* ``closest sentence of 3 hits`` — e5 cosine across the three hits;
* ``glance`` — ``qa.retrieve.glance`` with its default ``GlanceSettings``: the first sentence,
  and the one or two sentences it shows;
* the ceiling: some sentence of the three hits holds the span.

``--grid`` also tries every combination of weights and prints the best on the tuning half
with their score on the test half (the defaults were chosen so; the test half only reports).

    HF_HUB_OFFLINE=1 .venv/bin/python eval/glance.py [--grid]
"""

from __future__ import annotations

import argparse
import itertools
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from qa.retrieve.defaults import default_index_dir
from qa.retrieve.evaluate import Question, default_questions_path, load_questions
from qa.retrieve.glance import Evidence, GlanceSettings, choose, evidence
from qa.retrieve.retriever import Retriever
from qa.text.normalise import match_form

K = 3


def squash(text: str) -> str:
    """``text`` as ``qa eval`` compares spans: the matching form without spaces."""
    return re.sub(r"\s+", "", match_form(text))


@dataclass
class Case:
    """One question: its answer span and the evidence for every sentence of its hits."""

    question: Question
    found: list[Evidence]

    def holds(self, sentence: str) -> bool:
        return bool(self.question.span) and squash(self.question.span or "") in squash(sentence)


Chooser = Callable[[Case], Sequence[str]]


def first_sentence(case: Case) -> Sequence[str]:
    return [case.found[0].text] if case.found else []


def closest_in_first_hit(case: Case) -> Sequence[str]:
    first = [e for e in case.found if e.rank == 0]
    return [max(first, key=lambda e: e.cosine).text] if first else []


def closest_in_all(case: Case) -> Sequence[str]:
    return [max(case.found, key=lambda e: e.cosine).text] if case.found else []


def glance_first(settings: GlanceSettings) -> Chooser:
    return lambda case: [s.text for s in choose(case.found, settings)[:1]]


def glance_shown(settings: GlanceSettings) -> Chooser:
    return lambda case: [s.text for s in choose(case.found, settings)]


def share(cases: Sequence[Case], chooser: Chooser) -> float:
    """The share of ``cases`` where one of the chosen sentences holds the span."""
    return sum(any(case.holds(s) for s in chooser(case)) for case in cases) / max(len(cases), 1)


def sentence_mrr(cases: Sequence[Case], settings: GlanceSettings) -> float:
    """Mean reciprocal rank of the first sentence holding the span, in the glance's order (0 when none)."""
    total = 0.0
    for case in cases:
        ranked = sorted(case.found, key=lambda e: -e.score(settings))
        rank = next((i for i, e in enumerate(ranked, 1) if case.holds(e.text)), None)
        total += 1 / rank if rank else 0.0
    return total / max(len(cases), 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--grid", action="store_true", help="search the weights on the tuning half")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    retriever = Retriever(default_index_dir())
    questions = [q for q in load_questions(default_questions_path()) if q.in_domain]
    cases = [
        Case(q, evidence(retriever, q.question, retriever.answer(q.question, k=K).hits)) for q in questions
    ]
    halves = {
        "tune": [c for c in cases if c.question.split == "tune"],
        "test": [c for c in cases if c.question.split == "test"],
        "all": cases,
    }
    default = GlanceSettings()
    rows: list[tuple[str, Chooser]] = [
        ("first sentence of hit 1", first_sentence),
        ("hit 1's closest sentence (the card's emphasis)", closest_in_first_hit),
        (f"closest sentence of {K} hits (cosine only)", closest_in_all),
        ("**glance, first sentence**", glance_first(default)),
        ("**glance, the 1–2 sentences shown**", glance_shown(default)),
        (f"ceiling: some sentence of the {K} hits", lambda case: [e.text for e in case.found]),
    ]
    print(
        f"{len(cases)} in-domain questions ({len(halves['tune'])} tune, {len(halves['test'])} test), k={K}\n"
    )
    print("| the sentence shown | tune | test | all |")
    print("|---|---:|---:|---:|")
    for name, chooser in rows:
        print(f"| {name} | " + " | ".join(f"{share(halves[h], chooser):.3f}" for h in halves) + " |")
    print("\n| second sentence when within | shown hold the span (tune) | (test) | sentences shown (all) |")
    print("|---:|---:|---:|---:|")
    for within in (0.0, 0.01, 0.02, 0.03, 0.05):
        settings = replace(default, second_within=within)
        shown = [len(choose(c.found, settings)) for c in cases if c.found]
        mark = " (default)" if within == default.second_within else ""
        print(
            f"| {within}{mark} | {share(halves['tune'], glance_shown(settings)):.3f} | "
            f"{share(halves['test'], glance_shown(settings)):.3f} | {sum(shown) / max(len(shown), 1):.2f} |"
        )
    if args.grid:
        grid(halves["tune"], halves["test"], default)
    return 0


def grid(tune: Sequence[Case], test: Sequence[Case], default: GlanceSettings) -> None:
    """Every combination of weights, best on the tuning half first: by the share of first
    sentences holding the span, ties by the sentence ranking's MRR, then simpler weights."""
    results = []
    for coverage, rank in itertools.product(
        (0.0, 0.05, 0.1, 0.2, 0.3, 0.5), (0.0, 0.01, 0.02, 0.03, 0.05, 0.1)
    ):
        settings = replace(default, coverage_weight=coverage, rank_weight=rank)
        key = (share(tune, glance_first(settings)), sentence_mrr(tune, settings), -(coverage + rank))
        results.append((key, settings))
    results.sort(key=lambda r: r[0], reverse=True)
    print("\n| coverage | rank | tune first | tune MRR | test first | test MRR |")
    print("|---:|---:|---:|---:|---:|---:|")
    for (tuned, mrr, _), s in results[:10]:
        tested = share(test, glance_first(s))
        print(
            f"| {s.coverage_weight} | {s.rank_weight} | {tuned:.3f} | {mrr:.3f} | {tested:.3f} | "
            f"{sentence_mrr(test, s):.3f} |"
        )


if __name__ == "__main__":
    raise SystemExit(main())
