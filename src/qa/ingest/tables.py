"""Tables as text a question can find: one line per row, each cell beside its column header."""

from __future__ import annotations

from collections.abc import Sequence

_CELL_SEPARATOR = "；"
_HEADER_SEPARATOR = "："


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
