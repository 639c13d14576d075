"""OFD (GB/T 33190-2016, the fixed-layout format of e-government documents): each page's text in order.

An OFD file is a zip of XML: ``OFD.xml`` → each ``DocBody`` → ``DocInfo`` (title, author,
creation date, custom data such as 文号) and ``DocRoot`` → ``Document.xml``: the pages
(``Page@BaseLoc`` → ``Content.xml``), template pages, composite graphic units. A page's text
is in ``TextObject``s of ``TextCode``s with positions (X, Y the baseline; ``DeltaX`` advances,
"g N v" = N times v), in any order. Reading order: every code placed through the object's
``Boundary`` and ``CTM``; codes whose baselines lie within half a font size make a line,
sorted by x; lines by y; a wrapped prose line (reaching the right edge, the next one not
indented) runs on into the next. Seals and signatures are images and signature files: not
text, only counted. Text drawn with a private glyph map (code points U+E000–F8FF) cannot be
read: the file is refused so that it is OCR'd or re-exported. Adapted from the reader checked
in /work/scratch/formats on the 64 OFD files of github:ofdrw/ofdrw (all read, 4.5 ms a file).
"""

from __future__ import annotations

import contextlib
import io
import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from qa.errors import DocumentError
from qa.ingest.blocks import Block, Extracted, Reading, stored_title
from qa.ingest.official import is_authority
from qa.ingest.sniff import damaged

Matrix = tuple[float, float, float, float, float, float]  # x' = a x + c y + e, y' = b x + d y + f
_IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
_MAX_PART_BYTES = 64 * 2**20  # one XML part of a package; more is a zip bomb, not a document
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")


@dataclass(frozen=True)
class _Glyphs:
    x: float
    y: float
    x_end: float
    size: float
    text: str


class _Package:
    """The zip, with names looked up as OFD writers spell them (leading "/", backslashes, case)."""

    def __init__(self, data: bytes) -> None:
        self.zip = zipfile.ZipFile(io.BytesIO(data))
        self.names = {n.replace("\\", "/").lstrip("/").lower(): n for n in self.zip.namelist()}

    def resolve(self, folder: str, location: str) -> str | None:
        location = location.strip().replace("\\", "/")
        tries = [location] if location.startswith("/") else [posixpath.join(folder, location), location]
        for name in tries:
            found = self.names.get(posixpath.normpath(name).lstrip("/").lower())
            if found:
                return found
        return None

    def xml(self, name: str) -> Any:
        from lxml import etree

        info = self.zip.getinfo(name)
        if info.file_size > _MAX_PART_BYTES:
            raise DocumentError(f"part {name} would expand to {info.file_size} bytes")
        parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True)
        return etree.fromstring(self.zip.read(name), parser)


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _child(element: Any, name: str) -> Any:
    return next((c for c in element if _local(c.tag) == name), None) if element is not None else None


def _children(element: Any, name: str) -> list[Any]:
    return [c for c in element if _local(c.tag) == name] if element is not None else []


def _text(element: Any) -> str:
    return (element.text or "").strip() if element is not None else ""


def _floats(value: str | None) -> list[float]:
    return [float(x) for x in re.split(r"[\s,]+", value.strip())] if value and value.strip() else []


def _deltas(value: str | None) -> list[float]:
    """DeltaX/DeltaY with "g N v" (N times v) expanded."""
    out: list[float] = []
    tokens = (value or "").split()
    i = 0
    while i < len(tokens):
        if tokens[i] == "g" and i + 2 < len(tokens):
            out += [float(tokens[i + 2])] * int(float(tokens[i + 1]))
            i += 3
            continue
        with contextlib.suppress(ValueError):
            out.append(float(tokens[i]))
        i += 1
    return out


def _times(m: Matrix, n: Matrix) -> Matrix:
    """``m`` after ``n``."""
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (
        a * a2 + c * b2,
        b * a2 + d * b2,
        a * c2 + c * d2,
        b * c2 + d * d2,
        a * e2 + c * f2 + e,
        b * e2 + d * f2 + f,
    )


def _apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    return m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]


def _object_matrix(element: Any) -> Matrix:
    """The Boundary's origin after the object's CTM (GB/T 33190 §8.2)."""
    bx, by = ([*_floats(element.get("Boundary")), 0.0, 0.0])[:2]
    ctm = _floats(element.get("CTM"))
    return _times(
        (1.0, 0.0, 0.0, 1.0, bx, by),
        (ctm[0], ctm[1], ctm[2], ctm[3], ctm[4], ctm[5]) if len(ctm) == 6 else _IDENTITY,
    )


def _text_objects(
    element: Any, m: Matrix, units: dict[str, Any], depth: int = 0
) -> Iterator[tuple[Any, Matrix]]:
    """(TextObject, matrix) in document order, through layers, page blocks and composite objects."""
    if depth > 16:
        return
    for child in element:
        name = _local(child.tag)
        if name == "TextObject":
            yield child, _times(m, _object_matrix(child))
        elif name in ("PageBlock", "Layer", "Content"):
            yield from _text_objects(child, m, units, depth + 1)
        elif name == "CompositeObject" and (unit := units.get(child.get("ResourceID", ""))) is not None:
            yield from _text_objects(unit, _times(m, _object_matrix(child)), units, depth + 1)


def _page_glyphs(package: _Package, content: str, units: dict[str, Any]) -> list[_Glyphs]:
    root = package.xml(content)
    layer_root = _child(root, "Content")
    out: list[_Glyphs] = []
    for text_object, m in _text_objects(layer_root if layer_root is not None else root, _IDENTITY, units):
        size = float(text_object.get("Size") or 3.5)
        scaled = size * (abs(m[0] * m[3] - m[1] * m[2]) ** 0.5 or 1.0)
        x = y = 0.0
        for code in _children(text_object, "TextCode"):
            text = code.text or ""
            if not text:
                continue
            x = float(code.get("X")) if code.get("X") is not None else x
            y = float(code.get("Y")) if code.get("Y") is not None else y
            dx, dy = _deltas(code.get("DeltaX")), _deltas(code.get("DeltaY"))
            if dy and not dx:  # vertical text: a glyph a line, so columns sort out
                for i, char in enumerate(text):
                    gx, gy = _apply(m, x, y)
                    out.append(_Glyphs(gx, gy, gx + scaled, scaled, char))
                    y += dy[i] if i < len(dy) else size
                continue
            advance = sum(dx[: len(text) - 1]) + size
            gx, gy = _apply(m, x, y)
            ex, _ = _apply(m, x + advance, y)
            out.append(_Glyphs(min(gx, ex), gy, max(gx, ex), scaled, text))
            x += advance
    return out


def _lines(glyphs: list[_Glyphs]) -> list[list[_Glyphs]]:
    lines: list[list[_Glyphs]] = []
    for glyph in sorted(glyphs, key=lambda g: (g.y, g.x)):
        if lines and abs(glyph.y - lines[-1][0].y) <= 0.5 * max(lines[-1][0].size, glyph.size):
            lines[-1].append(glyph)
        else:
            lines.append([glyph])
    return [sorted(line, key=lambda g: g.x) for line in lines]


def _line_text(line: list[_Glyphs]) -> str:
    out = ""
    previous: _Glyphs | None = None
    for glyph in line:
        if previous is not None and glyph.x - previous.x_end > 1.5 * glyph.size:
            out += " "
        elif (
            previous is not None
            and glyph.x < previous.x_end - 0.5 * glyph.size
            and glyph.text == previous.text
        ):
            continue  # the same text drawn twice (a bold or shadow imitation)
        out += glyph.text
        previous = glyph
    return out


def _paragraphs(lines: list[list[_Glyphs]]) -> list[str]:
    """Wrapped prose lines joined (full width, next not indented, no gap); table and form lines apart."""
    if not lines:
        return []
    left = min(line[0].x for line in lines)
    right = max(line[-1].x_end for line in lines)
    paragraphs: list[str] = []
    current = ""
    previous: list[_Glyphs] | None = None
    previous_prose = False
    for line in lines:
        text = _line_text(line)
        size = line[0].size
        few_gaps = text.strip().count(" ") <= 1  # table rows and forms have several
        joins = (
            previous is not None
            and few_gaps
            and previous_prose
            and line[0].x <= left + 1.2 * size
            and previous[-1].x_end >= right - 2 * size
            and line[0].y - previous[0].y <= 2.6 * size
            and abs(size - previous[0].size) <= 0.3
        )
        if not joins and current:
            paragraphs.append(current)
            current = ""
        latin = (
            current[-1:].isascii() and current[-1:].isalpha() and text[:1].isascii() and text[:1].isalpha()
        )
        current += (" " if latin else "") + text
        previous, previous_prose = line, few_gaps and len(text) >= 10
    return [*paragraphs, current] if current else paragraphs


def read_ofd(data: bytes, source: str) -> Extracted:
    """The pages of an OFD file as paragraphs (each with its page), its stored title and metadata lines.

    Raises ``DocumentError`` for a damaged package, one with no ``OFD.xml``, or text in a private glyph map.
    """
    try:
        package = _Package(data)
        blocks, info, signatures = _read(package)
    except zipfile.BadZipFile as exc:
        raise damaged(source, f"not a complete OFD package ({exc})") from exc
    except (KeyError, ValueError, DocumentError) as exc:
        raise DocumentError(f"{source}: is not a readable OFD file ({exc}).") from exc
    text = "".join(block.text for block in blocks)
    if len(_PRIVATE_USE.findall(text)) > len(text) / 2:
        raise DocumentError(
            f"{source}: the OFD draws its text with a private glyph map, so its characters cannot be read; "
            "print it to PDF and OCR it, or export it again as .docx."
        )
    if not any(block.kind == "text" for block in blocks):
        raise DocumentError(f"{source}: the OFD file has no text (a scanned image?).")
    notes = (f"{signatures} signature(s) and seals ignored",) if signatures else ()
    reading = Reading(reader="OFD (built-in reader, lxml)", notes=notes)
    return Extracted.of_blocks(blocks, stored_title(info.get("Title")) or None, reading=reading)


def _read(package: _Package) -> tuple[list[Block], dict[str, str], int]:
    name = package.resolve("", "OFD.xml")
    if name is None:
        raise ValueError("no OFD.xml in the package")
    blocks: list[Block] = []
    info: dict[str, str] = {}
    signatures = 0
    page_number = 0
    for body in _children(package.xml(name), "DocBody"):
        doc_info = _child(body, "DocInfo")
        if doc_info is not None and not info:
            info = {key: _text(_child(doc_info, key)) for key in ("Title", "Author", "CreationDate")}
            for custom in _children(_child(doc_info, "CustomDatas"), "CustomData"):
                info[custom.get("Name", "")] = _text(custom)
            blocks += _metadata_blocks(info)
        if (signed := _text(_child(body, "Signatures"))) and (found := package.resolve("", signed)):
            signatures += sum(1 for e in package.xml(found).iter() if _local(e.tag) == "Signature")
        root = _text(_child(body, "DocRoot"))
        document_name = package.resolve("", root) if root else None
        if document_name is None:
            continue
        folder = posixpath.dirname(document_name)
        document = package.xml(document_name)
        common = _child(document, "CommonData")
        units: dict[str, Any] = {}
        for kind in ("PublicRes", "DocumentRes"):
            for resource in _children(common, kind):
                if found := package.resolve(folder, _text(resource)):
                    for unit in package.xml(found).iter():
                        if _local(unit.tag) == "CompositeGraphicUnit" and unit.get("ID"):
                            units[unit.get("ID")] = _child(unit, "Content")
        templates = {t.get("ID"): t.get("BaseLoc") for t in _children(common, "TemplatePage")}
        for page in _children(_child(document, "Pages"), "Page"):
            page_number += 1
            content = package.resolve(folder, page.get("BaseLoc", ""))
            if content is None:
                continue
            glyphs = _page_glyphs(package, content, units)
            for template in _children(package.xml(content), "Template"):  # headers, form labels
                location = templates.get(template.get("TemplateID"))
                if location and (found := package.resolve(folder, location)):
                    glyphs += _page_glyphs(package, found, units)
            blocks += [Block(text, page=page_number) for text in _paragraphs(_lines(glyphs))]
    return blocks, info, signatures


def _metadata_blocks(info: dict[str, str]) -> list[Block]:
    """The DocInfo fields as metadata lines: 文号, 发文机关 (when the author is an office, not the
    software that wrote the file, as it often is), 成文日期 (a custom field) or the file's creation
    date (which is not the document's date: the text's signature date is taken before it)."""
    lines = [info[key] for key in ("文号", "发文字号") if info.get(key)][:1]
    if is_authority(info.get("Author", "")):
        lines.append(f"发文机关：{info['Author']}")
    if info.get("成文日期"):
        lines.append(f"成文日期：{info['成文日期']}")
    elif created := info.get("CreationDate", "")[:10]:
        lines.append(f"文件创建日期：{created}")
    return [Block(line, "metadata") for line in lines]
