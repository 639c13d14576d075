"""Measure the rankers on a hand-written question set.

Each in-domain question names a verbatim span; a passage answers it when it contains the
span. Out-of-domain questions must get an empty answer.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from qa.text.normalise import match_form

if TYPE_CHECKING:
    from qa.retrieve.retriever import Mode, Retriever

MODES: tuple[Mode, ...] = ("dense", "lexical", "hybrid")
_SPACE = re.compile(r"\s+")
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_QUOTED = re.compile(r"[“\"「『‘'][^”\"」』’']*[”\"」』’']")


@dataclass(frozen=True)
class Question:
    """One evaluation question; ``span`` is None for out-of-domain ones."""

    id: str
    question: str
    kind: str
    split: str
    source: str | None = None
    span: str | None = None

    @property
    def in_domain(self) -> bool:
        return self.kind != "ood"


@dataclass
class ModeResult:
    """Scores of one ranker."""

    hit1: float
    hit3: float
    mrr10: float
    ood_rejected: float
    in_domain_rejected: float
    hit1_literal: float = 0.0
    hit1_paraphrase: float = 0.0


@dataclass
class Report:
    """Scores of every ranker on one set of questions."""

    in_domain: int
    out_of_domain: int
    results: dict[str, ModeResult]
    failures: list[str] = field(default_factory=list)


def default_questions_path() -> Path:
    """The repository's evaluation set."""
    from qa.retrieve.defaults import project_root

    return project_root() / "eval" / "questions.jsonl"


def load_questions(path: Path) -> list[Question]:
    """Read a JSONL question set."""
    if not path.is_file():
        raise ValueError(f"No question set at {path}; pass --questions FILE (JSON Lines).")
    questions = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            record = json.loads(line)
            try:
                questions.append(
                    Question(
                        id=record["id"],
                        question=record["question"],
                        kind=record["kind"],
                        split=record.get("split", "test"),
                        source=record.get("source"),
                        span=record.get("span"),
                    )
                )
            except KeyError as exc:
                raise ValueError(f"{path}:{number}: missing field {exc}") from exc
    return questions


def _squash(text: str) -> str:
    return _SPACE.sub("", match_form(text))


def answer_rank(
    retriever: Retriever, question: Question, mode: Mode, depth: int = 10
) -> tuple[int | None, bool]:
    """1-based rank of the first passage containing the span (None if not in ``depth``), and relevance."""
    ranking = retriever.ranked(question.question, mode)[0]
    order = ranking.ids[np.argsort(-ranking.fused, kind="stable")][:depth]
    span = _squash(question.span or "")
    for rank, passage_id in enumerate(order, 1):
        if span and span in _squash(retriever.passages[int(passage_id)].text):
            return rank, ranking.relevant
    return None, ranking.relevant


def evaluate(retriever: Retriever, questions: list[Question]) -> Report:
    """hit@1, hit@3, MRR@10 and rejection rates for the dense, BM25 and fused rankers."""
    inside = [q for q in questions if q.in_domain]
    outside = [q for q in questions if not q.in_domain]
    results: dict[str, ModeResult] = {}
    failures: list[str] = []
    for mode in MODES:
        ranks: list[int | None] = []
        rejected_inside = 0
        for q in inside:
            rank, relevant = answer_rank(retriever, q, mode)
            ranks.append(rank)
            rejected_inside += not relevant
            if mode == "hybrid" and (rank != 1 or not relevant):
                failures.append(f"{q.id} [{q.kind}] rank={rank} relevant={relevant}: {q.question}")
        rejected_outside = 0
        for q in outside:
            relevant = retriever.ranked(q.question, mode)[0].relevant
            rejected_outside += not relevant
            if mode == "hybrid" and relevant:
                failures.append(f"{q.id} [ood] answered: {q.question}")
        n = max(len(inside), 1)
        by_kind = {
            kind: [r == 1 for q, r in zip(inside, ranks, strict=True) if q.kind == kind]
            for kind in ("literal", "paraphrase")
        }
        results[mode] = ModeResult(
            hit1=sum(r == 1 for r in ranks) / n,
            hit3=sum(r is not None and r <= 3 for r in ranks) / n,
            mrr10=sum(1 / r for r in ranks if r) / n,
            ood_rejected=rejected_outside / max(len(outside), 1),
            in_domain_rejected=rejected_inside / n,
            hit1_literal=sum(by_kind["literal"]) / max(len(by_kind["literal"]), 1),
            hit1_paraphrase=sum(by_kind["paraphrase"]) / max(len(by_kind["paraphrase"]), 1),
        )
    return Report(len(inside), len(outside), results, failures)


# How people type the same question: in traditional characters, with a space between
# characters, with two characters swapped (outside quotes), with full-width digits, letters
# and punctuation.
VARIANTS = ("original", "traditional", "spaced", "typo", "full-width")


@functools.cache
def _to_traditional() -> object:
    import opencc

    return opencc.OpenCC("s2t")


def variant(question: str, kind: str) -> str:
    """``question`` typed another way (``VARIANTS``); deterministic."""
    if kind == "traditional":
        converted: str = _to_traditional().convert(question)  # type: ignore[attr-defined]
        return converted
    if kind == "spaced":
        return " ".join(question)
    if kind == "typo":  # not inside quotes: a misquoted phrase rightly finds nothing
        unquoted = _QUOTED.sub(lambda m: " " * len(m.group()), question)
        runs = sorted(_CJK_RUN.finditer(unquoted), key=lambda m: -len(m.group()))
        if not runs or len(runs[0].group()) < 3:
            return question
        i = runs[0].start() + len(runs[0].group()) // 2 - 1  # swap two characters in the longest run
        return question[:i] + question[i + 1] + question[i] + question[i + 2 :]
    if kind == "full-width":
        return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in question)
    return question


@dataclass
class VariantResult:
    """The fused ranker on one way of typing the in-domain questions."""

    hit1: float
    mrr10: float
    in_domain_rejected: float


def evaluate_variants(retriever: Retriever, questions: list[Question]) -> dict[str, VariantResult]:
    """Fused hit@1, MRR@10 and rejection of the in-domain questions typed each way of ``VARIANTS``."""
    inside = [q for q in questions if q.in_domain]
    results = {}
    for kind in VARIANTS:
        ranked = [
            answer_rank(retriever, replace(q, question=variant(q.question, kind)), "hybrid") for q in inside
        ]
        n = max(len(inside), 1)
        results[kind] = VariantResult(
            hit1=sum(rank == 1 for rank, _ in ranked) / n,
            mrr10=sum(1 / rank for rank, _ in ranked if rank) / n,
            in_domain_rejected=sum(not relevant for _, relevant in ranked) / n,
        )
    return results


def format_variants(results: dict[str, VariantResult]) -> str:
    """The variants as an aligned text table."""
    lines = [f"{'typed as':<12}{'hit@1':>8}{'MRR@10':>8}{'ID rej':>8}"]
    lines += [f"{k:<12}{r.hit1:>8.3f}{r.mrr10:>8.3f}{r.in_domain_rejected:>8.3f}" for k, r in results.items()]
    return "\n".join(lines)


def format_table(report: Report) -> str:
    """The report as an aligned text table, one row per ranker."""
    names = {"dense": "dense (e5)", "lexical": "BM25", "hybrid": "fused"}
    lines = [
        f"{'ranker':<12}{'hit@1':>8}{'hit@3':>8}{'MRR@10':>8}{'OOD rej':>9}{'ID rej':>8}"
        f"{'lit@1':>8}{'para@1':>8}"
    ]
    for mode, r in report.results.items():
        lines.append(
            f"{names[mode]:<12}{r.hit1:>8.3f}{r.hit3:>8.3f}{r.mrr10:>8.3f}"
            f"{r.ood_rejected:>9.3f}{r.in_domain_rejected:>8.3f}{r.hit1_literal:>8.3f}{r.hit1_paraphrase:>8.3f}"
        )
    return "\n".join(lines)
