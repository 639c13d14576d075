"""Ingestion: files of any supported format to cleaned ``Document`` records, with a report.

decode → one reader per format (typed blocks) → cleaning rules (each named, each removal
accounted for) → ``Document``. ``read_document`` and ``read_folder`` are the entry points.
"""

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
