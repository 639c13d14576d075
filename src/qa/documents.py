"""Read documents from disk: decode, clean and keep their metadata."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

from qa.cleaning import clean_page
from qa.errors import DocumentError
from qa.tracked import TrackedText

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = (".txt",)
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


def decode_bytes(data: bytes, name: str) -> str:
    """Decode UTF-8 (with or without BOM), else GB18030; raise ``DocumentError`` otherwise."""
    if b"\x00" in data[:4096]:
        raise DocumentError(f"{name}: looks like a binary file (NUL bytes), not text; remove it from seeds/.")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DocumentError(
        f"{name}: is neither valid UTF-8 nor GB18030; re-save it as UTF-8 (e.g. `iconv -t UTF-8`)."
    )


def read_document(path: Path, source: str | None = None) -> Document:
    """Read, decode and clean one file; ``source`` is the name shown to users."""
    source = source or path.name
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
    text = decode_bytes(data, source)
    page = clean_page(text, fallback_title=path.stem)
    if not page.paragraphs:
        raise DocumentError(f"{source}: no speech text left after removing page boilerplate.")
    return Document(
        source=source,
        title=page.title,
        date=page.date,
        sha256=hashlib.sha256(data).hexdigest(),
        paragraphs=tuple(page.paragraphs),
    )


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
    """The documents that were read and the files that were skipped, with why."""

    documents: list[Document]
    skipped: dict[str, str]


def read_folder(folder: Path) -> ReadReport:
    """Read every document below ``folder``; unreadable ones are reported, never silently dropped."""
    documents: list[Document] = []
    skipped: dict[str, str] = {}
    first_with: dict[str, str] = {}  # content hash -> the first file that had it
    for path in find_documents(folder):
        source = path.relative_to(folder).as_posix()
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            skipped[source] = f"{source}: unsupported file type {path.suffix!r} (supported: .txt)."
            continue
        try:
            document = read_document(path, source)
        except DocumentError as exc:
            log.warning("Skipping %s", exc)
            skipped[source] = str(exc)
            continue
        if document.sha256 in first_with:
            skipped[source] = f"{source}: same content as {first_with[document.sha256]}; indexed once."
            continue
        first_with[document.sha256] = source
        documents.append(document)
    return ReadReport(documents, skipped)
