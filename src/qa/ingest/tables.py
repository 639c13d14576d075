"""Tables as text a question can find: one line per row, each cell beside its column header.

Three kinds of tables stand in documents: data tables (a header row, then records), form
tables of labels and values ("发文机关：| 国务院办公厅 | 成文日期：| 2019年1月3日"), which are
a document's metadata, and tables a web page uses only for layout, whose cells hold whole
paragraphs: those are text, not rows.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from qa.ingest.blocks import Block

_CELL_SEPARATOR = "；"
_HEADER_SEPARATOR = "："
# A cell this long is a paragraph: the table only lays out a page.
LAYOUT_CELL = 150
_LABEL = re.compile(r"^[^。！？，,；;]{1,12}[:：]$")


def is_layout(rows: Sequence[Sequence[str]]) -> bool:
    """A table whose cells hold paragraphs (a page laid out in a table), not records."""
    return any(len(cell) > LAYOUT_CELL for row in rows for cell in row)


def table_blocks(rows: Sequence[Sequence[str]]) -> list[Block]:
    """A table as blocks: data rows ``table_row`` lines, form rows metadata, a layout table its text.

    A form table (at least a third of its cells are labels ending in a colon, as in the
    information box above a government notice) pairs each label with the cell after it:
    "索引号：000014349/2018-00213；发文机关：国务院办公厅".
    """
    if is_layout(rows) or max((len(row) for row in rows), default=0) <= 1:  # not records: text
        return [Block(line) for row in rows for cell in row for line in cell.splitlines() if line.strip()]
    cells = [" ".join(cell.split()) for row in rows for cell in row if cell.strip()]
    labels = [cell for cell in cells if _LABEL.match(cell)]
    if cells and len(labels) * 3 >= len(cells) and len(rows) <= 12:
        return [Block(line, "metadata") for line in (_form_line(row) for row in rows) if line]
    return [Block(line, "table_row") for line in table_lines(rows)]


def _form_line(row: Sequence[str]) -> str:
    parts: list[str] = []
    for cell in (" ".join(c.split()) for c in row):
        if not cell:
            continue
        if parts and _LABEL.match(parts[-1]):
            parts[-1] += cell
        else:
            parts.append(re.sub(r"\s+", "", cell) if _LABEL.match(cell) else cell)
    return _CELL_SEPARATOR.join(part for part in parts if not _LABEL.match(part))


def table_lines(rows: Sequence[Sequence[str]], header_rows: int = 1) -> list[str]:
    """One line per row: ``"议题：老旧小区加装电梯；牵头专委会：城建环保委"``.

    The first ``header_rows`` rows (1 by default: the convention of Word, Markdown and
    HTML tables) name the columns; a header row is also kept as a line of its own, so no
    text of the table is lost. A cell without a header, or one that repeats its header,
    stands alone; empty cells are left out. A table of one column, or one row, is its cells.
    """
    rows = [[" ".join(cell.split()) for cell in row] for row in rows]
    rows = [row for row in rows if any(row)]
    if not rows:
        return []
    width = max(len(row) for row in rows)
    if width == 1 or len(rows) <= header_rows:
        return [_CELL_SEPARATOR.join(cell for cell in row if cell) for row in rows]
    header = [" ".join(part for part in column if part) for column in _columns(rows[:header_rows], width)]
    lines = [_CELL_SEPARATOR.join(name for name in header if name)]
    for row in rows[header_rows:]:
        cells = [
            cell if not name or name == cell else f"{name}{_HEADER_SEPARATOR}{cell}"
            for name, cell in zip(header, [*row, *[""] * (width - len(row))], strict=True)
            if cell
        ]
        lines.append(_CELL_SEPARATOR.join(cells))
    return [line for line in lines if line]


def _columns(rows: Sequence[Sequence[str]], width: int) -> list[list[str]]:
    padded = [[*row, *[""] * (width - len(row))] for row in rows]
    columns = [list(column) for column in zip(*padded, strict=True)]
    # A header cell merged across columns repeats; name the column once.
    return [[part for i, part in enumerate(column) if part not in column[:i]] for column in columns]
