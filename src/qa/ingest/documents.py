"""Read documents from disk: decode, clean and keep their metadata.

A .zip in the folder is read member by member (``qa.ingest.archive``): each readable member
is a document named ``archive.zip/folder/member``; members that cannot be read are skipped
by that name with their reason.
"""

from __future__ import annotations

import hashlib
import logging
import math
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path, PurePosixPath

from qa.errors import DocumentError
from qa.hashing import file_sha256
from qa.ingest.archive import Member, archive_member, read_archive
from qa.ingest.blocks import Reading
from qa.ingest.fields import DocumentFields, document_fields
from qa.ingest.formats import ARCHIVE_SUFFIXES, SUPPORTED_SUFFIXES, extract
from qa.ingest.limits import max_document_bytes, too_large
from qa.ingest.page import CleanDocument, clean_page
from qa.ingest.report import CleaningReport, chars
from qa.ingest.tracked import TrackedText

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Document:
    """One cleaned source document."""

    source: str
    title: str
    date: str | None
    sha256: str
    paragraphs: tuple[TrackedText, ...]
    metadata: dict[str, str] = field(default_factory=dict)
    report: CleaningReport = field(default_factory=lambda: CleaningReport(0, 0, 0))
    edge_keys: frozenset[str] = frozenset()
    reading: Reading = field(default_factory=Reading)  # the reader, pages and OCR (``qa.ingest.blocks``)
    # Year, session, speaker, authority, 文号, type: what tells it from others (``qa.ingest.fields``).
    fields: DocumentFields = field(default_factory=DocumentFields)


def read_document(
    path: Path, source: str | None = None, collection_furniture: frozenset[str] = frozenset()
) -> Document:
    """Read, decode and clean one file; ``source`` is the name shown to users.

    ``collection_furniture`` holds the keys of lines the collection repeats (``read_folder``).

    Raises ``DocumentError`` naming the file when it cannot be read or decoded, has no text
    at all, or has no text left after cleaning (naming the rules that removed it).
    """
    source = source or path.name
    return read_data(read_file(path, source), source, collection_furniture)


def read_data(data: bytes, source: str, collection_furniture: frozenset[str] = frozenset()) -> Document:
    """``read_document`` of bytes already read: a file's, or an archive member's named ``source``."""
    page = clean_data(data, source, collection_furniture)
    if not page.paragraphs:
        rules = ", ".join(f"{rule} {count}" for rule, count in page.report.removed.items())
        raise DocumentError(
            f"{source}: no text left after cleaning (characters removed by rule: {rules or 'none'}); "
            f"`qa inspect {source}` shows each line and the rule that removed it."
        )
    return Document(
        source=source,
        title=page.title,
        date=page.date,
        sha256=hashlib.sha256(data).hexdigest(),
        paragraphs=tuple(page.paragraphs),
        metadata=page.metadata,
        report=page.report,
        edge_keys=page.edge_keys,
        reading=page.reading,
        fields=document_fields(page.title, page.date, page.metadata, [p.text for p in page.paragraphs]),
    )


def read_file(path: Path, source: str) -> bytes:
    """The bytes of a file, unless it is over the size limit (``qa.ingest.limits``).

    Raises ``DocumentError`` naming ``source``.
    """
    try:
        size = path.stat().st_size
        if size > max_document_bytes():
            raise too_large(source, size)
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise DocumentError(
            f"{source}: cannot be read (it no longer exists; deleted or moved during the build?)."
        ) from exc
    except OSError as exc:
        raise DocumentError(f"{source}: cannot be read ({exc.strerror or exc}).") from exc


def clean_file(
    path: Path, source: str, collection_furniture: frozenset[str] = frozenset()
) -> tuple[bytes, CleanDocument]:
    """The bytes of a file and what cleaning makes of them, even when no paragraph is left.

    Raises ``DocumentError`` naming ``source`` when the file cannot be read or decoded or has no text.
    """
    data = read_file(path, source)
    return data, clean_data(data, source, collection_furniture)


def source_bytes(folder: Path, source: str) -> bytes:
    """The bytes of the document ``source`` of ``folder``: a file, or a member of an archive there
    (``archive.zip/folder/member``). Raises ``DocumentError`` naming it when neither exists."""
    path = folder / source
    if path.is_file():
        return read_file(path, source)
    parts = PurePosixPath(source).parts
    for end in range(1, len(parts)):
        archive = PurePosixPath(*parts[:end])
        if archive.suffix.lower() in ARCHIVE_SUFFIXES and (folder / archive).is_file():
            return archive_member(
                folder / archive, archive.as_posix(), PurePosixPath(*parts[end:]).as_posix()
            )
    raise DocumentError(f"{source}: cannot be read (it no longer exists; deleted or moved?).")


def clean_data(data: bytes, source: str, collection_furniture: frozenset[str] = frozenset()) -> CleanDocument:
    """What cleaning makes of a file's bytes; its format from the suffix of ``source`` and the bytes."""
    suffix = PurePosixPath(source).suffix.lower()
    extracted = extract(data, suffix, source)
    if not chars(extracted.text) and not extracted.removed:
        raise DocumentError(f"{source}: has no text at all.")
    page = clean_page(
        extracted.text,
        fallback_title=PurePosixPath(source).stem,
        known_title=extracted.title,
        kinds=extracted.kinds,
        reader_removals=extracted.removed,
        collection_furniture=collection_furniture,
    )
    return replace(page, reading=extracted.reading)


def find_documents(folder: Path) -> list[Path]:
    """All visible files below ``folder``, sorted by relative path."""
    if not folder.is_dir():
        raise DocumentError(f"{folder} is not a folder of documents; pass --seeds DIR.")
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )


@dataclass(frozen=True)
class KnownDocument:
    """What the previous build recorded of a file: its bytes' SHA-256 and its edge lines' keys."""

    sha256: str
    edge_keys: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ReadReport:
    """The documents that were read, those unchanged since the last build, and the skipped files.

    ``collection_furniture`` holds the ``line_key`` of the lines found above or below the
    body of many documents (a site's menu or footer), removed from all of them.
    ``archives`` maps each archive read member by member to its bytes' SHA-256 (its members
    are documents and skipped files of their own, ``archive.zip/folder/member``).
    """

    documents: list[Document]
    skipped: dict[str, str]
    unchanged: list[str] = field(default_factory=list)
    collection_furniture: frozenset[str] = frozenset()
    archives: dict[str, str] = field(default_factory=dict)


def repeated_line_threshold(documents: int) -> int:
    """In how many documents a line above or below the body must stand to be the collection's furniture.

    Three at least (two documents may quote each other), and 5% of a large collection: a
    crawled site's menu and footer are on every one of its pages.
    """
    return max(3, math.ceil(documents * 0.05))


def _unsupported(source: str) -> str:
    supported = ", ".join(SUPPORTED_SUFFIXES)
    return f"{source}: unsupported file type {PurePosixPath(source).suffix!r} (supported: {supported})."


def read_folder(
    folder: Path,
    known: Mapping[str, KnownDocument] | None = None,
    previous_furniture: frozenset[str] = frozenset(),
) -> ReadReport:
    """Read every document below ``folder``; unreadable ones are reported, never silently dropped.

    ``known`` maps file names to what the previous build recorded: such a file with the same
    bytes is listed under ``unchanged`` instead of being read and cleaned, unless the lines
    the collection repeats (``previous_furniture`` then) changed among its own edge lines.
    A line above or below the body of at least ``repeated_line_threshold`` documents is
    furniture in every document (rule ``collection-furniture``). An archive's members are
    read (or found unchanged) each by its own bytes; an archive refused as a whole (damaged,
    a zip bomb) is skipped by its name and none of its members is kept.
    """
    known = known or {}
    documents: list[Document] = []
    skipped: dict[str, str] = {}
    unchanged: list[str] = []
    loaders: dict[str, Callable[[], bytes]] = {}
    archives: dict[str, str] = {}
    first_with: dict[str, str] = {}  # content hash -> the first file that had it

    def take(source: str, sha256: Callable[[], str], load: Callable[[], bytes]) -> None:
        loaders[source] = load
        try:
            digest = sha256() if source in known else None
            if digest is not None and known[source].sha256 == digest and digest not in first_with:
                first_with[digest] = source
                unchanged.append(source)
                return
            document = read_data(load(), source, previous_furniture)
        except FileNotFoundError:
            skipped[source] = (
                f"{source}: cannot be read (it no longer exists; deleted or moved during the build?)."
            )
            return
        except DocumentError as exc:
            log.warning("Skipping %s", exc)
            skipped[source] = str(exc)
            return
        if document.sha256 in first_with:
            skipped[source] = f"{source}: same content as {first_with[document.sha256]}; indexed once."
            return
        first_with[document.sha256] = source
        documents.append(document)

    for path in find_documents(folder):
        source = path.relative_to(folder).as_posix()
        suffix = path.suffix.lower()
        if suffix not in SUPPORTED_SUFFIXES:
            skipped[source] = _unsupported(source)
        elif suffix in ARCHIVE_SUFFIXES:
            try:
                archives[source] = file_sha256(path)
                for item in read_archive(path, source):
                    name = f"{source}/{item.name}"
                    if not isinstance(item, Member):
                        skipped[name] = f"{name}: {item.reason}."
                    elif PurePosixPath(name).suffix.lower() not in SUPPORTED_SUFFIXES:
                        skipped[name] = _unsupported(name)
                    else:
                        take(name, _digest(item.data), _member_loader(path, source, item))
            except (DocumentError, OSError) as exc:
                log.warning("Skipping %s", exc)
                archives.pop(source, None)
                inside = f"{source}/"
                documents = [doc for doc in documents if not doc.source.startswith(inside)]
                unchanged = [name for name in unchanged if not name.startswith(inside)]
                skipped = {name: why for name, why in skipped.items() if not name.startswith(inside)}
                skipped[source] = (
                    str(exc) if isinstance(exc, DocumentError) else f"{source}: cannot be read ({exc})."
                )
        else:
            take(source, partial(file_sha256, path), partial(read_file, path, source))

    counts = Counter(key for doc in documents for key in doc.edge_keys)
    counts.update(key for source in unchanged for key in known[source].edge_keys)
    threshold = repeated_line_threshold(len(documents) + len(unchanged))
    furniture = frozenset(key for key, n in counts.items() if n >= threshold)
    changed = furniture ^ previous_furniture
    redo = [doc.source for doc in documents if doc.edge_keys & changed]
    redo += [source for source in unchanged if known[source].edge_keys & changed]
    again: dict[str, Document] = {}
    for source in redo:
        try:
            again[source] = read_data(loaders[source](), source, furniture)
        except (DocumentError, OSError) as exc:
            skipped[source] = str(exc)
    documents = [again.pop(doc.source, doc) for doc in documents if doc.source not in skipped]
    documents += again.values()
    unchanged = [source for source in unchanged if source not in redo]
    return ReadReport(sorted(documents, key=lambda d: d.source), skipped, unchanged, furniture, archives)


def _digest(data: bytes) -> Callable[[], str]:
    return lambda: hashlib.sha256(data).hexdigest()


def _member_loader(path: Path, source: str, member: Member) -> Callable[[], bytes]:
    """The member's bytes again: from the archive, not kept in memory meanwhile."""
    return lambda: archive_member(path, source, member.name)
