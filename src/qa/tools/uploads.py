"""What an upload becomes before it is stored: the name it is stored under, and an archive read as
one document (its members' paragraphs), so ``DocumentManager`` can check it like any file."""

from __future__ import annotations

import hashlib
import os
import unicodedata
from pathlib import Path

from qa.errors import AdminError, DocumentError
from qa.ingest import SUPPORTED_SUFFIXES, Document
from qa.ingest.documents import read_folder
from qa.ingest.report import CleaningReport

MAX_NAME_BYTES = 200  # well under the 255 bytes a file name may take
_FORBIDDEN = set('<>:"|?*\\/')


def clean_name(name: str) -> str:
    """The file name to store an upload under: no folder, no hidden file, no odd characters.

    Raises ``AdminError`` for a name that leaves nothing usable, a hidden file or an
    unsupported type.
    """
    base = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join("_" if c in _FORBIDDEN or unicodedata.category(c)[0] == "C" else c for c in base)
    base = " ".join(base.split())
    if not base or base.strip(".") == "":
        raise AdminError(f"文件名“{name}”不可用，请改名后再上传。")
    if base.startswith("."):
        raise AdminError(f"“{base}”是隐藏文件（以“.”开头），不能上传；请改名后再上传。")
    stem, suffix = os.path.splitext(base)
    if suffix.lower() not in SUPPORTED_SUFFIXES:
        raise AdminError(f"“{base}”的类型不受支持；可上传 {' '.join(SUPPORTED_SUFFIXES)} 文件。")
    while len((stem + suffix).encode()) > MAX_NAME_BYTES:
        stem = stem[:-1]
    return stem + suffix.lower()


def archive_document(folder: Path, source: str, data: bytes) -> Document:
    """An uploaded archive as one ``Document``: its members' paragraphs under a title that counts them.

    Raises ``DocumentError`` when no member can be read (naming each one's reason).
    """
    report = read_folder(folder)
    if source in report.skipped:
        raise DocumentError(report.skipped[source])
    if not report.documents:
        reasons = "；".join(report.skipped.values()) or f"{source}: the archive holds no documents."
        raise DocumentError(f"{source}: no file in the archive can be read ({reasons})")
    skipped = f"，{len(report.skipped)} 个文件无法读取" if report.skipped else ""
    paragraphs = tuple(p for document in report.documents for p in document.paragraphs)
    kept = sum(d.report.chars_kept for d in report.documents)
    read = sum(d.report.chars_read for d in report.documents)
    return Document(
        source=source,
        title=f"压缩包：{len(report.documents)} 篇文档{skipped}",
        date=None,
        sha256=hashlib.sha256(data).hexdigest(),
        paragraphs=paragraphs,
        report=CleaningReport(read, kept, len(paragraphs)),
    )
