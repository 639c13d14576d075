"""Ingestion: files of any supported format to cleaned ``Document`` records, with a report.

decode → one reader per format (typed blocks) → cleaning rules (each named, each removal
accounted for) → ``Document``. ``read_document`` and ``read_folder`` are the entry points.
"""

from typing import TYPE_CHECKING

from qa.lazy import lazy_attributes

if TYPE_CHECKING:
    from qa.ingest.documents import (
        Document,
        KnownDocument,
        ReadReport,
        find_documents,
        read_document,
        read_folder,
    )
    from qa.ingest.formats import ARCHIVE_SUFFIXES, SUPPORTED_SUFFIXES
    from qa.ingest.limits import max_document_bytes, max_document_mb
    from qa.ingest.report import CleaningReport

# Imported on first use: a process that only reads an index (``qa search``) never loads the
# format readers (PEP 562).
_LAZY = {
    "Document": "qa.ingest.documents",
    "KnownDocument": "qa.ingest.documents",
    "ReadReport": "qa.ingest.documents",
    "find_documents": "qa.ingest.documents",
    "read_document": "qa.ingest.documents",
    "read_folder": "qa.ingest.documents",
    "ARCHIVE_SUFFIXES": "qa.ingest.formats",
    "SUPPORTED_SUFFIXES": "qa.ingest.formats",
    "max_document_bytes": "qa.ingest.limits",
    "max_document_mb": "qa.ingest.limits",
    "CleaningReport": "qa.ingest.report",
}


__getattr__ = lazy_attributes(__name__, _LAZY)


__all__ = [
    "ARCHIVE_SUFFIXES",
    "SUPPORTED_SUFFIXES",
    "CleaningReport",
    "Document",
    "KnownDocument",
    "ReadReport",
    "find_documents",
    "max_document_bytes",
    "max_document_mb",
    "read_document",
    "read_folder",
]
