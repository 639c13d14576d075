"""The product on corpora nobody here wrote: CMRC 2018 retrieval and gov-work-reports retention.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/external.py --ingestion-only        # seconds
    HF_HUB_OFFLINE=1 .venv/bin/python bench/external.py --corpus cmrc --index /tmp/cmrc_index
    HF_HUB_OFFLINE=1 .venv/bin/python bench/external.py --corpus cmrc --limit 300 --index /tmp/cmrc_index

The corpora are read in place from ``../shared/corpora`` (read-only, see its README.md); the
script says so and stops when that folder is absent.

Ingestion (both corpora): documents read and skipped by ``read_folder`` (the distinct skip
reasons with counts and examples), and the non-whitespace characters kept (title + paragraphs)
against those in the decoded files; ``Document.report`` is used where it exists.

CMRC 2018: answer coverage (share of questions with one of ``all_answers`` in some passage),
then a real index built with the product's e5 model (a temporary folder, or ``--index DIR``:
reused when it holds a build of these documents, built there otherwise; a full build takes
about 10 minutes on two cores) and ``Retriever.search(question, k=10)`` for every question.
A hit is a returned passage containing an answer, both NFKC-normalised; an empty answer (the
relevance gate said nothing is relevant) is a miss and counts as rejected. The row "gate off"
ranks every candidate of ``Retriever.rank`` by fused score. The naive baseline
(``bench/naive_baseline.py``) runs on the same questions.
"""

from __future__ import annotations

import argparse
import logging
import re
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from naive_baseline import Scores, first_hit, load_cmrc_questions, naive_index, nfkc  # noqa: E402

from qa.ingest import read_folder  # noqa: E402

CORPORA = BENCH.parents[1] / "shared" / "corpora"
K = 10


def decode(data: bytes) -> str:
    """UTF-8 (BOM allowed), else GB18030, as the product decodes."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace")


def hidden(relative: Path) -> bool:
    """A path with a part starting with a dot (the product skips those)."""
    return any(part.startswith(".") for part in relative.parts)


def visible_chars(text: str) -> int:
    """Characters that are not whitespace."""
    return sum(not ch.isspace() for ch in text)


def document_text(doc: Any) -> str:
    """A document's title and paragraphs, one per line."""
    return "\n".join([doc.title, *(p.text for p in doc.paragraphs)])


def kept_chars(doc: Any, file_text: str) -> int:
    """Non-whitespace characters of the paragraphs, plus the title's when it is text of the file.

    A title made from the file name (CMRC's "DEV_10") or repeated in a paragraph is not counted.
    """
    paragraphs = [p.text for p in doc.paragraphs]
    title_kept = doc.title in file_text and not any(doc.title in p for p in paragraphs)
    return visible_chars("\n".join(paragraphs)) + (visible_chars(doc.title) if title_kept else 0)


# --- ingestion ---------------------------------------------------------------------------


@dataclass
class Ingestion:
    """What ``read_folder`` made of one folder."""

    files: int
    documents: list[Any]
    skipped: dict[str, str]
    chars_in_files: int  # every file, skipped ones included
    chars_read: int  # the files that became documents
    chars_kept: int
    removed: Counter[str] = field(default_factory=Counter)
    from_report: bool = False
    seconds: float = 0.0


def ingest(folder: Path) -> Ingestion:
    """Read ``folder`` with the product and count the characters it kept."""
    paths = sorted(p for p in folder.rglob("*") if p.is_file() and not hidden(p.relative_to(folder)))
    started = time.perf_counter()
    report = read_folder(folder)
    seconds = time.perf_counter() - started
    texts = {p.relative_to(folder).as_posix(): decode(p.read_bytes()) for p in paths}
    chars = {source: visible_chars(text) for source, text in texts.items()}
    result = Ingestion(
        len(paths), report.documents, report.skipped, sum(chars.values()), 0, 0, seconds=seconds
    )
    for doc in report.documents:
        cleaning = getattr(doc, "report", None)
        if cleaning is not None and cleaning.chars_read:
            result.from_report = True
            result.chars_read += cleaning.chars_read
            result.chars_kept += cleaning.chars_kept
            result.removed.update(cleaning.removed)
        else:
            result.chars_read += chars[doc.source]
            result.chars_kept += kept_chars(doc, texts[doc.source])
    return result


def reason_kind(source: str, reason: str) -> str:
    """A skip reason with the file names taken out, so equal reasons group together."""
    kind = reason.removeprefix(f"{source}: ")
    return re.sub(r"[\w./-]+\.(?:txt|md|html?|docx|pdf)\b", "<file>", kind)


def print_skips(skipped: dict[str, str], examples: int = 3) -> None:
    """The distinct skip reasons, most frequent first, with a few example files."""
    groups: dict[str, list[str]] = defaultdict(list)
    for source, reason in skipped.items():
        groups[reason_kind(source, reason)].append(source)
    for kind, sources in sorted(groups.items(), key=lambda item: -len(item[1])):
        print(f"- {len(sources)} x {kind!r}, e.g. {', '.join(sorted(sources)[:examples])}")


def print_ingestion(rows: list[tuple[str, Ingestion]]) -> None:
    """One table row per corpus, then the skip reasons and removals by rule."""
    print(
        "| corpus | files | docs read | docs skipped | chars in files | chars of docs read | chars kept |",
        end="",
    )
    print(" kept / read | with date | read s |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, r in rows:
        share = r.chars_kept / r.chars_read if r.chars_read else 0.0
        dated = sum(doc.date is not None for doc in r.documents)
        print(
            f"| {name} | {r.files} | {len(r.documents)} | {len(r.skipped)} | {r.chars_in_files:,} | "
            f"{r.chars_read:,} | {r.chars_kept:,} | {share:.2%} | {dated} | {r.seconds:.1f} |"
        )
    for name, r in rows:
        source = (
            "Document.report" if r.from_report else "non-whitespace chars: decoded file vs title + paragraphs"
        )
        print(f"\n{name}: characters counted as {source}.")
        if r.removed:
            print("Removed by rule: " + ", ".join(f"{rule} {n:,}" for rule, n in r.removed.most_common()))
        if r.skipped:
            print(f"Skipped ({len(r.skipped)}):")
            print_skips(r.skipped)


# --- CMRC retrieval --------------------------------------------------------------------------


def coverage(texts: list[str], questions: list[dict[str, Any]]) -> float:
    """Share of questions with one of their answers (NFKC) in one of ``texts``."""
    keys = [nfkc(t) for t in texts]
    found = 0
    for q in questions:
        answers = [nfkc(a) for a in q["all_answers"] if a.strip()]
        found += any(a in key for key in keys for a in answers)
    return found / max(len(questions), 1)


def passage_texts(documents: list[Any]) -> list[str]:
    """The texts of the passages the product cuts from ``documents``."""
    from qa.passages.cutting import make_passages

    return [p.text for doc in documents for p in make_passages(doc)]


@dataclass
class Row:
    """One line of the retrieval table."""

    name: str
    docs: int | str
    skipped: int | str
    coverage: float
    scores: Scores
    rejected: float | None
    build_seconds: float | None


def built_index(docs: Path, index: Path | None, scratch: Path) -> tuple[Path, float, bool]:
    """An index of ``docs``: reused from ``index`` when fresh, else built; (folder, seconds, reused)."""
    from qa.build.builder import build_index
    from qa.index.layout import read_manifest
    from qa.index.load import stale_reasons
    from qa.model.onnx_encoder import OnnxEmbedder

    target = index or scratch / "index"
    if (target / "manifest.json").exists() and not stale_reasons(target, docs):
        return target, float(read_manifest(target).get("build_seconds", float("nan"))), True
    print(f"Building the CMRC index in {target} (about 10 minutes on two cores) ...", flush=True)
    started = time.perf_counter()
    build_index(docs, target, OnnxEmbedder.load_default(), progress=True)
    return target, time.perf_counter() - started, False


def product_rows(
    index_dir: Path, build_seconds: float, questions: list[dict[str, Any]]
) -> tuple[Row, Row, float]:
    """The product with its relevance gate and without; plus seconds per question."""
    from qa.index.layout import read_manifest
    from qa.retrieve.retriever import Retriever

    manifest = read_manifest(index_dir)
    retriever = Retriever(index_dir)
    passages = retriever.passages
    covered = coverage([passages[i].text for i in range(len(passages))], questions)
    gated: list[int | None] = []
    ungated: list[int | None] = []
    rejected = 0
    started = time.perf_counter()
    for q in questions:
        hits = retriever.search(q["question"], k=K)
        rejected += not hits
        gated.append(first_hit((h.text for h in hits), q["all_answers"]))
        ranking = retriever.rank(q["question"])
        rows = ranking.ids[np.argsort(-ranking.fused, kind="stable")[:K]]
        ungated.append(first_hit((passages[int(r)].text for r in rows), q["all_answers"]))
    per_question = (time.perf_counter() - started) / max(len(questions), 1)
    docs, skipped = len(manifest["documents"]), len(manifest.get("skipped", {}))
    share = rejected / max(len(questions), 1)
    return (
        Row("product", docs, skipped, covered, Scores.of(gated), share, build_seconds),
        Row("product, gate off", docs, skipped, covered, Scores.of(ungated), 0.0, build_seconds),
        per_question,
    )


def baseline_row(docs: Path, questions: list[dict[str, Any]]) -> Row:
    """The naive baseline on the same questions."""
    started = time.perf_counter()
    index = naive_index(docs)
    seconds = time.perf_counter() - started
    ranks = [first_hit((w[3] for w in index.search(q["question"], K)), q["all_answers"]) for q in questions]
    files = len({w[0] for w in index.windows})
    covered = coverage([w[3] for w in index.windows], questions)
    return Row("naive baseline", files, 0, covered, Scores.of(ranks), 0.0, seconds)


def print_rows(rows: list[Row]) -> None:
    """The retrieval table."""
    print("| | docs indexed | docs skipped | answer coverage | hit@1 | hit@5 | MRR@10 | rejected | build s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        rejected = "—" if r.rejected is None else f"{r.rejected:.1%}"
        build = "—" if r.build_seconds is None else f"{r.build_seconds:.0f}"
        s = r.scores
        print(
            f"| {r.name} | {r.docs} | {r.skipped} | {r.coverage:.2%} | {s.hit1:.3f} | {s.hit5:.3f} | "
            f"{s.mrr10:.3f} | {rejected} | {build} |"
        )


def run_cmrc(root: Path, ingestion: Ingestion, args: argparse.Namespace) -> None:
    """Answer coverage, then (unless ``--ingestion-only``) the retrieval table."""
    questions = load_cmrc_questions(root, args.limit)
    documents = ingestion.documents
    on_docs = coverage([document_text(d) for d in documents], questions)
    on_passages = coverage(passage_texts(documents), questions)
    skipped = {f"docs/{source}" for source in ingestion.skipped}
    lost = sum(q["doc"] in skipped for q in questions) / max(len(questions), 1)
    print(f"\nCMRC 2018, {len(questions)} questions. Answer coverage (NFKC): {on_docs:.2%} in the documents")
    print(f"read, {on_passages:.2%} in their passages; {lost:.1%} of questions are about a skipped document.")
    if args.ingestion_only:
        return
    with tempfile.TemporaryDirectory(prefix="cmrc-bench-") as scratch:
        index_dir, seconds, reused = built_index(root / "docs", args.index, Path(scratch))
        gated, ungated, per_question = product_rows(index_dir, seconds, questions)
        baseline = baseline_row(root / "docs", questions)
        how = "reused; build s from its manifest" if reused else "built now"
        print(f"\nIndex {index_dir} ({how}); {per_question * 1000:.0f} ms per question (search + rank).")
        print("A hit is a returned passage that holds an answer (NFKC); an empty answer is a miss.\n")
        print_rows([gated, ungated, baseline])
        if args.index is None:
            shutil.rmtree(index_dir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    """Run the external benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", choices=["cmrc", "gov", "all"], default="all")
    parser.add_argument("--corpora", type=Path, default=CORPORA, help="the shared corpora folder")
    parser.add_argument("--limit", type=int, default=None, help="use the first N CMRC questions only")
    parser.add_argument("--index", type=Path, default=None, help="reuse (or build into) this CMRC index")
    parser.add_argument("--ingestion-only", action="store_true", help="no index build, no retrieval")
    args = parser.parse_args(argv)
    logging.getLogger("qa").setLevel(logging.ERROR)  # skipped files are reported below, once
    if not args.corpora.is_dir():
        print(f"skipped: {args.corpora} is absent (the shared corpora are not on this machine).")
        return 0
    folders = {"cmrc": args.corpora / "cmrc2018" / "docs", "gov": args.corpora / "gov-work-reports"}
    names = list(folders) if args.corpus == "all" else [args.corpus]
    ingestions = []
    for name in names:
        if not folders[name].is_dir():
            print(f"skipped {name}: {folders[name]} is absent.")
            continue
        ingestions.append((name, ingest(folders[name])))
    print_ingestion(ingestions)
    for name, ingestion in ingestions:
        if name == "cmrc":
            run_cmrc(args.corpora / "cmrc2018", ingestion, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
