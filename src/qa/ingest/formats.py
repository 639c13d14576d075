"""Turn a document file's bytes into typed blocks of text, whatever its format.

Every format comes out as lines of text (``Extracted``), so the same cleaning finds the
title, date and body of all of them. A title the format itself stores (Word properties,
front matter, og:title) travels beside the text, so that cleaning takes it as the title
whatever its words. The format libraries are imported inside the readers: starting the
app, or reading .txt files only, never pays for them.

The reader is chosen by the file's suffix and, for office files, by its bytes
(``qa.ingest.sniff``): a ``.wps`` or ``.doc`` that is a Word 97 document goes through
LibreOffice to the ``.docx`` reader, one that is RTF, a saved web page or a ``.docx`` by
another name to the reader of what it is; a password-protected file is named as such before
any converter starts; bytes that are no office file at all are refused by name, never
converted into mojibake.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from qa.errors import DocumentError
from qa.ingest.blocks import Extracted
from qa.ingest.convert import Target, convert, libreoffice_version
from qa.ingest.decode import decode_bytes
from qa.ingest.docx import read_docx
from qa.ingest.html import read_html
from qa.ingest.image import IMAGE_SUFFIXES, read_image
from qa.ingest.markdown import read_markdown
from qa.ingest.mht import read_mht
from qa.ingest.ofd import read_ofd
from qa.ingest.pdf import read_pdf
from qa.ingest.sheets import read_csv, read_xls, read_xlsx
from qa.ingest.slides import read_pptx
from qa.ingest.sniff import Kind, check_not_encrypted, damaged, password_protected, sniff

Reader = Callable[[bytes, str], Extracted]


def read_text(data: bytes, source: str) -> Extracted:
    """A .txt file: a scraped page, a typed speech or an export; its title is left to cleaning."""
    return Extracted(decode_bytes(data, source))


def _converted(target: Target, suffix: str, then: Reader) -> Reader:
    """A reader that has LibreOffice convert the file (named ``suffix``) to ``target`` and reads that."""

    def read(data: bytes, source: str) -> Extracted:
        check_not_encrypted(data, source)
        extracted = then(convert(data, suffix, target, source), source)
        reader = f"{libreoffice_version()} → {extracted.reading.reader}"
        return replace(extracted, reading=replace(extracted.reading, reader=reader))

    return read


def _xls(data: bytes, source: str) -> Extracted:
    check_not_encrypted(data, source)
    return read_xls(data, source)


# Text formats: read by their suffix.
_TEXT_READERS: dict[str, Reader] = {
    ".txt": read_text,
    ".md": read_markdown,
    ".markdown": read_markdown,
    ".html": read_html,
    ".htm": read_html,
    ".csv": read_csv,
    ".mht": read_mht,
    ".mhtml": read_mht,
    **dict.fromkeys(IMAGE_SUFFIXES, read_image),  # scans and photos, read by OCR
}
# Office formats: the family a suffix promises; the bytes say which reader.
_FAMILIES: dict[str, str] = {
    **dict.fromkeys(
        (".docx", ".doc", ".dot", ".dotx", ".wps", ".wpt", ".rtf", ".odt"), "Word or WPS document"
    ),
    **dict.fromkeys((".xlsx", ".xls", ".et", ".ett", ".ods"), "spreadsheet"),
    **dict.fromkeys((".pptx", ".ppt", ".dps", ".dpt", ".odp"), "presentation"),
    ".pdf": "PDF file",
    ".ofd": "OFD file",
}
# The reader for what the bytes are; an OpenDocument file by the family its suffix names.
_BY_CONTENT: dict[Kind, Reader] = {
    "docx": read_docx,
    "xlsx": read_xlsx,
    "pptx": read_pptx,
    "ofd": read_ofd,
    "pdf": read_pdf,
    "mime": read_mht,
    "doc": _converted("docx", ".doc", read_docx),
    "works": _converted("docx", ".wps", read_docx),
    "rtf": _converted("docx", ".rtf", read_docx),
    "xls": _xls,
    "ppt": _converted("pptx", ".ppt", read_pptx),
}
_OPEN_DOCUMENT: dict[str, Reader] = {
    "Word or WPS document": _converted("docx", ".odt", read_docx),
    "spreadsheet": _converted("xlsx", ".ods", read_xlsx),
    "presentation": _converted("pptx", ".odp", read_pptx),
}
ARCHIVE_SUFFIXES = (".zip",)
READABLE_SUFFIXES = (*_TEXT_READERS, *_FAMILIES)
SUPPORTED_SUFFIXES = (*READABLE_SUFFIXES, *ARCHIVE_SUFFIXES)


def reader_for(data: bytes, suffix: str, source: str) -> Reader:
    """The reader for a file of ``suffix`` holding ``data``; ``DocumentError`` when there is none."""
    suffix = suffix.lower()
    if suffix in _TEXT_READERS:
        return _TEXT_READERS[suffix]
    family = _FAMILIES.get(suffix)
    if family is None:
        if suffix in ARCHIVE_SUFFIXES:
            raise DocumentError(
                f"{source}: is an archive; its files are read one by one when the folder is built."
            )
        raise DocumentError(
            f"{source}: unsupported file type {suffix!r} (supported: {', '.join(SUPPORTED_SUFFIXES)})."
        )
    kind = sniff(data)
    if kind == "encrypted":
        raise password_protected(source)
    if kind == "odf":
        return _OPEN_DOCUMENT[family]
    if kind == "html" and family == "Word or WPS document":  # Word's "save as web page" named .doc
        return read_html
    if kind in _BY_CONTENT:
        return _BY_CONTENT[kind]
    if suffix == ".pdf":  # the PDF reader says what is wrong with it
        return read_pdf
    if kind in ("ole", "zip"):
        check_not_encrypted(data, source)
        container = "an OLE" if kind == "ole" else "a zip"
        raise damaged(source, f"{container} container that cannot be opened as a {family}")
    raise DocumentError(
        f"{source}: is not a {family} (its bytes are not a format the {suffix} name stands for, nor another "
        "office format); check the file, or open it in the program that made it and save it as .docx."
    )


def extract(data: bytes, suffix: str, source: str) -> Extracted:
    """The blocks and stored title of a file in the format ``suffix`` names (and its bytes confirm).

    ``DocumentError`` names ``source`` and why it cannot be read.
    """
    if not data:
        raise DocumentError(f"{source}: is empty (0 bytes).")
    reader = reader_for(data, suffix, source)
    try:
        return reader(data, source)
    except DocumentError:
        raise
    except Exception as exc:  # a format library failing on a malformed file must not stop a build
        kind = suffix.lstrip(".").upper()
        raise DocumentError(f"{source}: cannot be read as {kind} ({type(exc).__name__}: {exc}).") from exc
