"""Every ranking lever of issue 22 beside today's fusion, on every set, in one table.

    HF_HUB_OFFLINE=1 nice -n 10 .venv/bin/python bench/levers.py [--corpora ../shared/corpora]
        [--collections seeds,variants,gov20,gov72,cmrc,fields] [--cmrc-every 4] [--cache /tmp/qa-gate]
        [--cmrc-index /tmp/cmrc_index] [--adapter-index DIR [--adapter-set NAME]]
        [--levers fusion,ranker,lambdarank,rocchio,rm3,prf] [--reranker FILE]

Levers (rows; each one entry of ``LEVERS``: how it sets up a plain retriever):

* **fusion**: today's hand-set fusion (0.3 BM25 + 0.7 e5 margin), the baseline;
* **ranker**: the learned ranking function (``qa.retrieve.ranker``, the file ``train/ranker.py``
  writes, ``--ranker`` for another);
* **lambdarank**: LightGBM lambdarank trees over the same features, scored in numpy
  (``train/lambdarank.py`` writes ``src/qa/data/lambdarank.json``, ``--lambdarank`` for another);
* **rocchio**, **rm3**, **prf**: pseudo-relevance feedback (``qa.retrieve.feedback``) on the
  dense side, the BM25 side, and both;
* **rerank** (lever 3): the fusion, then the cross-encoder's pass over its best ``k``
  (``qa.retrieve.rerank``; ``--reranker FILE`` from ``train/reranker.py``, ``QA_RERANK_K``);
* **adapter** (lever 1, the e5 adapter): the fusion on an index built with the adapted model,
  given as ``--adapter-index DIR`` (its manifest names its model; run with ``QA_ADAPTER`` set to
  that adapter file, and ``--levers adapter`` alone: the other sets are indexed with the base
  model), asked our questions; ``--adapter-set`` names the collection in the table
  (``seeds``, the default, or ``gov20``, ``gov72``).

Sets: the seeds (the committed index) with the 121 questions of ``eval/questions.jsonl``
(literal and paraphrase columns, tune and test halves), out-of-domain its 35 and the 74 of
``eval/everyday_questions.jsonl``; the in-domain ones typed the four other ways of
``qa.retrieve.evaluate.VARIANTS`` (``variants``, 484 questions); the same questions on the
seeds with 20 and with 72 government work reports (built by ``bench/gate_archive.py`` into
``--cache``); CMRC 2018 dev
(``--cmrc-index``, built there once when absent; every ``--cmrc-every``-th question, the
out-of-domain ones as above); ``eval/fields`` (the 76 questions naming their document, asked with
``Retriever.answer`` as ``eval/fields/evaluate.py`` does: a hit at k when one of the k first of
its 5 answer passages comes from the question's document and holds its span, a question about
a missing document a hit at 1 when nothing is answered and the message says so; built once
into ``--cache``/fields). A question is a hit at k when one of the k first passages of
the ranking (gate ignored) holds its span or answer; rejected when the gate says nothing is
relevant. Time: ``Retriever.ranked`` per question (constraints, both searches, fusion or
ranker, gate), p50 / p95 in ms, on a shared machine.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

import numpy as np

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import gate_archive  # noqa: E402

from qa.build.builder import build_index  # noqa: E402
from qa.model.embedder import QueryCache  # noqa: E402
from qa.model.onnx_encoder import OnnxEmbedder  # noqa: E402
from qa.retrieve.defaults import default_index_dir  # noqa: E402
from qa.retrieve.evaluate import VARIANTS, default_questions_path, load_questions, variant  # noqa: E402
from qa.retrieve.feedback import Feedback  # noqa: E402
from qa.retrieve.ranker import load_ranker, shipped_ranker_path  # noqa: E402
from qa.retrieve.rerank import Reranker, RerankSettings  # noqa: E402
from qa.retrieve.retriever import Retriever  # noqa: E402
from qa.text.normalise import match_form  # noqa: E402

FIELDS = BENCH.parent / "eval" / "fields"
Lever = Callable[[Retriever, argparse.Namespace], None]  # sets up a retriever without ranker or feedback


_load = cache(load_ranker)


def _ranker(option: str) -> Lever:
    def use(retriever: Retriever, args: argparse.Namespace) -> None:
        retriever.ranker = _load(getattr(args, option))

    return use


def _feedback(feedback: Feedback) -> Lever:
    def use(retriever: Retriever, args: argparse.Namespace) -> None:
        retriever.feedback = feedback

    return use


@cache
def _cross_encoder(path: Path) -> Callable[..., np.ndarray]:
    from qa.model.cross_encoder import OnnxCrossEncoder  # the rerank lever alone needs it

    return OnnxCrossEncoder.load(path).scores


def _rerank(retriever: Retriever, args: argparse.Namespace) -> None:
    retriever.reranker = Reranker(_cross_encoder(args.reranker), RerankSettings.from_env())


LEVERS: dict[str, Lever] = {
    "fusion": lambda retriever, args: None,
    "ranker": _ranker("ranker"),
    "lambdarank": _ranker("lambdarank"),
    "rocchio": _feedback(Feedback(dense_weight=0.3, lexical_weight=0.0)),
    "rm3": _feedback(Feedback(dense_weight=0.0, lexical_weight=0.3)),
    "prf": _feedback(Feedback()),
    "rerank": _rerank,
}


@dataclass(frozen=True)
class Asked:
    """One question of a set: its kind (literal, paraphrase, cmrc; ood, everyday, near-domain), answers."""

    question: str
    kind: str
    split: str
    answers: tuple[str, ...]
    source: str | None = ""  # eval/fields: the document the answer must come from (None: absent)

    @property
    def in_domain(self) -> bool:
        return self.kind in ("literal", "paraphrase", "cmrc", "fields")


@dataclass
class Outcome:
    """What one lever did with one question."""

    rank: int | None  # of the first passage holding an answer, within 10
    relevant: bool
    seconds: float


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", match_form(text))


def our_questions() -> list[Asked]:
    asked = [
        Asked(q.question, q.kind, q.split, (q.span,) if q.span else ())
        for q in load_questions(default_questions_path())
    ]
    with gate_archive.EVERYDAY.open(encoding="utf-8") as handle:
        asked += [Asked(r["question"], r["kind"], r["split"], ()) for r in map(json.loads, handle)]
    return asked


def variant_questions(ours: Sequence[Asked]) -> list[Asked]:
    """The in-domain questions of ``ours`` typed every other way of ``qa.retrieve.evaluate.VARIANTS``
    (traditional characters, spaced, two characters swapped, full-width), the others as they are."""
    typed = [
        replace(q, question=variant(q.question, kind)) for kind in VARIANTS[1:] for q in ours if q.in_domain
    ]
    return typed + [q for q in ours if not q.in_domain]


def cmrc_questions(corpora: Path, every: int) -> list[Asked]:
    asked = []
    with (corpora / "cmrc2018" / "questions.jsonl").open(encoding="utf-8") as handle:
        for i, r in enumerate(map(json.loads, handle)):
            if i % every == 0:
                asked.append(
                    Asked(r["question"], "cmrc", "tune" if i % 2 == 0 else "test", tuple(r["all_answers"]))
                )
    speeches = [Asked(q.question, "ood", q.split, ()) for q in our_questions()]  # none is about Wikipedia
    return asked + speeches


def fields_questions() -> list[Asked]:
    with (FIELDS / "questions.jsonl").open(encoding="utf-8") as handle:
        return [
            Asked(r["question"], "fields", "", (r["span"],) if r["source"] else (), r["source"])
            for r in map(json.loads, handle)
        ]


@cache
def _fields_today() -> object:
    spec = importlib.util.spec_from_file_location("fields_evaluate", FIELDS / "evaluate.py")
    assert spec is not None and spec.loader is not None
    module = sys.modules[spec.name] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.TODAY


def ask_fields(retriever: Retriever, question: Asked) -> Outcome:
    """As ``eval/fields/evaluate.py`` asks: ``answer`` with the constraints, "today" fixed."""
    started = time.perf_counter()
    found = retriever.answer(question.question, k=5, constraints=True, today=_fields_today())
    seconds = time.perf_counter() - started
    if question.source is None:
        rank = 1 if not found.hits and found.message.startswith("档案中没有") else None
        return Outcome(rank, True, seconds)  # saying the document is absent is no rejection here
    rank = next(
        (
            place
            for place, hit in enumerate(found.hits, 1)
            if hit.source == question.source and question.answers[0] in hit.text
        ),
        None,
    )
    return Outcome(rank, bool(found.hits), seconds)


def ask(retriever: Retriever, question: Asked) -> Outcome:
    if question.kind == "fields":
        return ask_fields(retriever, question)
    started = time.perf_counter()
    ranking = retriever.ranked(question.question)[0]
    seconds = time.perf_counter() - started
    order = ranking.ids[np.argsort(-ranking.fused, kind="stable")][:10]
    answers = [_squash(a) for a in question.answers if a.strip()]
    rank = None
    for place, row in enumerate(order, 1):
        if answers and any(a in _squash(retriever.passages[int(row)].text) for a in answers):
            rank = place
            break
    return Outcome(rank, ranking.relevant, seconds)


def row(name: str, lever: str, asked: Sequence[Asked], outcomes: Sequence[Outcome]) -> str:
    inside = [(q, o) for q, o in zip(asked, outcomes, strict=True) if q.in_domain]
    outside = [o for q, o in zip(asked, outcomes, strict=True) if not q.in_domain]

    def at1(kind: str | None = None, split: str | None = None) -> str:
        part = [o for q, o in inside if kind in (None, q.kind) and split in (None, q.split)]
        return f"{sum(o.rank == 1 for o in part) / len(part):.3f}" if part else "—"

    ranks = [o.rank for _, o in inside]
    n = max(len(ranks), 1)
    times = np.array([o.seconds for o in outcomes]) * 1000
    cells = [
        name,
        lever,
        at1(),
        f"{sum(r is not None and r <= 3 for r in ranks) / n:.3f}",
        f"{sum(1 / r for r in ranks if r) / n:.3f}",
        at1("literal"),
        at1("paraphrase"),
        at1(split="tune"),
        at1(split="test"),
        f"{sum(not o.relevant for o in outside) / len(outside):.3f}" if outside else "—",
        f"{sum(not o.relevant for _, o in inside) / n:.3f}",
        f"{np.percentile(times, 50):.0f} / {np.percentile(times, 95):.0f}",
    ]
    return "| " + " | ".join(cells) + " |"


SET_NAMES = {"seeds": "seeds (5 documents)", "gov20": "seeds + 20 reports", "gov72": "seeds + 72 reports"}


def _records(asked: Sequence[Asked], outcomes: Sequence[Outcome]) -> list[dict[str, object]]:
    return [
        {"question": q.question, "rank": o.rank, "relevant": o.relevant}
        for q, o in zip(asked, outcomes, strict=True)
    ]


HEADER = (
    "| set | lever | hit@1 | hit@3 | MRR@10 | hit@1 literal | hit@1 paraphrase | hit@1 tune | hit@1 test "
    "| OOD rejected | in-domain rejected | ms p50 / p95 |\n"
    "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpora", type=Path, default=gate_archive.CORPORA)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/qa-gate"))
    parser.add_argument("--cmrc-index", type=Path, default=Path("/tmp/cmrc_index"))
    parser.add_argument("--cmrc-every", type=int, default=4, help="ask every n-th CMRC question")
    parser.add_argument("--collections", default="seeds,variants,gov20,gov72,cmrc,fields")
    parser.add_argument("--levers", default=",".join(lever for lever in LEVERS if lever != "rerank"))
    parser.add_argument("--ranker", type=Path, default=shipped_ranker_path())
    parser.add_argument("--lambdarank", type=Path, default=shipped_ranker_path().with_name("lambdarank.json"))
    parser.add_argument("--reranker", type=Path, help="the cross-encoder file of the rerank lever")
    parser.add_argument(
        "--adapter-index", type=Path, help="a collection indexed with the adapted e5 (lever 1)"
    )
    parser.add_argument("--adapter-set", choices=tuple(SET_NAMES), default="seeds")
    parser.add_argument("--save", type=Path, help="write every outcome here (JSON)")
    args = parser.parse_args(argv)
    gate_archive.CORPORA = args.corpora
    levers = args.levers.split(",")
    unknown = [lever for lever in levers if lever not in LEVERS and lever != "adapter"]
    if unknown:
        parser.error(f"unknown levers {', '.join(unknown)}: choose among {', '.join(LEVERS)}, adapter")
    if "rerank" in levers and args.reranker is None:
        parser.error("the rerank lever needs --reranker FILE (train/reranker.py)")
    embedder = OnnxEmbedder.load_default()
    wanted = args.collections.split(",") if set(levers) - {"adapter"} else []
    ours = our_questions()
    sets: list[tuple[str, Path, list[Asked]]] = []
    if "seeds" in wanted:
        sets.append((SET_NAMES["seeds"], default_index_dir(), ours))
    if "variants" in wanted:
        sets.append(("seeds, questions typed 4 other ways", default_index_dir(), variant_questions(ours)))
    reports = {"gov20": (20, None), "gov72": (None, "vectors")}
    for key, (count, only) in reports.items():
        if key in wanted:
            name = SET_NAMES[key]
            settings = gate_archive.PASSAGE_VECTORS_ONLY if only else None
            lay = gate_archive.seeds_with_reports(count)
            folder = gate_archive.index_of(args.cache, f"seeds-{key}", lay, embedder, settings)
            sets.append((name, folder, ours))
    if "fields" in wanted:
        folder = args.cache / "fields" / "index"
        if not (folder / "manifest.json").is_file():
            build_index(FIELDS / "corpus", folder, embedder)
        sets.append(("eval/fields (12 documents)", folder, fields_questions()))
    if "cmrc" in wanted:
        if not (args.cmrc_index / "manifest.json").is_file():
            build_index(args.corpora / "cmrc2018" / "docs", args.cmrc_index, embedder)
        sets.append(
            (
                f"CMRC 2018 dev (every {args.cmrc_every}th)",
                args.cmrc_index,
                cmrc_questions(args.corpora, args.cmrc_every),
            )
        )
    print(HEADER, flush=True)
    saved: dict[str, list[dict[str, object]]] = {}
    for name, folder, asked in sets:
        retriever = Retriever(folder, embedder=embedder)
        for lever in levers:
            if lever == "adapter":
                continue
            retriever.ranker, retriever.feedback, retriever.reranker = None, None, None
            LEVERS[lever](retriever, args)
            retriever.background = retriever.measure_background()  # as a build with this lever would
            embedder.queries = QueryCache()  # every lever's time includes encoding the question
            outcomes = [ask(retriever, q) for q in asked]
            print(row(name, lever, asked, outcomes), flush=True)
            saved[f"{name}|{lever}"] = _records(asked, outcomes)
    if "adapter" in levers:
        name = SET_NAMES[args.adapter_set]
        if args.adapter_index is None:
            print(f"| {name} | adapter | (give --adapter-index: the set indexed with the adapted e5) |")
        else:
            retriever = Retriever(args.adapter_index)
            retriever.ranker, retriever.reranker = None, None
            outcomes = [ask(retriever, q) for q in ours]
            print(row(name, "adapter", ours, outcomes), flush=True)
            saved[f"{name}|adapter"] = _records(ours, outcomes)
    if args.save:
        args.save.write_text(json.dumps(saved, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
