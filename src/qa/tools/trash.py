"""The documents folder's trash and its log: a removal moves a file aside, ``qa restore`` puts it back.

A removed document goes to ``<documents>/.trash/<entry>/`` (hidden: no build reads it, and a
rebuild leaves it alone), with its override (``qa.ingest.sidecar``) and an ``entry.json`` that
says what it was (name, title, date, passages), when and by whom it was removed. Every
removal, restoration and metadata edit is one line of ``<documents>/.qa-log.jsonl`` (JSON
Lines: ``action``, ``source``, ``when`` in UTC, ``who`` — the OS user for the command line,
``page`` for the 文档管理 tab, with the login when there is one — and the details).
"""

from __future__ import annotations

import datetime
import getpass
import json
import logging
import os
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from qa.errors import AdminError
from qa.ingest.sidecar import Override, read_override, set_override

log = logging.getLogger(__name__)

TRASH = ".trash"
LOG = ".qa-log.jsonl"
ENTRY = "entry.json"


def os_user() -> str:
    """Who runs the command line: the OS user's name (``unknown`` where the system has none)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


@dataclass(frozen=True)
class TrashEntry:
    """A removed document in the trash: ``name`` is its entry (``20261202-094512-讲话.docx``, UTC)."""

    name: str
    source: str  # where it stood, relative to the documents folder
    removed_at: str  # ISO time, UTC
    by: str
    title: str = ""
    date: str | None = None
    passages: int = 0


def log_event(seeds: Path, action: str, source: str, who: str, **details: Any) -> None:
    """Append one line to the folder's log: ``action`` on ``source`` by ``who`` now, with ``details``."""
    record = {"when": _now().isoformat(timespec="seconds"), "action": action, "source": source, "who": who}
    record.update({k: v for k, v in details.items() if v not in (None, "", {})})
    with open(seeds / LOG, "a", encoding="utf-8") as out:
        out.write(json.dumps(record, ensure_ascii=False) + "\n")


def read_log(seeds: Path) -> list[dict[str, Any]]:
    """The folder's log, oldest first (a damaged line is skipped with a warning)."""
    try:
        lines = (seeds / LOG).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    out = []
    for number, line in enumerate(lines, 1):
        try:
            out.append(json.loads(line))
        except ValueError:
            log.warning("%s line %d is not JSON; skipped", seeds / LOG, number)
    return out


class Trash:
    """The trash of the documents folder ``seeds``."""

    def __init__(self, seeds: Path) -> None:
        self.seeds = Path(seeds)
        self.folder = self.seeds / TRASH

    def entries(self) -> list[TrashEntry]:
        """What the trash holds, most recently removed first."""
        if not self.folder.is_dir():
            return []
        found = []
        for entry in self.folder.iterdir():
            try:
                record = json.loads((entry / ENTRY).read_text(encoding="utf-8"))
                known = {k: record[k] for k in TrashEntry.__dataclass_fields__ if k in record}
                found.append(TrashEntry(**known))
            except (OSError, ValueError, TypeError) as exc:
                log.warning("Trash entry %s cannot be read (%s); left alone", entry, exc)
        return sorted(found, key=lambda e: (e.removed_at, e.name), reverse=True)

    def put(
        self, source: str, who: str, title: str = "", date: str | None = None, passages: int = 0
    ) -> TrashEntry:
        """Move the file ``source`` (relative to the folder) and its override into the trash; logged.

        Raises ``AdminError`` (nothing moved) for a name that is not a file of the folder.
        """
        path = self._inside(source)
        if path is None or not path.is_file():
            raise AdminError(f"文档目录中没有“{source}”，未删除任何文件。")
        when = _now()
        stamp, n = when.strftime("%Y%m%d-%H%M%S"), 1
        name = f"{stamp}-{PurePosixPath(source).name}"
        while (self.folder / name).exists():  # the same name removed twice in one second
            n += 1
            name = f"{stamp}.{n}-{PurePosixPath(source).name}"
        entry = TrashEntry(name, source, when.isoformat(timespec="seconds"), who, title, date, passages)
        folder = self.folder / name
        override = read_override(self.seeds, source)
        try:
            (folder / source).parent.mkdir(parents=True)
            record = asdict(entry) | {"override": override.to_json() if override else None}
            (folder / ENTRY).write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
            os.replace(path, folder / source)  # same file system: the folder is inside the documents folder
        except OSError as exc:
            shutil.rmtree(folder, ignore_errors=True)
            raise AdminError(f"“{source}”无法移入回收站（{exc.strerror or exc}），未删除。") from exc
        if override:
            set_override(self.seeds, source, None)
        log_event(self.seeds, "remove", source, who, title=title, date=date, passages=passages, trash=name)
        log.info("Moved %s to %s", source, folder)
        return entry

    def restore(self, name: str, who: str, as_source: str | None = None) -> TrashEntry:
        """Put the trash entry ``name`` (or the newest removal of the document ``name``) back where
        it stood, or at ``as_source``, with its override; logged.

        Raises ``AdminError``, nothing moved, when there is no such entry or a file of that name
        is in the folder again: nothing is overwritten (restore it under another name).
        """
        entry = next((e for e in self.entries() if name in (e.name, e.source)), None)
        if entry is None:
            raise AdminError(f"回收站中没有“{name}”；用 qa restore 查看回收站里的文档。")
        target_name = as_source or entry.source
        target = self._inside(target_name)
        if target is None:
            raise AdminError(f"“{target_name}”不在文档目录之内，未恢复。")
        if target.exists() or target.is_symlink():
            raise AdminError(
                f"文档目录中已有“{target_name}”，未恢复（不会覆盖）；《{entry.title or entry.source}》"
                "仍在回收站中，可改名恢复（命令行：qa restore NAME --as 新文件名）。"
            )
        folder = self.folder / entry.name
        try:
            record = json.loads((folder / ENTRY).read_text(encoding="utf-8"))
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(folder / entry.source, target)
        except (OSError, ValueError) as exc:
            raise AdminError(f"“{entry.source}”无法从回收站恢复（{exc}）。") from exc
        if record.get("override"):
            set_override(self.seeds, target_name, Override.from_json(record["override"], str(folder / ENTRY)))
        shutil.rmtree(folder, ignore_errors=True)
        log_event(self.seeds, "restore", target_name, who, title=entry.title, trash=entry.name)
        return entry

    def _inside(self, source: str) -> Path | None:
        """``source`` as a path inside the folder, outside hidden folders (the trash); else None."""
        parts = PurePosixPath(source).parts
        if not parts or PurePosixPath(source).is_absolute() or any(p.startswith(".") for p in parts):
            return None
        path = self.seeds.joinpath(*parts)
        try:
            path.parent.resolve().relative_to(self.seeds.resolve())
        except ValueError:
            return None
        return path
