"""What a file's bytes are, whatever its name says: the magic bytes readers are chosen by.

An office archive is full of misnamed files: a ``.wps`` that is a Word 97 document inside
(WPS Office saves them so), a ``.doc`` that is RTF or a saved web page, a ``.docx`` that is
an old ``.doc`` or a password-protected package (an OLE container, not a zip). Readers are
chosen from the bytes (``qa.ingest.formats``), so such a file is read by the right reader
or refused by name, never converted into mojibake. A password is recognised here, before any
converter starts: msoffcrypto-tool reads the encryption headers of Word, Excel and PowerPoint
files of both generations.
"""

from __future__ import annotations

import io
import zipfile
from typing import Literal

from qa.errors import DocumentError

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
Kind = Literal[
    "docx",
    "xlsx",
    "pptx",
    "odf",
    "ofd",
    "zip",  # zip packages, by the members they hold
    "doc",
    "xls",
    "ppt",
    "works",
    "encrypted",
    "ole",  # OLE containers, by their streams
    "rtf",
    "pdf",
    "mime",
    "html",
    "unknown",
]


def sniff(data: bytes) -> Kind:
    """The kind of file ``data`` is, from its bytes alone ("unknown" for plain text and the rest).

    A zip package by the members it holds (``word/document.xml`` → "docx", ``OFD.xml`` →
    "ofd", an ODF ``mimetype`` → "odf", anything else "zip"); an OLE container by its
    streams ("encrypted": ``EncryptionInfo`` + ``EncryptedPackage``, a protected OOXML file).
    A zip or OLE file too damaged to list is "zip"/"ole", for its reader to refuse by name.
    """
    head = data[:1024]
    if data.startswith(OLE_MAGIC):
        return _ole_kind(data)
    if data.startswith(ZIP_MAGIC) or data.startswith(b"PK\x05\x06"):
        return _zip_kind(data)
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if stripped.startswith(b"{\\rtf"):
        return "rtf"
    if b"%PDF-" in head:
        return "pdf"
    if stripped.startswith((b"mime-version:", b"from:", b"content-type: multipart")) or (
        b"mime-version:" in stripped[:400] and b"multipart/related" in head.lower()
    ):
        return "mime"
    if stripped.startswith((b"<!doctype html", b"<html")) or (
        stripped.startswith(b"<?xml") and b"<html" in stripped
    ):
        return "html"
    return "unknown"


def ole_streams(data: bytes) -> set[str]:
    """The stream names of an OLE container ("WordDocument", "1Table", …); ``ValueError`` when damaged."""
    import olefile

    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            return {"/".join(entry) for entry in ole.listdir(streams=True, storages=False)}
    except Exception as exc:  # olefile raises OSError, struct.error, IndexError… on a cut file
        raise ValueError(f"{type(exc).__name__}: {exc}") from exc


def _ole_kind(data: bytes) -> Kind:
    try:
        streams = ole_streams(data)
    except ValueError:
        return "ole"
    if {"EncryptionInfo", "EncryptedPackage"} <= streams:
        return "encrypted"
    if "WordDocument" in streams:
        return "doc"
    if "Workbook" in streams or "Book" in streams:
        return "xls"
    if "PowerPoint Document" in streams:
        return "ppt"
    if "CONTENTS" in streams or "MN0" in streams or any(s.startswith("MatOST") for s in streams):
        return "works"
    return "ole"


def _zip_kind(data: bytes) -> Kind:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            names = {name.replace("\\", "/").lstrip("/").lower() for name in package.namelist()}
            mimetype = package.read("mimetype")[:80] if "mimetype" in package.namelist() else b""
    except (zipfile.BadZipFile, OSError, KeyError, EOFError):
        return "zip"
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "ppt/presentation.xml" in names:
        return "pptx"
    if mimetype.startswith(b"application/vnd.oasis.opendocument"):
        return "odf"
    if "ofd.xml" in names:
        return "ofd"
    return "zip"


def check_not_encrypted(data: bytes, source: str) -> None:
    """Raise ``password_protected`` for a Word, Excel or PowerPoint file that needs a password to open.

    msoffcrypto-tool reads the encryption headers: an OOXML package inside an OLE container,
    the FIB's fEncrypted flag of a .doc, the FILEPASS record of an .xls, the CryptSession of a .ppt.
    """
    if not data.startswith(OLE_MAGIC):
        return  # an OOXML package with a password is always an OLE container
    import msoffcrypto

    try:
        encrypted = msoffcrypto.OfficeFile(io.BytesIO(data)).is_encrypted()
    except Exception:  # not an Office file it knows, or damaged: the reader will say which
        encrypted = sniff(data) == "encrypted"
    if encrypted:
        raise password_protected(source)


def password_protected(source: str) -> DocumentError:
    """The one message for a file that needs a password to open (``qa.tools.rebuild`` words it in Chinese)."""
    return DocumentError(
        f"{source}: is password-protected; save an unprotected copy (open it with its password in "
        "Word or WPS, remove the password, save) and add that."
    )


def damaged(source: str, detail: str) -> DocumentError:
    """The one message for a file that is cut short or damaged, with what gave it away."""
    return DocumentError(
        f"{source}: is damaged or incomplete (truncated?): {detail}; get a complete copy of it, "
        "or open it in Word or WPS and save it again."
    )
