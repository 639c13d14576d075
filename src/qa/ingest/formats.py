"""Turn a document file's bytes into typed blocks of text, whatever its format.

Every format comes out as lines of text (``Extracted``), so the same cleaning finds the
title, date and body of all of them. A title the format itself stores (Word properties,
front matter, og:title) travels beside the text, so that cleaning takes it as the title
whatever its words. The format libraries are imported inside the readers: starting the
app, or reading .txt files only, never pays for them.
"""

from __future__ import annotations

from collections.abc import Callable

from qa.errors import DocumentError
from qa.ingest.blocks import Extracted
from qa.ingest.decode import decode_bytes
from qa.ingest.docx import read_docx
from qa.ingest.html import read_html
from qa.ingest.markdown import read_markdown
from qa.ingest.pdf import read_pdf


def read_text(data: bytes, source: str) -> Extracted:
    """A .txt file: a scraped page, a typed speech or an export; its title is left to cleaning."""
    return Extracted(decode_bytes(data, source))


_READERS: dict[str, Callable[[bytes, str], Extracted]] = {
    ".txt": read_text,
    ".md": read_markdown,
    ".markdown": read_markdown,
    ".html": read_html,
    ".htm": read_html,
    ".docx": read_docx,
    ".pdf": read_pdf,
}
SUPPORTED_SUFFIXES = tuple(_READERS)


def extract(data: bytes, suffix: str, source: str) -> Extracted:
    """The blocks and stored title of a file in the format ``suffix`` names.

    ``DocumentError`` names ``source`` and why it cannot be read.
    """
    suffix = suffix.lower()
    if suffix not in _READERS:
        supported = ", ".join(SUPPORTED_SUFFIXES)
        raise DocumentError(f"{source}: unsupported file type {suffix!r} (supported: {supported}).")
    if not data:
        raise DocumentError(f"{source}: is empty (0 bytes).")
    try:
        return _READERS[suffix](data, source)
    except DocumentError:
        raise
    except Exception as exc:  # a format library failing on a malformed file must not stop a build
        kind = suffix.lstrip(".").upper()
        raise DocumentError(f"{source}: cannot be read as {kind} ({type(exc).__name__}: {exc}).") from exc
