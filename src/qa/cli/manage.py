"""The documents folder from the command line: ``qa remove`` (to the trash), ``qa restore`` and
``qa meta`` (a document's title, date, speaker and kind, applied at the next ``qa build``).

Each is logged in the folder's ``.qa-log.jsonl`` under the OS user's name (``qa.tools.trash``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from qa.errors import AdminError


def add_parsers(sub: Any, seeds: Path, index: Path) -> None:
    """The ``remove``, ``restore`` and ``meta`` subcommands, with ``seeds`` and ``index`` as defaults."""
    remove = sub.add_parser(
        "remove", help="move documents to the folder's trash (`qa restore` brings them back); then `qa build`"
    )
    remove.add_argument("names", nargs="+", help="names as `qa build` lists them (relative to the folder)")
    remove.add_argument("--seeds", type=Path, default=seeds, help="documents folder")
    remove.add_argument("--index", type=Path, default=index, help="index folder (for the titles)")
    confirm = remove.add_mutually_exclusive_group()
    confirm.add_argument("--yes", action="store_true", help="do not ask (required when not at a terminal)")
    confirm.add_argument("--title", help="confirm by the document's title instead of answering y")

    restore = sub.add_parser(
        "restore", help="list the trash, or put a removed document back; then `qa build`"
    )
    restore.add_argument("name", nargs="?", help="a trash entry or the document's name (the newest removal)")
    restore.add_argument("--as", dest="as_source", metavar="NAME", help="restore under another file name")
    restore.add_argument("--seeds", type=Path, default=seeds, help="documents folder")

    meta = sub.add_parser(
        "meta", help="show or set a document's title, date, speaker and kind (applied by the next `qa build`)"
    )
    meta.add_argument("file", type=Path, help="the document: a path, or a name relative to --seeds")
    meta.add_argument("--title")
    meta.add_argument("--date", help="2024-03-05, 2024年3月5日, 2024-03 or 2024")
    meta.add_argument("--speaker", help="讲话人")
    meta.add_argument("--type", dest="kind", help="the kind of document (文种): 讲话, 工作报告, 通知…")
    meta.add_argument("--clear", action="store_true", help="remove every value set, back to what was found")
    meta.add_argument("--seeds", type=Path, default=seeds, help="documents folder")


def _remove(args: argparse.Namespace) -> int:
    from qa.tools.documents import DocumentManager
    from qa.tools.trash import os_user
    from qa.ui.citation import chinese_date

    manager = DocumentManager(args.seeds, args.index)
    listed = {d.source: d for d in manager.documents()}
    failed = 0
    for name in args.names:
        doc = listed.get(name)
        what = (
            f"《{doc.title}》 ({chinese_date(doc.date) or 'no date'}, file {name}, "
            f"{doc.passages} passages indexed)"
            if doc and doc.title
            else f"{name} (not indexed)"
        )
        if not (args.yes or args.title is not None or _asked(f"Move {what} to the trash? [y/N] ")):
            print(f"qa remove: {name} kept (confirm with y, --title TITLE or --yes).", file=sys.stderr)
            failed += 1
            continue
        try:
            entry = manager.remove(name, who=os_user(), confirm=args.title)
        except AdminError as exc:
            print(f"qa remove: {exc}", file=sys.stderr)
            failed += 1
            continue
        print(f"Moved {what} to the trash as {entry.name}; `qa restore {entry.name}` brings it back.")
    if failed < len(args.names):
        print("Run `qa build` to take the removals out of the index.")
    return 2 if failed else 0


def _asked(question: str) -> bool:
    """The user's yes at a terminal; no when standard input is not one."""
    if not sys.stdin.isatty():
        return False
    return input(question).strip().lower() in ("y", "yes", "是")


def _restore(args: argparse.Namespace) -> int:
    from qa.tools.trash import Trash, os_user

    trash = Trash(args.seeds)  # restoring needs no index
    if not args.name:
        entries = trash.entries()
        if not entries:
            print(f"The trash of {args.seeds} is empty.")
        for e in entries:
            date = f" {e.date}" if e.date else ""
            print(f"{e.name}\n    《{e.title or e.source}》{date} {e.source}")
            print(f"    removed {e.removed_at} by {e.by}")
        return 0
    entry = trash.restore(args.name, who=os_user(), as_source=args.as_source)
    print(f"Restored 《{entry.title or entry.source}》 to {args.seeds / (args.as_source or entry.source)}.")
    print("Run `qa build` to index it again.")
    return 0


def _meta(args: argparse.Namespace) -> int:
    from qa.ingest.sidecar import Override, make_override, read_override, set_override, sidecar_of
    from qa.tools.trash import log_event, os_user

    root, source = _located(args.file, args.seeds)
    changes = make_override(args.title, args.date, args.speaker, args.kind, where=source)
    before = read_override(root, source) or Override()
    if args.clear or changes != Override():
        now = Override().merged(changes) if args.clear else before.merged(changes)
        set_override(root, source, now)
        log_event(root, "meta", source, os_user(), set=changes.to_json() or None, now=now.to_json() or None)
        print(f"Set for {source} in {sidecar_of(root, source)[0]}; applied at the next `qa build`:")
    else:
        now = before
    for name, value in now.to_json().items():
        print(f"  {name}: {value}")
    if not now.to_json():
        print(f"  (nothing set for {source}: the title and date found by reading it stand; see `qa inspect`)")
    return 0


def _located(file: Path, seeds: Path) -> tuple[Path, str]:
    """The folder whose sidecar and log a document's edit goes to, and its name there: the
    documents folder when the file is in it, else the file's own folder."""
    path = file if file.exists() else seeds / file
    if not path.is_file():
        raise AdminError(f"{file}: no such document (neither a file nor a name in {seeds}).")
    try:
        return seeds, path.resolve().relative_to(seeds.resolve()).as_posix()
    except ValueError:
        return path.parent, path.name


def left_lines(left: list[Any]) -> str:
    """What a build took out of the index (``qa.tools.rebuild.left_index``), a line each."""
    if not left:
        return ""
    lines = [f"  left the index: {len(left)} document(s), {sum(d.passages for d in left)} passages"]
    lines += [f"    {d.source}: 《{d.title}》, {d.passages} passages (`qa restore`: the trash)" for d in left]
    return "\n".join(lines) + "\n"


def override_lines(found: dict[str, Any], shown: dict[str, Any]) -> str:
    """``qa inspect``'s lines for the values set by hand (``shown["overrides"]``) beside those ``found``."""
    from qa.ingest.sidecar import METADATA_NAMES, SIDECAR

    lines = []
    for name, value in (shown.get("overrides") or {}).items():
        was = found.get(name, found["metadata"].get(METADATA_NAMES.get(name, ""))) or "(none)"
        lines.append(f"  override by `qa meta` ({SIDECAR}): {name} {value} (found when reading: {was})\n")
    return "".join(lines)


COMMANDS = {"remove": _remove, "restore": _restore, "meta": _meta}
