"""Managing the documents folder, without Gradio: the page's 文档管理 tab, ``qa add`` and ``qa remove``.

``DocumentManager`` uploads files into the documents folder (each read by the same readers
``qa build`` uses before anything is written there), moves them to the trash once their title
is confirmed and restores them (``qa.tools.trash``), stores their title, date, speaker and kind
(``qa.ingest.sidecar``), gives each document's cleaning report, and starts the incremental
build in the background (``qa.tools.rebuild``).
``AdminAccess`` says who may do this. Messages are Chinese: they are shown as they are.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from qa.errors import AdminError, DocumentError, QAError
from qa.hashing import file_sha256
from qa.index.layout import read_manifest
from qa.index.location import Location, as_location
from qa.ingest import (
    Document,
    find_documents,
    max_document_bytes,
    max_document_mb,
    read_document,
)
from qa.ingest.documents import clean_data, source_bytes
from qa.ingest.formats import ARCHIVE_SUFFIXES
from qa.ingest.limits import size_mb
from qa.ingest.sidecar import Override, read_override, read_overrides, set_override
from qa.model.embedder import Embedder
from qa.retrieve.live import LiveRetriever
from qa.tools.rebuild import BuildStatus, Rebuilder, reason_zh
from qa.tools.trash import Trash, TrashEntry, log_event
from qa.tools.uploads import archive_document, clean_name

__all__ = ["AdminError", "BuildStatus", "DocumentManager", "TrashEntry", "clean_name"]

log = logging.getLogger(__name__)

MAX_REPORT_LINES = 500  # removed lines and kept paragraphs shown in one report
State = Literal["indexed", "new", "changed", "edited", "removed", "skipped"]


@dataclass(frozen=True)
class Listed:
    """A document in the folder (or in the index only, once removed) and how the index stands to it."""

    source: str
    state: State
    title: str = ""
    date: str | None = None
    passages: int = 0
    reason: str = ""  # why the last build skipped it


@dataclass(frozen=True)
class Uploaded:
    """A file stored in the documents folder, and what the build will make of it."""

    source: str
    title: str
    date: str | None
    paragraphs: int
    kept_share: float
    replaced: bool


@dataclass(frozen=True)
class DocumentReport:
    """What cleaning kept and removed of one document (``qa inspect`` for the page)."""

    source: str
    state: State
    title: str = ""
    date: str | None = None
    passages: int = 0
    summary: dict[str, Any] = field(default_factory=dict)  # the manifest's "cleaning" record
    removals: tuple[tuple[str, str], ...] = ()  # (rule, text), at most MAX_REPORT_LINES
    kept: tuple[str, ...] = ()  # the paragraphs, at most MAX_REPORT_LINES
    reason: str = ""  # why it cannot be read or was skipped
    metadata: dict[str, str] = field(default_factory=dict)  # 文号, 讲话人, 文种…
    override: dict[str, str] = field(default_factory=dict)  # what an editor set (the sidecar, now)
    found: dict[str, Any] = field(default_factory=dict)  # what ingestion found, where an override applies


class DocumentManager:
    """Uploads, removals, cleaning reports and background rebuilds of one documents folder and index.

    ``embedder`` builds the index; without one, the model ``live`` searches with. After a
    rebuild ``live`` switches to the new index at once.
    """

    def __init__(
        self,
        seeds: Path,
        index_dir: Location,
        live: LiveRetriever | None = None,
        embedder: Embedder | None = None,
    ) -> None:
        self.seeds = Path(seeds)
        self.index_dir = as_location(index_dir)  # a folder or a database URL
        self.live = live
        self.embedder = embedder
        self._write = threading.Lock()  # uploads and removals, one at a time
        self.rebuilder = Rebuilder(self.seeds, self.index_dir, self._embedder, live)
        self._hashes: dict[Path, tuple[int, int, str]] = {}

    # -- the folder ----------------------------------------------------------------------

    def _manifest(self) -> dict[str, Any]:
        try:
            return read_manifest(self.index_dir)
        except QAError:
            return {"documents": {}, "skipped": {}, "collection_furniture": []}

    def _files(self) -> dict[str, Path]:
        if not self.seeds.is_dir():
            return {}
        return {p.relative_to(self.seeds).as_posix(): p for p in find_documents(self.seeds)}

    def _sha256(self, path: Path) -> str:
        stat = path.stat()
        known = self._hashes.get(path)
        if known and known[:2] == (stat.st_size, stat.st_mtime_ns):
            return known[2]
        digest = file_sha256(path)
        self._hashes[path] = (stat.st_size, stat.st_mtime_ns, digest)
        return digest

    def documents(self) -> list[Listed]:
        """Every file in the folder and every indexed document, by name, with its state."""
        manifest = self._manifest()
        indexed, skipped = manifest["documents"], manifest.get("skipped", {})
        archives: dict[str, str] = manifest.get("archives", {})
        try:
            overrides = read_overrides(self.seeds)
        except QAError as exc:  # a hand-edited sidecar gone bad: the build names it
            log.warning("%s", exc)
            overrides = {}
        out: list[Listed] = []
        inside: set[str] = set()  # members of the archives in the folder
        for source, path in self._files().items():
            if source in archives:
                members = [name for name in [*indexed, *skipped] if name.startswith(f"{source}/")]
                inside.update(members)
                try:
                    same = self._sha256(path) == archives[source]
                except OSError:
                    continue
                if not same:
                    out.append(Listed(source, "changed"))
                    continue
                out += [
                    Listed(
                        name,
                        "indexed",
                        indexed[name]["title"],
                        indexed[name].get("date"),
                        indexed[name]["passages"],
                    )
                    if name in indexed
                    else Listed(name, "skipped", reason=reason_zh(skipped[name]))
                    for name in members
                ]
                continue
            info = indexed.get(source)
            if info is None:
                reason = skipped.get(source)
                out.append(
                    Listed(source, "skipped", reason=reason_zh(reason)) if reason else Listed(source, "new")
                )
                continue
            try:
                same = self._sha256(path) == info["sha256"]
            except OSError:
                continue  # removed while listing
            state: State = "indexed" if same else "changed"
            override = overrides[source].to_json() if source in overrides else {}
            if same and override != (info.get("overrides") or {}):
                state = "edited"  # a title, date, speaker or kind set since the build
            out.append(Listed(source, state, info["title"], info.get("date"), info["passages"]))
        on_disk = {d.source for d in out} | inside
        out += [
            Listed(source, "removed", info["title"], info.get("date"), info["passages"])
            for source, info in indexed.items()
            if source not in on_disk
        ]
        return sorted(out, key=lambda d: d.source)

    def pending(self) -> list[Listed]:
        """The changes a rebuild would take in: new, changed and removed documents."""
        return [d for d in self.documents() if d.state in ("new", "changed", "edited", "removed")]

    def upload(self, name: str, file: Path, overwrite: bool = False) -> Uploaded:
        """Store ``file`` in the folder as ``clean_name(name)``, if ``qa build`` can read it.

        An existing file of that name is replaced only when ``overwrite``. Raises
        ``AdminError`` (nothing written) for a bad name or type, a file over
        the size limit (``QA_MAX_DOCUMENT_MB``, the build's), one the readers refuse, or one whose
        content is already there.
        """
        source = clean_name(name)
        limit = max_document_bytes()
        try:
            size = Path(file).stat().st_size
            if size > limit:
                raise AdminError(
                    f"“{source}”未保存：文件大小 {size_mb(size)}，超过 {max_document_mb()} MB 的上限"
                    "（QA_MAX_DOCUMENT_MB）；请拆分后再上传。"
                )
            with open(file, "rb") as handle:
                data = handle.read(limit + 1)
        except OSError as exc:
            raise AdminError(f"“{source}”未保存：无法读取上传的文件（{exc.strerror or exc}）。") from exc
        if not data:
            raise AdminError(f"“{source}”未保存：文件为空。")
        if len(data) > limit:
            raise AdminError(f"“{source}”未保存：超过 {max_document_mb()} MB 的上限（QA_MAX_DOCUMENT_MB）。")
        document = self._check(source, data)
        with self._write:
            target = self.seeds / source
            existed = target.exists() or target.is_symlink()
            if target.is_dir():
                raise AdminError(f"“{source}”未保存：文档目录中已有同名的文件夹。")
            if existed and not overwrite:
                raise AdminError(
                    f"“{source}”未保存：文档目录中已有同名文件。要替换它，"
                    "请勾选“覆盖同名文件”（命令行：qa add --replace）后再上传。"
                )
            twin = self._same_content(document.sha256, source)
            if twin:
                raise AdminError(f"“{source}”未保存：与文档目录中的“{twin}”内容完全相同。")
            self._store(target, data)
        log.info("Stored %s in %s (%s)", source, self.seeds, "replaced" if existed else "new")
        return Uploaded(
            source,
            document.title,
            document.date,
            len(document.paragraphs),
            document.report.kept_share,
            existed,
        )

    def _check(self, source: str, data: bytes) -> Document:
        """The document ``data`` makes under the name ``source``, read from a copy outside the folder.

        An archive stands as one document: its readable members' paragraphs, titled by their count
        (``AdminError`` when none can be read, naming each member's reason).
        """
        furniture = frozenset(self._manifest().get("collection_furniture", ()))
        with tempfile.TemporaryDirectory(prefix="qa-upload-") as scratch:
            copy = Path(scratch) / source
            copy.write_bytes(data)
            try:
                if copy.suffix.lower() in ARCHIVE_SUFFIXES:
                    return archive_document(Path(scratch), source, data)
                return read_document(copy, source, furniture)
            except DocumentError as exc:
                raise AdminError(f"“{source}”未保存：{reason_zh(str(exc))}") from exc

    def _same_content(self, sha256: str, source: str) -> str | None:
        for other, path in self._files().items():
            try:
                if other != source and path.stat().st_size and self._sha256(path) == sha256:
                    return other
            except OSError:
                continue
        return None

    def _store(self, target: Path, data: bytes) -> None:
        """Write ``data`` to ``target`` atomically: a hidden file beside it (builds skip it), renamed."""
        try:
            self.seeds.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=self.seeds)
            try:
                with os.fdopen(handle, "wb") as out:
                    out.write(data)
                os.chmod(temporary, 0o644)
                os.replace(temporary, target)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise AdminError(f"“{target.name}”未保存：无法写入文档目录（{exc.strerror or exc}）。") from exc

    def remove(self, source: str, who: str = "page", confirm: str | None = None) -> TrashEntry:
        """Move the document ``source`` (a name from ``documents()``) to the trash, logged with ``who``.

        ``confirm``, when given, must be its title as listed (its file name when it has none).
        It stays in the index, and in answers, until the next rebuild; ``restore`` brings it
        back. Raises ``AdminError`` (nothing moved) for a name that is not a file of the folder
        or a confirmation that is not its title.
        """
        with self._write:
            if source not in self._files():
                archive = next((a for a in self._files() if source.startswith(f"{a}/")), None)
                inside = f"它在压缩包“{archive}”中，只能删除整个压缩包；" if archive else ""
                raise AdminError(f"文档目录中没有“{source}”，{inside}未删除任何文件。")
            listed = next((d for d in self.documents() if d.source == source), Listed(source, "new"))
            if confirm is not None and _plain(confirm) != _plain(listed.title or source):
                what = f"标题《{listed.title}》" if listed.title else f"文件名“{source}”"
                raise AdminError(f"输入的“{confirm}”与{what}不符，未删除“{source}”。")
            return Trash(self.seeds).put(source, who, listed.title, listed.date, listed.passages)

    def restore(self, name: str, who: str = "page", as_source: str | None = None) -> TrashEntry:
        """Put the trash entry (or the newest removal of the document) ``name`` back; ``Trash.restore``."""
        with self._write:
            return Trash(self.seeds).restore(name, who, as_source and clean_name(as_source))

    def trash(self) -> list[TrashEntry]:
        """The removed documents that can be restored, most recent first."""
        return Trash(self.seeds).entries()

    def edit(self, source: str, changes: Override, who: str = "page") -> Override:
        """Set ``source``'s title, date, speaker or kind (``changes``' set fields; "" clears one) in
        its folder's sidecar, applied by the next rebuild; logged. The override now stored."""
        with self._write:
            if source not in {d.source for d in self.documents() if d.state != "removed"}:
                raise AdminError(f"文档目录中没有“{source}”，未修改。")
            merged = (read_override(self.seeds, source) or Override()).merged(changes)
            set_override(self.seeds, source, merged)
            log_event(self.seeds, "meta", source, who, set=changes.to_json() or None, now=merged.to_json())
            return merged

    def report(self, source: str) -> DocumentReport:
        """What cleaning kept and removed of ``source``: the manifest's numbers for an indexed
        document, the removed lines and kept paragraphs as ``qa inspect`` shows them."""
        listed = next((d for d in self.documents() if d.source == source), None)
        if listed is None:
            raise AdminError(f"没有名为“{source}”的文档。")
        manifest = self._manifest()
        info = manifest["documents"].get(source, {})
        override = read_override(self.seeds, source) if listed.state != "removed" else None
        report = DocumentReport(
            source,
            listed.state,
            listed.title,
            listed.date,
            listed.passages,
            info.get("cleaning", {}),
            metadata=dict(info.get("metadata") or {}),
            override=override.to_json() if override else {},
            found=info.get("found") or {},
        )
        if listed.state == "removed":
            return report
        furniture = frozenset(manifest.get("collection_furniture", ()))
        try:
            page = clean_data(source_bytes(self.seeds, source), source, furniture)
        except DocumentError as exc:
            return replace(report, reason=reason_zh(str(exc)))
        return replace(
            report,
            title=report.title or page.title,
            date=report.date or page.date,
            summary=report.summary
            if listed.state in ("indexed", "edited") and report.summary
            else page.report.summary(),
            metadata=report.metadata or page.metadata,
            removals=tuple((r.rule, r.text) for r in page.report.removals[:MAX_REPORT_LINES]),
            kept=tuple(p.text for p in page.paragraphs[:MAX_REPORT_LINES]),
            reason=listed.reason,
        )

    # -- the rebuild ---------------------------------------------------------------------

    def start_rebuild(self) -> BuildStatus:
        """Start the incremental build of the folder into the index in the background.

        Raises ``AdminError`` while a rebuild (this one, or ``qa build`` elsewhere) is running.
        """
        return self.rebuilder.start()

    def status(self) -> BuildStatus:
        """The current (or last) rebuild started here."""
        return self.rebuilder.status()

    def wait(self, timeout: float | None = None) -> BuildStatus:
        """Wait for the running rebuild to end (tests, the command line); its status."""
        return self.rebuilder.wait(timeout)

    def _embedder(self) -> Embedder:
        if self.embedder is not None:
            return self.embedder
        if self.live is not None:
            return self.live.current().embedder
        raise AdminError("没有可用于重建索引的嵌入模型。")


def _plain(title: str) -> str:
    """A title as typed to confirm a removal: without spaces or the book-title marks."""
    return "".join(unicodedata.normalize("NFKC", title).split()).strip("《》<>")
