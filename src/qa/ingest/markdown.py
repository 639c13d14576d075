"""Markdown: front matter, then one block per heading, paragraph, list item and table row."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from qa.ingest.blocks import Block, BlockKind, Extracted, join_lines
from qa.ingest.cleaning import HEADING_START
from qa.ingest.dates import find_date
from qa.ingest.decode import decode_bytes
from qa.ingest.tables import table_blocks

# Cleaning reads the date from a metadata line like this one and keeps it out of the body.
DATE_LINE = "发布时间：{}"
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(?P<yaml>.*?)\r?\n---[ \t]*(\r?\n|\Z)", re.DOTALL)
_FRONT_FIELD = re.compile(r"^(?P<key>title|date|标题|日期)\s*:\s*(?P<value>.+?)\s*$", re.MULTILINE)
_HTML_TAG = re.compile(r"<[^>]*>")
_ENDS_SENTENCE = re.compile(r"[。！？；：:!?]\s*$")


def read_markdown(data: bytes, source: str) -> Extracted:
    """Front matter title and date first, then one line per block; tables a line per row.

    Without a front matter title, a ``#`` heading that opens the text and is its only one is the title.
    """
    from markdown_it import MarkdownIt

    text = decode_bytes(data, source)
    blocks: list[Block] = []
    title = ""
    if front := _FRONT_MATTER.match(text):
        fields = {m["key"]: m["value"].strip("'\"") for m in _FRONT_FIELD.finditer(front["yaml"])}
        if title := fields.get("title") or fields.get("标题") or "":
            blocks.append(Block(title, "heading"))
        if date := find_date(fields.get("date") or fields.get("日期") or ""):
            blocks.append(Block(DATE_LINE.format(date), "metadata"))
        text = text[front.end() :]
    number = ""  # the marker of an ordered list item ("3."), kept in front of its text
    first_block, heading_tag, in_item = len(blocks), "", False
    h1s: list[int] = []  # the blocks that are "#" headings
    table: list[list[str]] | None = None
    for token in MarkdownIt("commonmark").enable(["table", "strikethrough"]).parse(text):
        if token.type == "list_item_open":
            number, in_item = (f"{token.info}{token.markup} " if token.info else ""), True
        elif token.type == "list_item_close":
            in_item = False
        elif token.type in ("heading_open", "heading_close"):
            heading_tag = token.tag if token.type == "heading_open" else ""
        elif token.type == "table_open":
            table = []
        elif token.type == "table_close" and table is not None:
            blocks.extend(table_blocks(table))
            table = None
        elif token.type == "tr_open" and table is not None:
            table.append([])
        elif token.type == "inline" and table is not None:
            table[-1].append(_inline(token.children or []))
        elif token.type == "inline":  # a heading, paragraph or list item: one block each
            kind: BlockKind = "heading" if heading_tag else "list_item" if in_item else "text"
            blocks.append(Block(number + _inline(token.children or []), kind))
            number = ""
            h1s.extend([len(blocks) - 1] if heading_tag == "h1" else [])
        elif token.type in ("fence", "code_block"):  # an indented Chinese paragraph parses as code
            blocks.append(Block(token.content))
        elif token.type == "html_block":
            blocks.append(Block(_HTML_TAG.sub("", token.content)))
    if not title and h1s == [first_block] and not HEADING_START.match(blocks[first_block].text):
        title = blocks[first_block].text
    return Extracted.of_blocks(blocks, title.strip() or None)


def _inline(children: Iterable[Any]) -> str:
    text, soft_break = "", False
    for child in children:
        if child.type == "softbreak" and _ENDS_SENTENCE.search(text):
            text, soft_break = text + "\n", False  # Chinese text with a line a paragraph
        elif child.type == "softbreak":
            soft_break = True
        elif child.type == "hardbreak" or (child.type == "html_inline" and child.content.startswith("<br")):
            text, soft_break = text + "\n", False
        elif child.type in ("text", "code_inline"):  # images, raw HTML and link targets are dropped
            text = join_lines(text.rstrip(), child.content.lstrip()) if soft_break else text + child.content
            soft_break = False
    return text
