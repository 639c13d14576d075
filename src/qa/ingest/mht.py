"""Saved web pages (.mht / .mhtml, "web archive, single file"): the page's HTML part, then the HTML reader.

An .mht is a MIME message (RFC 2557, ``multipart/related``): the page and its images, each
part with its own transfer encoding (quoted-printable, base64) and charset (GBK, as Internet
Explorer on Chinese Windows saved them). The standard library's ``email`` package undoes the
transfer encoding; the part is decoded by its declared charset (GB2312 read as its superset
GB18030), else as any page is, and handed to ``qa.ingest.html`` as UTF-8.
"""

from __future__ import annotations

import codecs
import email
import email.policy
from dataclasses import replace
from email.message import Message

from qa.errors import DocumentError
from qa.ingest.blocks import Extracted
from qa.ingest.decode import decode_html
from qa.ingest.html import read_html

_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "big5": "big5hkscs"}


def read_mht(data: bytes, source: str) -> Extracted:
    """The main text of the page an .mht holds (its ``text/html`` part, the snapshot's own first)."""
    message = email.message_from_bytes(data, policy=email.policy.compat32)
    parts = [part for part in message.walk() if part.get_content_type() == "text/html"]
    if not parts:
        raise DocumentError(f"{source}: is not a saved web page (.mht): no HTML part in it.")
    location = message.get("Snapshot-Content-Location")
    page = next((part for part in parts if location and part.get("Content-Location") == location), parts[0])
    html = _decoded(page, source)
    extracted = read_html(codecs.BOM_UTF8 + html.encode("utf-8"), source)
    reader = f"email (MIME) → {extracted.reading.reader}"
    return replace(extracted, reading=replace(extracted.reading, reader=reader))


def _decoded(part: Message, source: str) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes) or not payload.strip():
        raise DocumentError(f"{source}: the saved page's HTML part is empty.")
    charset = (part.get_content_charset() or "").lower()
    if charset:
        try:
            return payload.decode(_SUPERSETS.get(charset, charset))
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong declaration: decode it as any page
    return decode_html(payload, source)
