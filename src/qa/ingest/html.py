"""HTML pages: trafilatura's main text, the title and the publication date."""

from __future__ import annotations

import re
from typing import Any

from qa.errors import DocumentError
from qa.ingest.blocks import Block, Extracted, Reading
from qa.ingest.dates import find_date
from qa.ingest.decode import decode_html
from qa.ingest.markdown import DATE_LINE
from qa.ingest.tables import is_layout, table_blocks

_XML_DECLARATION = re.compile(r"\A\s*<\?xml[^>]*\?>")
# "题目_栏目_网站", "题目 - 网站", "题目-网站": a hyphen between Chinese words separates too.
_TITLE_SEPARATORS = re.compile(r"\s*[_|｜]\s*|\s+[-–—]\s+|(?<=[^\x00-\x7f])-(?=[^\x00-\x7f])")
_DATE_METAS = ("pubdate", "publishdate", "publish_date", "publishtime", "article:published_time", "dc.date")
_BLOCKS = frozenset({"p", "head", "item", "cell", "quote", "code", "list", "table", "row", "div"})


def read_html(data: bytes, source: str) -> Extracted:
    """The main text of a page (trafilatura), with its title and date as the first lines."""
    import lxml.html
    import trafilatura
    from lxml import etree

    text = _XML_DECLARATION.sub("", decode_html(data, source))
    try:
        tree = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        raise DocumentError(f"{source}: is not a readable HTML page ({exc}).") from exc
    for element in tree.xpath("//script|//style|//noscript"):
        element.drop_tree()
    title = _html_title(tree)
    date = _html_date(tree, title)
    xml = trafilatura.extract(
        tree,
        output_format="xml",
        include_tables=True,
        include_comments=False,
        include_images=False,
        include_links=False,
        deduplicate=False,
        with_metadata=False,
    )
    if not xml:
        raise DocumentError(f"{source}: no main text found in the page (only menus, links or an empty body).")
    blocks = [Block(title, "heading")] if title else []
    blocks += [Block(DATE_LINE.format(date), "metadata")] if date else []
    reading = Reading(reader=f"trafilatura {trafilatura.__version__}")
    return Extracted.of_blocks([*blocks, *_xml_blocks(etree.fromstring(xml))], title or None, reading=reading)


def _html_title(tree: Any) -> str:
    """og:title, else a heading that the page's <title> repeats, else the longest part of <title>."""
    if og := " ".join(tree.xpath("string(//meta[@property='og:title']/@content)").split()):
        return og
    page_title = " ".join(tree.findtext(".//title", "").split())
    headings = [" ".join(h.text_content().split()) for h in tree.iter("h1", "h2", "h3")]
    headings = [h for h in headings if h]
    if repeated := [h for h in headings if len(h) >= 4 and h in page_title]:
        return repeated[0]
    parts = sorted(_TITLE_SEPARATORS.split(page_title), key=len, reverse=True)
    return parts[0] or next(iter(headings), "")


def _html_date(tree: Any, title: str) -> str | None:
    """The publication date from the page's meta tags, else the first date right below its title."""
    for meta in tree.iter("meta"):
        name = (meta.get("name") or meta.get("property") or meta.get("itemprop") or "").lower()
        if name in _DATE_METAS and (found := find_date(meta.get("content") or "")):
            return found
    if (time := tree.find(".//time")) is not None and (found := find_date(time.get("datetime") or "")):
        return found
    body = tree.find("body")
    lines = [" ".join(t.split()) for t in (body.itertext() if body is not None else [])]
    lines = [line for line in lines if line]
    start = next(
        (i for i, line in enumerate(lines) if title and title in line and len(line) < len(title) + 20), None
    )
    if start is None:
        return None  # a date in a menu bar ("今天是…") is the day of the visit, not of the speech
    for line in lines[start + 1 : start + 8]:
        if (found := find_date(line)) and len(found) == 10:
            return found
    return None


def _xml_blocks(root: Any) -> list[Block]:
    """trafilatura's XML as blocks: a line per paragraph, heading or list item, a table a line per row."""
    blocks: list[Block] = []
    parts: list[str] = []

    def flush(kind: str = "text") -> None:
        for line in "".join(parts).splitlines():
            if line := " ".join(line.split()):
                blocks.append(Block(line, kind))  # type: ignore[arg-type]
        parts.clear()

    def walk(element: Any) -> None:
        if element.tag == "table":
            rows = [[" ".join(cell.itertext()) for cell in row.iter("cell")] for row in element.iter("row")]
            if not is_layout(rows):  # a layout table's cells are walked as the page's text
                flush()
                blocks.extend(table_blocks(rows))
                parts.append(element.tail or "")
                return
        block = element.tag in _BLOCKS
        if block:
            flush()
        elif element.tag == "lb":
            parts.append("\n")
        parts.append(element.text or "")
        for child in element:
            walk(child)
        if block:
            flush("heading" if element.tag == "head" else "list_item" if element.tag == "item" else "text")
        parts.append(element.tail or "")

    walk(root)
    flush()
    return blocks
