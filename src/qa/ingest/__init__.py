"""Ingestion: files of any supported format to cleaned ``Document`` records, with a report.

decode → one reader per format (typed blocks) → cleaning rules (each named, each removal
accounted for) → ``Document``. ``read_document`` and ``read_folder`` are the entry points.
"""

from qa.ingest.documents import (
    MAX_DOCUMENT_BYTES,
    Document,
    KnownDocument,
    ReadReport,
    find_documents,
    read_document,
    read_folder,
)
from qa.ingest.formats import SUPPORTED_SUFFIXES
from qa.ingest.report import CleaningReport

__all__ = [
    "MAX_DOCUMENT_BYTES",
    "SUPPORTED_SUFFIXES",
    "CleaningReport",
    "Document",
    "KnownDocument",
    "ReadReport",
    "find_documents",
    "read_document",
    "read_folder",
]
