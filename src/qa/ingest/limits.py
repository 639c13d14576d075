"""How large a document may be: one setting, ``QA_MAX_DOCUMENT_MB``, and one way of saying it.

Every message that names the limit (the build's, ``qa add``'s, the page's upload) takes the
number from here and gives sizes in MB of 2**20 bytes, so two messages never disagree.
"""

from __future__ import annotations

import os

from qa.errors import DocumentError

# A yearbook with photos is 20–100 MB; its text is a few MB (the images are skipped).
DEFAULT_MAX_DOCUMENT_MB = 100
MAX_DOCUMENT_MB_VARIABLE = "QA_MAX_DOCUMENT_MB"
MB = 2**20


def max_document_mb() -> int:
    """The size limit of one document file in MB (``QA_MAX_DOCUMENT_MB``, default 100).

    Raises ``DocumentError`` when the variable is set to something that is not a positive whole number.
    """
    raw = os.environ.get(MAX_DOCUMENT_MB_VARIABLE, "").strip()
    if not raw:
        return DEFAULT_MAX_DOCUMENT_MB
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value <= 0:
        raise DocumentError(
            f"{MAX_DOCUMENT_MB_VARIABLE}={raw!r} is not a positive whole number of MB; "
            f"set it like {MAX_DOCUMENT_MB_VARIABLE}=200 or unset it (default {DEFAULT_MAX_DOCUMENT_MB})."
        )
    return value


def max_document_bytes() -> int:
    """``max_document_mb()`` in bytes."""
    return max_document_mb() * MB


def size_mb(size: int) -> str:
    """A size as every message writes it: "21.9 MB" (MB of 2**20 bytes)."""
    return f"{size / MB:.1f} MB"


def too_large(source: str, size: int) -> DocumentError:
    """The error for a file over the limit, naming its size, the limit and the setting."""
    return DocumentError(
        f"{source}: is {size_mb(size)}, over the {max_document_mb()} MB limit for one document; "
        f"split it into smaller files or raise {MAX_DOCUMENT_MB_VARIABLE}."
    )
