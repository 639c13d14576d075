"""A PDF page's text layer with positions (pypdfium2): runs of text placed on the page, footnotes apart.

Each character comes with its font size, baseline and advance box (PDF points, y turned to
grow downwards). Characters are gathered into runs: one line of one column, broken where
pdfium ends a line, where the baseline jumps or where a gap wider than one and a half
characters opens (a gutter), so two columns drawn row by row come out as separate runs for
``qa.ingest.layout`` to order.

**Footnotes**: small type at the foot of the page — runs at most 85% of the page's body size,
below its last body-size line — whose first row opens with a note mark (1, ①, [1], *) that
the body of the page holds as a superscript (a character at most 80% of its run's size,
raised). Each note is written out as "注1：…" and anchored in the run holding its mark, which
leaves the sentence; the paragraph that run ends up in is followed by the note. A note whose
mark is not found in the body (a mark typeset at body size) is anchored at the page's end.
Superscripts that are no note's mark (m², 10⁴ typeset raised) stay in the text.
"""

from __future__ import annotations

import ctypes
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from qa.ingest.blocks import join_lines
from qa.ingest.layout import Placed

PAGE_NUMBER = re.compile(
    r"^[-—–－\s]*(第\s*)?\d{1,4}(\s*页)?[-—–－\s]*$|^\d{1,4}\s*/\s*\d{1,4}$|^第\s*\d+\s*页\s*[,，/]?\s*共\s*\d+\s*页$"
)
_NOTE_MARK = re.compile(r"^(\d{1,3}|[①-⑳]|[⑴-⒇]|[\[［(（]\d{1,3}[\]］)）]|\*{1,3}|[†‡])\s*(?=\S)")
_MARK_CHARS = frozenset("0123456789*†‡[]［］()（）") | {chr(c) for c in range(0x2460, 0x2488)}
_GAP = 1.5  # characters of empty space that part two runs on one line (a gutter)
_SUPERSCRIPT = 0.8  # a mark's size at most this share of its run's
_RAISED = 0.15  # and its baseline raised by at least this share of the run's size
_SMALL = 0.85  # footnote type: at most this share of the page's body size
_NOTE_LEADING = 2.0  # a note's next row is at most this many of its sizes below


@dataclass(slots=True)
class _Char:
    text: str
    x0: float
    x1: float
    baseline: float
    size: float


@dataclass
class _Run:
    """Characters of one line of one column, as read; finished into text, marks and box."""

    chars: list[_Char] = field(default_factory=list)
    size: float = 0.0
    baseline: float = 0.0
    x1: float = 0.0  # the right edge of its last visible character
    reach: float = 0.0  # the right edge of its last character, typed spaces included
    start: float = 0.0  # the left edge of its last character

    def takes(self, char: _Char) -> bool:
        """Whether ``char`` continues this run: on its line, not back to the left (the two
        letters of a ligature share one box) and without a gutter before it."""
        scale = max(self.size, char.size)
        return (
            abs(char.baseline - self.baseline) <= 0.6 * scale
            and char.x0 >= self.start - 0.1 * scale
            and char.x0 - self.reach <= _GAP * scale
        )

    def add(self, char: _Char) -> None:
        self.chars.append(char)
        self.reach, self.start = char.x1, char.x0
        if char.text.strip():
            self.x1 = char.x1
            if char.size > self.size:
                self.size, self.baseline = char.size, char.baseline

    def marks(self) -> dict[int, str]:
        """Superscript marks inside the run (not at its start): index of the first char → mark."""
        found: dict[int, str] = {}
        start = None
        for i, char in enumerate(self.chars):
            raised = (
                char.size <= _SUPERSCRIPT * self.size and char.baseline <= self.baseline - _RAISED * self.size
            )
            if raised and char.text in _MARK_CHARS and i > 0:
                if start is None:
                    start = i
                    found[i] = ""
                found[start] += char.text
            else:
                start = None
        return found


def _key(mark: str) -> str:
    """A note mark without its brackets: "[1]" and "1" are one note's."""
    return mark.strip("[]［］()（）")


@dataclass(frozen=True)
class PageText:
    """One page's runs of body text and its footnotes, and the page's height (points)."""

    runs: tuple[Placed, ...]
    notes_at_end: tuple[str, ...]


def page_text(textpage: Any, height: float) -> PageText:
    """The runs and footnotes of one page from its pypdfium2 ``PdfTextPage``."""
    runs = _runs(textpage, height)
    body_size = _body_size(runs)
    notes = _footnotes(runs, body_size) if body_size else []
    noted = {id(run) for note in notes for run in note.runs}
    wanted = {note.mark: note for note in notes}
    anchored: set[str] = set()
    placed = []
    for run in runs:
        if id(run) in noted:
            continue
        marks = run.marks() if wanted else {}
        text, notes_here, skip = "", [], 0
        for i, char in enumerate(run.chars):
            if skip:
                skip -= 1
                continue
            mark = marks.get(i, "")
            if _key(mark) in wanted and _key(mark) not in anchored:
                anchored.add(_key(mark))
                notes_here.append(wanted[_key(mark)].text)
                skip = len(mark) - 1
            else:
                text += char.text
        if text.strip():
            visible = [c for c in run.chars if c.text.strip()]
            top = run.baseline - 0.85 * run.size
            placed.append(Placed(text.strip(), visible[0].x0, top, run.x1, top + run.size, tuple(notes_here)))
    at_end = tuple(note.text for note in notes if note.mark not in anchored)
    return PageText(tuple(placed), at_end)


def _runs(textpage: Any, height: float) -> list[_Run]:
    """The page's characters gathered into runs, in the order pdfium reads them."""
    import pypdfium2.raw as pdfium_c

    handle = textpage.raw
    x, y = ctypes.c_double(), ctypes.c_double()
    box = pdfium_c.FS_RECTF()
    box_ref = ctypes.byref(box)
    runs: list[_Run] = []
    current = _Run()
    for i in range(pdfium_c.FPDFText_CountChars(handle)):
        code = pdfium_c.FPDFText_GetUnicode(handle, i)
        generated = pdfium_c.FPDFText_IsGenerated(handle, i)
        if code == 0x02:  # a hyphen pdfium found at a line's end
            code = 0x2D
        if code in (0x0D, 0x0A, 0xFFFE, 0) or (generated and code != 0x20):
            if code in (0x0D, 0x0A) and current.chars:  # pdfium ends a line
                runs.append(current)
                current = _Run()
            continue
        if generated:  # a space pdfium puts where words stand apart
            if current.chars:
                current.chars.append(_Char(" ", current.reach, current.reach, current.baseline, 0.0))
            continue
        pdfium_c.FPDFText_GetLooseCharBox(handle, i, box_ref)
        pdfium_c.FPDFText_GetCharOrigin(handle, i, x, y)
        size = pdfium_c.FPDFText_GetFontSize(handle, i)
        char = _Char(chr(code), box.left, box.right, height - y.value, size)
        if not char.text.strip() and not current.chars:
            continue
        if current.chars and not current.takes(char):
            runs.append(current)
            current = _Run()
        current.add(char)
    if current.chars:
        runs.append(current)
    return [run for run in runs if run.size > 0]


def _body_size(runs: list[_Run]) -> float:
    """The font size most of the page's characters are set in (0 on a page without text)."""
    sizes: Counter[float] = Counter()
    for run in runs:
        sizes[round(run.size, 1)] += sum(1 for char in run.chars if char.text.strip())
    return sizes.most_common(1)[0][0] if sizes else 0.0


@dataclass(frozen=True)
class _Note:
    mark: str
    text: str
    runs: tuple[_Run, ...]


def _footnotes(runs: list[_Run], body_size: float) -> list[_Note]:
    """The footnotes at the foot of the page: small rows below the body, each opened by a mark."""
    body = [r for r in runs if r.size >= 0.9 * body_size and not PAGE_NUMBER.match(_text(r).strip())]
    if not body:
        return []
    floor = max(run.baseline for run in body)
    foot = [
        run
        for run in runs
        if run.size <= _SMALL * body_size
        and run.baseline - run.size > floor
        and not PAGE_NUMBER.match(_text(run).strip())
    ]
    if not foot:
        return []
    in_body = {_key(mark) for run in body for mark in run.marks().values()}
    notes: list[_Note] = []
    last_baseline = 0.0
    for row in _foot_rows(foot):
        text = " ".join(_text(run).strip() for run in row).strip()
        baseline = max(run.baseline for run in row)
        found = _NOTE_MARK.match(text)
        mark = _key(found.group(1)) if found else ""
        if found and _opens_note(mark, notes, in_body):
            body_text = text[found.end() :]
            notes.append(_Note(mark, f"注{mark}：{body_text}", tuple(row)))
        elif notes and baseline - last_baseline <= _NOTE_LEADING * row[0].size:
            last = notes[-1]
            notes[-1] = _Note(last.mark, join_lines(last.text, text), (*last.runs, *row))
        else:  # small type that opens with no mark, or stands apart: not a footnote
            break
        last_baseline = baseline
    return notes


def _opens_note(mark: str, notes: list[_Note], in_body: set[str]) -> bool:
    """Whether a foot row opening with ``mark`` starts a note: the body holds the mark, or (no
    superscript in the body) it is the first mark or follows the last one (2 after 1, ② after ①)."""
    if any(note.mark == mark for note in notes):
        return False
    if in_body:
        return mark in in_body
    if not notes:
        return True
    last = notes[-1].mark
    if last.isdecimal() and mark.isdecimal():
        return int(mark) == int(last) + 1
    return len(last) == len(mark) == 1 and ord(mark) == ord(last) + 1


def _foot_rows(runs: list[_Run]) -> list[list[_Run]]:
    """Runs at the foot of the page as rows, top to bottom, each left to right."""
    rows: list[list[_Run]] = []
    for run in sorted(runs, key=lambda run: run.baseline):
        if rows and abs(run.baseline - rows[-1][0].baseline) < 0.5 * run.size:
            rows[-1].append(run)
        else:
            rows.append([run])
    return [sorted(row, key=lambda run: run.chars[0].x0) for row in rows]


def _text(run: _Run) -> str:
    return "".join(char.text for char in run.chars)
