"""Reading order of text placed on a page: runs with boxes in, rows of text out.

Shared by the PDF text layer (``qa.ingest.pdf_text``: runs of characters with their boxes)
and OCR (``qa.ingest.scan``: recognised lines). A two-column page is read column by column
(a run across the gutter, such as a title, closes the columns above it), runs of one row are
joined left to right, and a row indented by more than a character starts a paragraph. Each
row also says whether it falls short of its column's right edge (a paragraph's last line)
and carries the footnotes anchored in it, so ``qa.ingest.pdf.paged_paragraphs`` can rejoin
paragraphs by position and put each note after its paragraph.
"""

from __future__ import annotations

import itertools
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

_LATIN = re.compile(r"[0-9A-Za-z]")


@dataclass(frozen=True)
class Placed:
    """A run of text and its box on the page (any unit; y grows downwards), with the notes
    (already written out, "注1：…") whose reference mark stands in it."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Row:
    """One row of a page in reading order.

    ``short`` is True when the row falls a fifth of its column short of the column's right
    edge (or is made of pieces far apart: a running header and its page number), None when
    positions are unknown (then line widths decide); ``notes`` are the footnotes anchored in
    the row, placed after the paragraph it ends up in.
    """

    text: str
    indented: bool = False
    short: bool | None = None
    notes: tuple[str, ...] = ()

    @classmethod
    def of_line(cls, line: str) -> Row:
        """A row from a line of plain text: leading whitespace means indented."""
        return cls(line.strip(), indented=line[:1].isspace())


def reading_rows(runs: Sequence[Placed]) -> list[Row]:
    """The page's rows in reading order (empty runs ignored)."""
    runs = [run for run in runs if run.text.strip()]
    if not runs:
        return []
    height = statistics.median(run.y1 - run.y0 for run in runs)
    rows: list[Row] = []
    for group, right_edge in _reading_groups(runs, height):
        rows += _rows(group, height, right_edge)
    return rows


def _reading_groups(runs: list[Placed], height: float) -> list[tuple[list[Placed], float]]:
    """The runs in groups read one after another, each with its column's right edge: bands
    between full-width runs, and in a band of a two-column page the left column, then the right."""
    left_edge = min(run.x0 for run in runs)
    right_edge = max(run.x1 for run in runs)
    middle = (left_edge + right_edge) / 2
    left = [run for run in runs if run.x1 < middle + height / 2]
    right = [run for run in runs if run.x0 > middle - height / 2 and run not in left]
    two_columns = min(len(left), len(right)) >= 3 and len(left) + len(right) >= 0.6 * len(runs)
    ordered = sorted(runs, key=lambda run: (run.y0, run.x0))
    if not two_columns:
        return [(ordered, right_edge)]
    edges = (max(run.x1 for run in left), right_edge)
    groups: list[tuple[list[Placed], float]] = []
    band: list[Placed] = []

    def close_band() -> None:
        columns = ([x for x in band if x in left], [x for x in band if x in right])
        groups.extend((column, edge) for column, edge in zip(columns, edges, strict=True) if column)
        band.clear()

    for run in ordered:
        if run in left or run in right:
            band.append(run)
        else:  # across the gutter: a title or a full-width paragraph
            close_band()
            groups.append(([run], right_edge))
    close_band()
    return groups


def _rows(runs: list[Placed], height: float, right_edge: float) -> list[Row]:
    """The runs of one column as rows (runs at one height joined left to right)."""
    rows: list[list[Placed]] = []
    for run in sorted(runs, key=lambda run: (run.y0 + run.y1) / 2):
        centre = (run.y0 + run.y1) / 2
        if rows and abs(centre - statistics.fmean((x.y0 + x.y1) / 2 for x in rows[-1])) < height / 2:
            rows[-1].append(run)
        else:
            rows.append([run])
    for row in rows:
        row.sort(key=lambda run: run.x0)
    margin = sorted(row[0].x0 for row in rows)[len(rows) // 10]
    ends = [row[-1].x1 for row in rows]
    starts = [row[0].x0 for row in rows]
    found = []
    for i, row in enumerate(rows):
        text = row[0].text.strip()
        apart = False  # pieces far apart: a running header and its page number, a table's cells
        for before, after in itertools.pairwise(row):
            gap = after.x0 - before.x1
            apart = apart or gap > 3 * height
            latin = _LATIN.match(text[-1:]) and _LATIN.match(after.text.strip()[:1])
            text += (
                " " if gap > 1.5 * height or (latin and gap > 0.15 * height) else ""
            ) + after.text.strip()
        # short by a fifth of its column (ragged-right lines vary by less)
        short = apart or ends[i] - margin < 0.8 * (right_edge - margin)
        # a full row indented like the row below it is a line of an indented block, not a first line
        block = not short and i + 1 < len(rows) and abs(starts[i + 1] - starts[i]) < height / 2
        found.append(
            Row(
                text,
                indented=starts[i] - margin >= 1.2 * height and not block,
                short=short,
                notes=tuple(note for run in row for note in run.notes),
            )
        )
    return found
