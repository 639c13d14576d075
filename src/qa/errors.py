"""Exceptions raised by the library; the CLI and the UI turn them into messages."""

from __future__ import annotations


class QAError(Exception):
    """Base class for every error this package raises on purpose."""


class QuestionError(QAError, ValueError):
    """A question that cannot be asked: empty, only spaces, or far too long.

    Raised before the model or the index is loaded; a ``ValueError`` too, so callers that
    caught ``ValueError`` for an empty question still do. ``chinese`` is the reason for the
    page; ``str()`` is the English one.
    """

    def __init__(self, english: str, chinese: str = "") -> None:
        super().__init__(english)
        self.chinese = chinese or english


class IndexNotFoundError(QAError):
    """There is no index where one was expected."""


class StaleIndexError(QAError):
    """The index was built from other documents, another model or another format."""


class IndexCorruptError(QAError):
    """An index file is missing, truncated or disagrees with the manifest."""


class DocumentError(QAError):
    """A document cannot be read or decoded."""


class ModelError(QAError):
    """The embedding model cannot be found, converted or loaded."""


class BuildInProgressError(QAError):
    """Another process is building the same index."""


class AdminError(QAError):
    """A document management action (upload, removal, rebuild) was refused; nothing changed.

    The message is Chinese: the page and ``qa add`` / ``qa remove`` show it as it is.
    """


class MetadataError(QAError, ValueError):
    """A document's title, date, speaker or kind as given cannot be stored (a date that is no date)."""
