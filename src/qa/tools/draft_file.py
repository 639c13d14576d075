"""A draft given as a file (a Word .docx, .txt, .md, …): its text, read as ``qa build`` reads documents.

The page's 上传稿件 and ``qa check FILE`` both come here: the format is told by the file's suffix
and confirmed by its bytes (``qa.ingest.formats.extract``, the same readers as the index's), and
a file that cannot be read is refused with the reason in Chinese, nothing kept.
"""

from __future__ import annotations

from pathlib import Path

from qa.errors import DocumentError
from qa.ingest.formats import extract
from qa.ingest.limits import max_document_bytes, size_mb
from qa.tools.draft import DraftInputError
from qa.tools.rebuild import reason_zh

# What the page's upload offers (any suffix ``extract`` reads is accepted from the command line).
UPLOAD_SUFFIXES = (".docx", ".doc", ".wps", ".txt", ".md", ".odt", ".rtf", ".pdf")


def read_draft_file(data: bytes, name: str) -> str:
    """The text of a draft file ``name`` holding ``data``.

    Raises ``DraftInputError`` (a ``ValueError``, in Chinese and English) for a file over the
    documents' size limit, of a format no reader takes, or that its reader cannot read.
    """
    limit = max_document_bytes()
    if len(data) > limit:
        raise DraftInputError(
            f"稿件文件过大（{size_mb(len(data))}）：最大{size_mb(limit)}。",
            f"{name} is {size_mb(len(data))}; a draft file may have at most {size_mb(limit)}.",
        )
    try:
        return extract(data, Path(name).suffix.lower(), Path(name).name).text
    except DocumentError as exc:
        raise DraftInputError(f"无法读取稿件“{Path(name).name}”：{reason_zh(str(exc))}", str(exc)) from exc
