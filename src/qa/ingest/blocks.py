"""What a format reader hands to cleaning: the file's text as typed blocks, one a line.

After unstructured's elements: a reader only extracts; it says what each block is (a
table row, a heading, a list item, a metadata line, or plain text it cannot tell), and
cleaning decides on kinds instead of guessing from the words. Text a reader itself
recognises as page furniture (a PDF's running header, a Word page footer) is handed over
as a ``Removal`` so the cleaning report can account for it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

BlockKind = Literal["text", "heading", "list_item", "table_row", "metadata", "note"]
# Blocks the format itself marks as content: never taken for site furniture by their words.
STRUCTURED: frozenset[str] = frozenset({"heading", "list_item", "table_row", "note"})

_LATIN_EDGE = re.compile(r"[0-9A-Za-z]")
_WORD_TITLE = re.compile(r"^Microsoft (Word|PowerPoint) - |\.(docx?|wps|pdf)$", re.I)


@dataclass(frozen=True)
class Block:
    """One line of a document: a paragraph, heading, list item, table row or metadata line."""

    text: str
    kind: BlockKind = "text"


@dataclass(frozen=True)
class Removal:
    """Text taken out of a document, and the name of the rule that took it."""

    rule: str
    text: str


@dataclass(frozen=True)
class Extracted:
    """A file's text, one block a line, the title its format stores, and what its reader removed.

    ``text`` is what character offsets point into: the decoded file for .txt, the blocks
    joined by newlines otherwise. ``kinds`` maps the start offset of a line to its kind
    (lines not in it are plain ``"text"``).
    """

    text: str
    title: str | None = None
    kinds: dict[int, BlockKind] = field(default_factory=dict)
    removed: tuple[Removal, ...] = ()

    @classmethod
    def of_blocks(
        cls, blocks: list[Block], title: str | None = None, removed: tuple[Removal, ...] = ()
    ) -> Extracted:
        """Join ``blocks`` into one text, a line each (empty ones dropped, inner newlines split)."""
        lines: list[str] = []
        kinds: dict[int, BlockKind] = {}
        position = 0
        for block in blocks:
            for line in block.text.splitlines():
                line = line.strip()
                if not line:
                    continue
                if block.kind != "text":
                    kinds[position] = block.kind
                lines.append(line)
                position += len(line) + 1
        return cls("\n".join(lines), title or None, kinds, removed)


def join_lines(left: str, right: str) -> str:
    """Join two pieces of one paragraph: Chinese runs on directly, Latin words get a space."""
    if left and right and _LATIN_EDGE.match(left[-1]) and _LATIN_EDGE.match(right[0]):
        return f"{left} {right}"
    return left + right


def stored_title(title: str | None) -> str:
    """The title a file's properties store, when it is a real one ("untitled", "Document" are not)."""
    title = _WORD_TITLE.sub("", title or "").strip()
    return title if any("\u4e00" <= char <= "\u9fff" for char in title) else ""
