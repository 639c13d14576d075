"""Read documents from disk: decode, clean and keep their metadata."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from qa.convert import file_sha256
from qa.errors import DocumentError
from qa.ingest.formats import SUPPORTED_SUFFIXES, extract
from qa.ingest.page import CleanDocument, CleaningReport, chars, clean_page
from qa.tracked import TrackedText

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
    metadata: tuple[str, ...] = ()
    report: CleaningReport = field(default_factory=lambda: CleaningReport(0, 0, 0))


def read_document(path: Path, source: str | None = None) -> Document:
    """Read, decode and clean one file; ``source`` is the name shown to users.

    Raises ``DocumentError`` naming the file when it cannot be read or decoded, has no text
    at all, or has no text left after cleaning (naming the rules that removed it).
    """
    source = source or path.name
    data, page = clean_file(path, source)
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
    )


def clean_file(path: Path, source: str) -> tuple[bytes, CleanDocument]:
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
    )
    return data, page


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
class ReadReport:
    """The documents that were read, those unchanged since the last build, and the skipped files."""

    documents: list[Document]
    skipped: dict[str, str]
    unchanged: list[str] = field(default_factory=list)


def read_folder(folder: Path, known: Mapping[str, str] | None = None) -> ReadReport:
    """Read every document below ``folder``; unreadable ones are reported, never silently dropped.

    ``known`` maps file names to the SHA-256 they had in the previous build: such a file
    with the same bytes is listed under ``unchanged`` instead of being read and cleaned.
    """
    known = known or {}
    documents: list[Document] = []
    skipped: dict[str, str] = {}
    unchanged: list[str] = []
    first_with: dict[str, str] = {}  # content hash -> the first file that had it
    for path in find_documents(folder):
        source = path.relative_to(folder).as_posix()
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            supported = ", ".join(SUPPORTED_SUFFIXES)
            skipped[source] = f"{source}: unsupported file type {path.suffix!r} (supported: {supported})."
            continue
        try:
            sha256 = file_sha256(path) if source in known else None
            if sha256 is not None and known[source] == sha256 and sha256 not in first_with:
                first_with[sha256] = source
                unchanged.append(source)
                continue
            document = read_document(path, source)
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
    return ReadReport(documents, skipped, unchanged)
