"""Spreadsheets (.xlsx, .xls, .et, .csv): each sheet's rows as lines keeping every cell beside its header.

As ``.docx`` tables are read (``qa.ingest.tables``):
"案号：20240045；标题：关于…的提案；承办单位：市住房城乡建设局",
so a question about one proposal finds its row. The header row is the first row (of the
first ten) that fills most of the sheet's columns with short labels, so a title row merged
above it ("2024年提案办理情况表") is read as the sheet's heading, not as the header. A cell
merged down several rows (one 承办单位 for two proposals) is carried into each of them. The
sheet's name is a heading before its rows (not the default "Sheet1"). .xlsx is read by
openpyxl, .xls/.et (BIFF8, what Excel 97–2003 and WPS 表格 write) by xlrd (2 ms a file, where
LibreOffice takes 3 s), an .ods through LibreOffice (``qa.ingest.convert``); an .et in the pre-2005
Kingsoft format is refused by name; .csv is decoded like a .txt (GBK as Excel
on Chinese Windows saves it) and split by its delimiter.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Sequence

from qa.errors import DocumentError
from qa.ingest.blocks import Block, Extracted, Reading, stored_title
from qa.ingest.decode import decode_bytes
from qa.ingest.tables import table_lines

_HEADER_REACH = 10  # rows searched for the header
_LABEL_CHARS = 30  # a header cell is a short label
_DEFAULT_SHEET = re.compile(r"^(sheet|工作表|表)\s*\d*$", re.I)
_NUMBER = re.compile(r"^[-+]?[\d,.%]+$")
# Above this size an .xlsx is read streaming (openpyxl's read-only mode: merged cells are not carried).
_STREAM_BYTES = 16 * 2**20


def sheet_blocks(name: str, rows: Sequence[Sequence[str]]) -> list[Block]:
    """One sheet as blocks: its name and title rows as headings, then a ``table_row`` line per row."""
    rows = [_trimmed(row) for row in rows]
    rows = [row for row in rows if row]
    blocks = [Block(name, "heading")] if name and not _DEFAULT_SHEET.match(name.strip()) else []
    if not rows:
        return blocks
    header = header_row(rows)
    for row in rows[:header]:  # a title, "填报单位：…", above the header
        cells = list(dict.fromkeys(cell for cell in row if cell))
        blocks.append(Block("；".join(cells), "heading" if len(cells) == 1 else "text"))
    body = rows[header:]
    if max(len(row) for row in body) == 1:
        return blocks + [Block(row[0], "text") for row in body]
    return blocks + [Block(line, "table_row") for line in table_lines(body)]


def header_row(rows: Sequence[Sequence[str]]) -> int:
    """The index of the header row: the first of the first ten that fills at least 60% of the
    sheet's columns (and two) with short labels that are not numbers; 0 when none does."""
    width = max(sum(1 for cell in row if cell) for row in rows)
    for i, row in enumerate(rows[:_HEADER_REACH]):
        cells = [cell for cell in row if cell]
        labels = [c for c in cells if len(c) <= _LABEL_CHARS and not _NUMBER.match(c)]
        if len(cells) >= max(2, 0.6 * width) and len(labels) == len(cells) and len(set(cells)) == len(cells):
            return i
    return 0


def _trimmed(row: Sequence[str]) -> list[str]:
    cells = [" ".join(cell.split()) for cell in row]
    while cells and not cells[-1]:
        cells.pop()
    return cells if any(cells) else []


def cell_text(value: object) -> str:
    """A cell's value as text: whole numbers without ".0", dates as 2024-05-16, nothing for None."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else f"{value:g}"
    if isinstance(value, dt.datetime):
        return (
            value.strftime("%Y-%m-%d %H:%M") if (value.hour, value.minute) != (0, 0) else f"{value:%Y-%m-%d}"
        )
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def carry_merged(rows: list[list[str]], merges: Sequence[tuple[int, int, int, int]]) -> None:
    """Fill the rows below the top of each merged range (first row, last row, first column,
    last column; 0-based, inclusive) with its value, in the range's first column."""
    for top, bottom, left, _right in merges:
        if top >= len(rows) or left >= len(rows[top]) or not rows[top][left]:
            continue
        for r in range(top + 1, min(bottom, len(rows) - 1) + 1):
            rows[r].extend([""] * (left + 1 - len(rows[r])))
            rows[r][left] = rows[r][left] or rows[top][left]


def read_xlsx(data: bytes, source: str) -> Extracted:
    """An .xlsx workbook (openpyxl, cached formula values), every sheet in order."""
    import openpyxl

    streaming = len(data) > _STREAM_BYTES
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=streaming, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged package
        raise DocumentError(
            f"{source}: is not a readable .xlsx workbook ({type(exc).__name__}: {exc})."
        ) from exc
    blocks: list[Block] = []
    for sheet in book.worksheets:
        rows = [[cell_text(value) for value in row] for row in sheet.iter_rows(values_only=True)]
        if not streaming:
            merges = [
                (m.min_row - 1, m.max_row - 1, m.min_col - 1, m.max_col - 1)
                for m in sheet.merged_cells.ranges
            ]
            carry_merged(rows, merges)
        blocks += sheet_blocks(sheet.title, rows)
    title = stored_title(book.properties.title)
    notes = ("read streaming: merged cells not carried",) if streaming else ()
    reading = Reading(reader=f"openpyxl {openpyxl.__version__}", notes=notes)
    return _extracted(blocks, title, reading, source)


def read_xls(data: bytes, source: str, reader: str = "") -> Extracted:
    """An Excel 97–2003 (BIFF8) workbook, .xls or WPS .et, by xlrd with its merged cells."""
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True)
    except xlrd.XLRDError as exc:
        raise DocumentError(f"{source}: is not a readable Excel 97–2003 workbook ({exc}).") from exc
    blocks: list[Block] = []
    for index in range(book.nsheets):
        sheet = book.sheet_by_index(index)
        rows = [[_xls_cell(book, sheet.cell(r, c)) for c in range(sheet.ncols)] for r in range(sheet.nrows)]
        carry_merged(
            rows, [(top, bottom - 1, left, right - 1) for top, bottom, left, right in sheet.merged_cells]
        )
        blocks += sheet_blocks(sheet.name, rows)
        book.unload_sheet(index)
    return _extracted(blocks, "", Reading(reader=reader or f"xlrd {xlrd.__version__}"), source)


def _xls_cell(book: object, cell: object) -> str:
    import xlrd

    kind, value = getattr(cell, "ctype", 0), getattr(cell, "value", "")
    if kind == xlrd.XL_CELL_DATE:
        try:
            return cell_text(xlrd.xldate_as_datetime(value, getattr(book, "datemode", 0)))
        except (ValueError, OverflowError):
            return cell_text(value)
    if kind == xlrd.XL_CELL_BOOLEAN:
        return cell_text(bool(value))
    if kind == xlrd.XL_CELL_ERROR:
        return ""
    return cell_text(value)


def read_csv(data: bytes, source: str) -> Extracted:
    """A .csv file: decoded like a .txt, split by its delimiter (comma, tab, semicolon or bar)."""
    text = decode_bytes(data, source)
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:8192], delimiters=",\t;|")
    except csv.Error:
        dialect = csv.excel
    rows = [[cell for cell in row] for row in csv.reader(io.StringIO(text), dialect)]
    return _extracted(sheet_blocks("", rows), "", Reading(reader="Python csv"), source)


def _extracted(blocks: list[Block], title: str, reading: Reading, source: str) -> Extracted:
    if not any(block.kind == "table_row" or block.kind == "text" for block in blocks):
        raise DocumentError(f"{source}: the spreadsheet has no filled cells.")
    return Extracted.of_blocks(blocks, title or None, reading=reading)
