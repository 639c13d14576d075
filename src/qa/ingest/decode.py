"""Bytes to text: the encodings Chinese documents come in, or a clear refusal."""

from __future__ import annotations

import codecs
import re

from qa.errors import DocumentError

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE, whose BOM it starts with
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_DECLARED_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?([\w.:-]+)|<\?xml[^>]+encoding=["']([\w.:-]+)""", re.I
)


def decode_bytes(data: bytes, name: str) -> str:
    """Decode a text file in whatever encoding Chinese documents come in.

    A byte-order mark decides (UTF-8, UTF-16, UTF-32); else valid UTF-8 is UTF-8; else the
    text must read as Chinese in exactly one of GB18030 (GBK, GB2312) and Big5
    (``plausibility``). Raises ``DocumentError`` naming ``name`` for binary data and for
    bytes whose encoding cannot be told, rather than indexing mojibake.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise DocumentError(
                    f"{name}: starts with a {encoding.upper()} byte-order mark but is not valid "
                    f"{encoding.upper()} ({exc.reason} at byte {exc.start}); save it as UTF-8."
                ) from exc
            if plausibility(text) < _PLAUSIBLE:
                raise DocumentError(_unknown_encoding(name))
            return text
    if b"\x00" in data[:4096]:
        raise DocumentError(f"{name}: looks like a binary file (NUL bytes), not text; remove it from seeds/.")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    readings: dict[str, str] = {}
    for encoding in ("gb18030", "big5"):
        try:
            readings[encoding] = data.decode(encoding)
        except UnicodeDecodeError:
            continue
    scores = {encoding: plausibility(text) for encoding, text in readings.items()}
    ranked = sorted(scores, key=scores.__getitem__, reverse=True)
    if ranked and scores[ranked[0]] >= _PLAUSIBLE:
        runner_up = scores[ranked[1]] if len(ranked) > 1 else 0.0
        if runner_up < _AMBIGUOUS or readings[ranked[1]] == readings[ranked[0]]:
            return readings[ranked[0]]
    raise DocumentError(_unknown_encoding(name))


# Share of a text's non-ASCII characters that must be common Chinese characters or punctuation
# (measured: GB18030 and Big5 texts decode to >= 0.97, each read as the other to <= 0.75).
_PLAUSIBLE = 0.9
_AMBIGUOUS = 0.8
_PUNCTUATION_BLOCKS = ((0x2000, 0x206F), (0x3000, 0x303F), (0xFF00, 0xFFEF), (0x00A0, 0x00FF))


def plausibility(text: str) -> float:
    """The share of ``text``'s non-ASCII characters that are common Chinese characters or punctuation.

    "Common" is the 3,755 characters of GB2312 level 1 (simplified) and the 5,401 of Big5
    level 1 (traditional); Chinese text in either script scores near 1, while bytes decoded
    in the wrong encoding scatter over rare characters and the private use area. A text
    without non-ASCII characters scores 1.
    """
    wide = [char for char in text if ord(char) > 0x7F]
    if not wide:
        return 1.0
    return sum(1 for char in wide if _common(char)) / len(wide)


def _common(char: str) -> bool:
    code = ord(char)
    if any(low <= code <= high for low, high in _PUNCTUATION_BLOCKS):
        return True
    for encoding, low, high in (("gb2312", 0xB0, 0xD7), ("big5", 0xA4, 0xC6)):
        try:
            if low <= char.encode(encoding)[0] <= high:
                return True
        except UnicodeEncodeError:
            continue
    return False


def _unknown_encoding(name: str) -> str:
    return (
        f"{name}: cannot tell the encoding of this file (not UTF-8, and it does not read as Chinese in "
        "GB18030/GBK or Big5); save it as UTF-8."
    )


def decode_html(data: bytes, source: str) -> str:
    """Decode a page in its BOM's encoding, else the charset its ``<meta>`` declares, else as text."""
    if any(data.startswith(bom) for bom, _ in _BOMS):
        return decode_bytes(data, source)
    if declared := _DECLARED_CHARSET.search(data[:4096]):
        try:
            return data.decode((declared.group(1) or declared.group(2)).decode("ascii"))
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong or unknown label, or GBK characters in a page labelled GB2312
    return decode_bytes(data, source)
