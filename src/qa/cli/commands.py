"""The commands of ``qa``: each takes the parsed arguments and returns the exit code.

Errors are raised as ``QAError`` or ``ValueError``; ``qa.cli.main`` prints them.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa.errors import QAError

if TYPE_CHECKING:
    from qa.model.embedder import Embedder
    from qa.model.onnx_encoder import Precision


def _embedder(model: Path | None, precision: Precision | None = None, building: bool = False) -> Embedder:
    """``model`` through sentence-transformers, or the default e5 through ONNX Runtime at ``precision``
    (its threads spinning between a build's batches when ``building``)."""
    from qa.model.onnx_encoder import OnnxEmbedder
    from qa.model.sentence_transformer import SentenceTransformerEmbedder

    return (
        SentenceTransformerEmbedder.load(model)
        if model
        else OnnxEmbedder.load_default(precision, spinning=building)
    )


def _has_index(location: Path | str) -> bool:
    """Whether ``location`` (a folder or a database URL) holds an index to compare with the documents."""
    from qa.errors import IndexNotFoundError
    from qa.index.layout import read_manifest

    if isinstance(location, Path):
        return (location / "manifest.json").is_file()
    try:
        read_manifest(location)
    except IndexNotFoundError:
        return False
    return True


def _build(args: argparse.Namespace) -> int:
    from qa.build.builder import build_index
    from qa.cli.format import build_summary
    from qa.cli.manage import left_lines
    from qa.cli.progress import progress_lines
    from qa.index.layout import read_manifest
    from qa.index.load import stale_reasons
    from qa.model.adapter import model_changes
    from qa.model.onnx_encoder import default_precision
    from qa.tools.rebuild import indexed_documents, left_index

    if args.if_stale and _has_index(args.index):
        try:
            reasons = stale_reasons(args.index, args.seeds)
            built_model = read_manifest(args.index)["model"]
        except QAError as exc:
            reasons, built_model = [str(exc)], None
        wanted = args.precision or default_precision()
        if not args.model and built_model:
            reasons += model_changes(built_model, wanted)
        if not reasons:
            print(f"Index at {args.index} is up to date.")
            return 0
        print(f"Rebuilding: {'; '.join(reasons[:5])}")
    before = indexed_documents(args.index)
    bars = sys.stderr.isatty()  # a terminal gets tqdm's bars, a file or pipe plain lines
    lines = None if bars else progress_lines(args.seeds, sys.stderr)
    manifest = build_index(
        args.seeds,
        args.index,
        _embedder(args.model, args.precision, building=True),
        progress=bars,
        full=args.full,
        on_progress=lines,
    )
    docs = manifest["documents"]
    done = manifest["build"]
    print(
        f"Indexed {manifest['passage_count']} passages from {len(docs)} documents into {args.index} "
        f"in {manifest['build_seconds']} s (fingerprint {manifest['fingerprint']}).\n"
        f"  documents read: {done['documents_read']}, unchanged and reused: {done['documents_reused']}; "
        f"embedded: {done['passages_embedded']} passages, {done['sentences_embedded']} sentences "
        f"(vectors reused: {done['passages_reused']} and {done['sentences_reused']}); "
        f"tokenised: {done['passages_tokenised']} passages; vector index: {manifest['faiss']['type']}."
    )
    print(build_summary(manifest))
    print(left_lines(left_index(before, manifest)), end="")
    return 0


def _inspect_archive(path: Path) -> int:
    """``qa inspect`` of a .zip: each member, with its reader and paragraphs or why it is skipped."""
    from qa.cli.format import reading_line
    from qa.ingest.documents import read_folder

    with tempfile.TemporaryDirectory(prefix="qa-inspect-") as scratch:
        (Path(scratch) / path.name).symlink_to(path.resolve())
        report = read_folder(Path(scratch))
    print(f"{path.name}: {len(report.documents)} documents read, {len(report.skipped)} files skipped")
    for document in report.documents:
        print(
            f"  {document.source}: 《{document.title}》 {document.date or '(no date)'}, "
            f"{len(document.paragraphs)} paragraphs; {reading_line(document.reading)}"
        )
    for name, reason in report.skipped.items():
        print(f"  skipped {name}: {reason}")
    return 0


def _inspect(args: argparse.Namespace) -> int:
    from qa.cli.manage import override_lines
    from qa.ingest.documents import clean_file
    from qa.ingest.fields import document_fields
    from qa.ingest.formats import ARCHIVE_SUFFIXES
    from qa.ingest.sidecar import apply_override, read_override
    from qa.passages.cutting import articles_of, paragraphs_with_headings

    if args.file.suffix.lower() in ARCHIVE_SUFFIXES and not args.json:
        return _inspect_archive(args.file)
    _, page = clean_file(args.file, args.file.name)
    paragraphs = articles_of(paragraphs_with_headings(page.paragraphs))
    report = page.report
    found: dict[str, Any] = {"title": page.title, "date": page.date, "metadata": page.metadata}
    shown = apply_override(found, read_override(args.file.parent, args.file.name))  # `qa meta`'s values
    texts = [p.text for p in page.paragraphs]
    fields = document_fields(shown["title"], shown["date"], shown["metadata"], texts)
    if args.json:
        record = {
            **shown,
            "fields": fields.to_json(),
            "paragraphs": [
                {
                    "number": p.number,
                    "section": list(p.headings),
                    "article": article,
                    "page": page.reading.page_at(p.text.start),
                    "start": p.text.start,
                    "end": p.text.end,
                    "text": p.text.text,
                }
                for p, article in paragraphs
            ],
            "removed": [{"rule": r.rule, "text": r.text} for r in report.removals],
            "report": report.summary(),
            "reading": page.reading.summary(),
        }
        print(json.dumps(record, ensure_ascii=False, indent=2))
        return 0
    from qa.cli.format import reading_line
    from qa.ui.citation import chinese_date

    print(f"《{shown['title']}》 {chinese_date(shown['date']) or '(no date)'}")
    for name, value in shown["metadata"].items():
        print(f"  {name}: {value}")
    print(override_lines(found, shown), end="")
    print(f"  fields: {fields.summary()}")
    print(f"  {reading_line(page.reading)}")
    print(
        f"  kept {report.chars_kept} of {report.chars_read} characters in {report.paragraphs} paragraphs"
        + "".join(f"; {rule} removed {n}" for rule, n in report.removed.items())
    )
    for rule, share in report.suspended.items():
        print(f"  rule {rule} not applied: it would have removed {share:.0%} of the text")
    print()
    for p, article in paragraphs:
        section = f" [{' › '.join(p.headings)}]" if p.headings else ""
        within = f" ({article})" if article and not p.text.text.startswith(article) else ""
        on = page.reading.page_at(p.text.start)  # a PDF's or a scan's page, 0 without pages
        print(f"{f'第{on}页，' if on else ''}第{p.number}段{section}{within}: {p.text.text}")
    if report.removals:
        print()
    for removal in report.removals:
        print(f"removed by {removal.rule}: {removal.text}")
    return 0


def _search(args: argparse.Namespace) -> int:
    from qa.retrieve.query import clean_query

    clean_query(args.question)  # a bad question is refused before the model and the index load
    from qa.cli.format import format_hits, hit_json
    from qa.retrieve.retriever import Retriever
    from qa.ui.chat.filters import parse_years

    embedder = _embedder(args.model) if args.model else None
    retriever = Retriever(args.index, embedder=embedder)
    found = retriever.answer(
        args.question,
        k=args.k,
        mode=args.mode,
        years=parse_years(args.year or ""),
        types=args.type,
        speakers=args.speaker,
        constraints=not args.no_constraints,
    )
    hits = found.hits
    if args.export:
        from qa.ui.sections import hits_section

        section = hits_section(args.question, hits, args.cite)
        _export(args.export, f"检索结果：{args.question}", [section], retriever.index.build_id, args.style)
    if args.json:
        print(json.dumps([hit_json(h) for h in hits], ensure_ascii=False, indent=2))
        return 0
    if found.note:
        print(f"{found.note}" + (" (--no-constraints searches every document.)" if found.applied else ""))
    if not hits:
        print(f"{found.message} (No passage in the indexed documents answers this question.)")
        return 0
    print(format_hits(hits))
    return 0


def _export(path: Path, title: str, sections: list[Any], build_id: str, look: Any = "standard") -> None:
    """Write ``sections`` as a Word file (laid out in ``look``: standard or official, 公文) or
    Markdown, by ``path``'s suffix (``ValueError`` for another)."""
    from qa.tools.export import to_docx, to_markdown

    suffix = path.suffix.lower()
    if suffix not in {".docx", ".md"}:
        raise ValueError(f"--export writes .docx or .md files, not {path.name!r}")
    if suffix == ".docx":
        path.write_bytes(to_docx(title, sections, build_id, look=look))
    else:
        path.write_text(to_markdown(title, sections, build_id), encoding="utf-8")
    print(f"Exported to {path}", file=sys.stderr)


def _eval(args: argparse.Namespace) -> int:
    from qa.retrieve.evaluate import (
        default_questions_path,
        evaluate,
        evaluate_variants,
        format_table,
        format_variants,
        load_questions,
    )
    from qa.retrieve.retriever import Retriever

    embedder = _embedder(args.model) if args.model else None
    retriever = Retriever(args.index, embedder=embedder)
    questions = load_questions(args.questions or default_questions_path())
    splits = [args.split] if args.split else ["tune", "test", "all"]
    for split in splits:
        chosen = [q for q in questions if split == "all" or q.split == split]
        report = evaluate(retriever, chosen)
        print(f"== {split}: {report.in_domain} in-domain + {report.out_of_domain} out-of-domain questions")
        print(format_table(report))
        if args.failures:
            for line in report.failures:
                print("  miss:", line)
        print()
    print("== the in-domain questions typed other ways (fused ranker, all splits)")
    print(format_variants(evaluate_variants(retriever, [q for q in questions if q.in_domain])))
    return 0


def _trace(args: argparse.Namespace) -> int:
    from qa.cli.format import format_trace
    from qa.index.load import load_index
    from qa.tools.trace import trace_index

    found = trace_index(load_index(args.index), args.phrase, args.k)  # no model: tracing reads no vectors
    if args.export:
        from qa.retrieve.retriever import Retriever
        from qa.ui.trace.view import trace_sections

        retriever = Retriever(args.index)
        title = f"提法溯源：{found.phrase}"
        sections = trace_sections(found, retriever, args.cite)
        _export(args.export, title, sections, retriever.index.build_id, args.style)
    if args.json:
        print(json.dumps(found.to_json(), ensure_ascii=False, indent=2))
    else:
        print(format_trace(found))
    return 0


def _check(args: argparse.Namespace) -> int:
    from qa.cli.format import draft_json, draft_places, format_draft_check
    from qa.retrieve.retriever import Retriever
    from qa.tools.draft import check_draft

    if args.file == "-":
        text, name = sys.stdin.read(), "<stdin>"
    else:
        from qa.tools.draft_file import read_draft_file

        path = Path(args.file)
        try:
            data = path.read_bytes()
        except OSError as exc:
            print(f"qa check: cannot read {path} ({exc.strerror or exc}).", file=sys.stderr)
            return 2
        text, name = read_draft_file(data, path.name), path.name
    retriever = Retriever(args.index)
    found = check_draft(text, retriever)
    if args.export:
        from qa.ui.draft.tab import export_sections

        title = f"查重与提法核对：{name}"
        _export(args.export, title, export_sections(found, retriever), retriever.index.build_id, args.style)
    if args.json:
        print(json.dumps(draft_json(found), ensure_ascii=False, indent=2))
    else:
        print(format_draft_check(found, name, draft_places(found, retriever.index)))
    return 0


def _status(args: argparse.Namespace) -> int:
    from qa.index.layout import read_manifest
    from qa.index.load import stale_reasons

    manifest = read_manifest(args.index)
    reasons = stale_reasons(args.index, args.seeds)
    print(
        f"Index {args.index}: {manifest['passage_count']} passages, built {manifest['created']} "
        f"with {manifest['model']['name']} (fingerprint {manifest['fingerprint']})."
    )
    if reasons:
        print("Out of date: " + "; ".join(reasons))
        return 1
    print("Up to date with " + str(args.seeds))
    return 0


def _add(args: argparse.Namespace) -> int:
    from qa.errors import AdminError
    from qa.tools.documents import DocumentManager

    manager = DocumentManager(args.seeds, args.index)
    failed = 0
    for file in args.files:
        try:
            done = manager.upload(file.name, file, overwrite=args.replace)
        except AdminError as exc:
            print(f"qa add: {exc}", file=sys.stderr)
            failed += 1
            continue
        print(
            f"{'Replaced' if done.replaced else 'Added'} {args.seeds / done.source}: 《{done.title}》, "
            f"{done.paragraphs} paragraphs, {done.kept_share:.0%} of the characters kept."
        )
    if failed < len(args.files):
        print("Run `qa build` to index the changes.")
    return 2 if failed else 0


COMMANDS = {
    "build": _build,
    "search": _search,
    "eval": _eval,
    "inspect": _inspect,
    "status": _status,
    "check": _check,
    "trace": _trace,
    "add": _add,
}
