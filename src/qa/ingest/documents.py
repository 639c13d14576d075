"""Read documents from disk: decode, clean and keep their metadata."""

from __future__ import annotations

import hashlib
import logging
import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from qa.errors import DocumentError
from qa.hashing import file_sha256
from qa.ingest.blocks import Reading
from qa.ingest.formats import SUPPORTED_SUFFIXES, extract
from qa.ingest.page import CleanDocument, clean_page
from qa.ingest.report import CleaningReport, chars
from qa.ingest.tracked import TrackedText

log = logging.getLogger(__name__)

# A speech is tens of kilobytes; a file this large is a dump or a mistake, and cleaning it
# would take minutes and gigabytes. Split real collections into one file per document.
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024


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


def read_document(
    path: Path, source: str | None = None, collection_furniture: frozenset[str] = frozenset()
) -> Document:
    """Read, decode and clean one file; ``source`` is the name shown to users.

    ``collection_furniture`` holds the keys of lines the collection repeats (``read_folder``).

    Raises ``DocumentError`` naming the file when it cannot be read or decoded, has no text
    at all, or has no text left after cleaning (naming the rules that removed it).
    """
    source = source or path.name
    data, page = clean_file(path, source, collection_furniture)
    if not page.paragraphs:
        rules = ", ".join(f"{rule} {count}" for rule, count in page.report.removed.items())
        raise DocumentError(
            f"{source}: no text left after cleaning (characters removed by rule: {rules or 'none'}); "
            f"`qa inspect {path}` shows each line and the rule that removed it."
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
    )


def clean_file(
    path: Path, source: str, collection_furniture: frozenset[str] = frozenset()
) -> tuple[bytes, CleanDocument]:
    """The bytes of a file and what cleaning makes of them, even when no paragraph is left.

    Raises ``DocumentError`` naming ``source`` when the file cannot be read or decoded or has no text.
    """
    try:
        size = path.stat().st_size
        if size > MAX_DOCUMENT_BYTES:
            raise DocumentError(
                f"{source}: is {size / 1e6:.1f} MB, over the {MAX_DOCUMENT_BYTES // 2**20} MB limit for one "
                "document; split it into one file per speech."
            )
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise DocumentError(
            f"{source}: cannot be read (it no longer exists; deleted or moved during the build?)."
        ) from exc
    except OSError as exc:
        raise DocumentError(f"{source}: cannot be read ({exc.strerror or exc}).") from exc
    extracted = extract(data, path.suffix.lower(), source)
    if not chars(extracted.text) and not extracted.removed:
        raise DocumentError(f"{source}: has no text at all.")
    page = clean_page(
        extracted.text,
        fallback_title=path.stem,
        known_title=extracted.title,
        kinds=extracted.kinds,
        reader_removals=extracted.removed,
        collection_furniture=collection_furniture,
    )
    return data, replace(page, reading=extracted.reading)


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
    """

    documents: list[Document]
    skipped: dict[str, str]
    unchanged: list[str] = field(default_factory=list)
    collection_furniture: frozenset[str] = frozenset()


def repeated_line_threshold(documents: int) -> int:
    """In how many documents a line above or below the body must stand to be the collection's furniture.

    Three at least (two documents may quote each other), and 5% of a large collection: a
    crawled site's menu and footer are on every one of its pages.
    """
    return max(3, math.ceil(documents * 0.05))


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
    furniture in every document (rule ``collection-furniture``).
    """
    known = known or {}
    documents: list[Document] = []
    skipped: dict[str, str] = {}
    unchanged: list[str] = []
    paths: dict[str, Path] = {}
    first_with: dict[str, str] = {}  # content hash -> the first file that had it
    for path in find_documents(folder):
        source = path.relative_to(folder).as_posix()
        paths[source] = path
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            supported = ", ".join(SUPPORTED_SUFFIXES)
            skipped[source] = f"{source}: unsupported file type {path.suffix!r} (supported: {supported})."
            continue
        try:
            sha256 = file_sha256(path) if source in known else None
            if sha256 is not None and known[source].sha256 == sha256 and sha256 not in first_with:
                first_with[sha256] = source
                unchanged.append(source)
                continue
            document = read_document(path, source, previous_furniture)
        except FileNotFoundError:
            skipped[source] = (
                f"{source}: cannot be read (it no longer exists; deleted or moved during the build?)."
            )
            continue
        except DocumentError as exc:
            log.warning("Skipping %s", exc)
            skipped[source] = str(exc)
            continue
        if document.sha256 in first_with:
            skipped[source] = f"{source}: same content as {first_with[document.sha256]}; indexed once."
            continue
        first_with[document.sha256] = source
        documents.append(document)

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
            again[source] = read_document(paths[source], source, furniture)
        except DocumentError as exc:
            skipped[source] = str(exc)
    documents = [again.pop(doc.source, doc) for doc in documents if doc.source not in skipped]
    documents += again.values()
    unchanged = [source for source in unchanged if source not in redo]
    return ReadReport(sorted(documents, key=lambda d: d.source), skipped, unchanged, furniture)
