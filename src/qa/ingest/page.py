"""Clean one document: title, date, metadata and body, with an account of every removed line.

Cleaning removes only what a named rule positively recognises, and keeps everything else
(after Haystack's ``DocumentCleaner``: independent named steps). The rules:

* ``site-furniture``, ``short-furniture``, ``navigation``: lines that read as site furniture
  by their words (``qa.ingest.cleaning.furniture_rule``), never a table row, heading or list
  item a format marks as such, and only the unmistakable markers on a long line of prose;
* ``end-of-content``: a "预览结束" / "展开阅读全文" prompt below the first line of prose, and
  everything after it;
* ``page-header`` / ``page-footer``: the short link-like lines (menus, link lists) above the
  title or below the last paragraph, when they stand next to recognised furniture;
* ``salutation``, ``repeated-title``, ``word-count``, ``page-fragment-number``: the
  salutation line, the title repeated at the start of the body, "(1857字)" markers, and the
  numbers of page fragments that are joined back into sentences;
* ``collection-furniture``: lines the caller found repeated across many documents;
* what the format reader removed (a PDF's running headers and page numbers);
* ``moved-to-metadata``: the lines that became the document's metadata (below), which no
  passage holds; when nothing would be left for the body (a one-line notice read as a
  publication field), the metadata lines stay body instead.

A rule that would remove more than two thirds of a document's characters is wrong for that
document: it is suspended, its lines are kept, and the report says so. Title, date,
speaker, subtitle and publication lines, and an official document's number, masthead,
addressees and signature block (``qa.ingest.official``), become the document's title and
metadata, not body. Spaced-out characters and long runs are made into paragraphs first
(``qa.ingest.lines``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from qa.ingest.blocks import STRUCTURED, BlockKind, Reading, Removal
from qa.ingest.cleaning import (
    END_OF_CONTENT,
    FILE_EXTENSION,
    HEADING_START,
    SALUTATION,
    find_date,
    find_title,
    furniture_rule,
    is_closing,
    is_date_line,
    is_prose,
    is_speaker,
    join_page_fragments,
    line_key,
    metadata_under_title,
    normalise_spaces,
    page_date,
    strip_repeated_title,
    subtitle_of,
    tidy,
)
from qa.ingest.lines import despace, split_run
from qa.ingest.official import is_addressees, is_authority, is_document_number
from qa.ingest.report import CleaningReport, chars
from qa.ingest.titles import session_year
from qa.ingest.tracked import TrackedText, source_lines

# What turns a line into metadata (the document's 文号, 发文机关, 日期…): out of the body, so a
# removal the report counts by this name.
MOVED_TO_METADATA = "moved-to-metadata"
# A rule that would remove more than this share of a document's characters is suspended
# (on the seeds no rule removes more than 22%).
SUSPEND_SHARE = 2 / 3
# Menus and link lists are short lines without sentence punctuation.
_LINK_MAX = 30
_INNER_PUNCTUATION = re.compile(r"[。！？；，,!?;：:]")
# The signature block's date is among a document's last lines (notes such as "（此件公开发布）" may follow).
_SIGNATURE_REACH = 4
_NOTE = re.compile(r"^[(（][^()（）]{1,30}[)）]$")  # "（此件公开发布）" under a signature
_WRITTEN_ON = re.compile(r"(成文日期|发文日期|印发日期)\s*[:：]")
_SENTENCE_OR_LEAD_END = re.compile(r"[。！？!?：:；;]$")


@dataclass(frozen=True)
class CleanDocument:
    """What cleaning keeps of a document: title, date, metadata lines and body paragraphs."""

    title: str
    date: str | None
    paragraphs: list[TrackedText]
    metadata: dict[str, str] = field(default_factory=dict)
    report: CleaningReport = field(default_factory=lambda: CleaningReport(0, 0, 0))
    edge_keys: frozenset[str] = frozenset()  # ``line_key`` of the lines above and below the body
    reading: Reading = field(default_factory=Reading)  # how the file was read (``qa.ingest.blocks``)


@dataclass
class _Line:
    text: TrackedText
    kind: BlockKind
    decision: str | None = None  # None: body; "title", "metadata", or the rule that removes it


def clean_page(
    text: str,
    fallback_title: str,
    known_title: str | None = None,
    kinds: Mapping[int, BlockKind] | None = None,
    reader_removals: Iterable[Removal] = (),
    collection_furniture: frozenset[str] = frozenset(),
) -> CleanDocument:
    """Title, date, metadata and body paragraphs of a document's text, and the cleaning report.

    ``known_title`` is a title the file's format stores (Word properties, Markdown front
    matter, og:title): it is the title whatever its words, and its line is not body.
    ``kinds`` gives the block kind of a line by its start offset (``Extracted.kinds``);
    ``reader_removals`` is what the format reader already removed; a line whose text is in
    ``collection_furniture`` is removed as repeated across the collection.
    """
    kinds = kinds or {}
    lines: list[_Line] = []
    for raw in source_lines(normalise_spaces(text)):
        if raw.text.strip():
            kind = kinds.get(raw.start, "text")
            pieces = [raw.strip()] if kind in STRUCTURED else split_run(despace(raw.strip()))
            lines += [_Line(piece, kind) for piece in pieces]
    texts = [line.text.text for line in lines]
    title, title_lines = find_title(texts, known_title)
    title_index = title_lines[-1] if title_lines else None
    head, subtitles = metadata_under_title(texts, title_index, title)
    date = page_date(texts, head, title)
    for i in title_lines:
        lines[i].decision = "title"
    for i, line in enumerate(lines):
        if i in head or line.kind == "metadata":
            line.decision = "metadata"
    signed = _official_parts(lines, title_lines)
    written = [found for line in lines if line.decision == "metadata" and (found := _written_date(line))]
    date = written[0] if written else date
    if signed and (date is None or len(date) < len(signed)):  # a full date beats a bare year
        date = signed
    for line in lines:
        if line.decision is None:
            line.decision = furniture_rule(line.text.text, line.kind, collection_furniture)
    _end_of_content(lines)
    anchor = title_index if title_index is not None else _first_prose(lines, 0)
    _furniture_zone(lines, range(anchor - 1, -1, -1) if anchor is not None else range(0), "page-header")
    _furniture_zone(lines, range(len(lines) - 1, -1, -1), "page-footer")
    for line in lines:
        if line.decision is None and SALUTATION.match(line.text.text):
            line.decision = "salutation"
    read = chars(normalise_spaces(text)) + sum(chars(r.text) for r in reader_removals)
    suspended = _suspend_greedy_rules(lines, read)
    if not any(line.decision is None for line in lines):  # a one-line notice: its text is its body
        for line in lines:
            if line.decision == "metadata":
                line.decision = None
    edges = _edge_keys(lines)

    removals = [*reader_removals]
    body = [line.text for line in lines if line.decision is None]
    body, fragment_numbers = join_page_fragments(body)
    removals += [Removal("page-fragment-number", number) for number in fragment_numbers]
    tidied = [tidy(line) for line in body]
    removals += [removal for _, found in tidied for removal in found]
    body = [line for line, _ in tidied]
    title = title or FILE_EXTENSION.sub("", fallback_title)
    date = date or find_date(title) or session_year(title)
    if body:
        stripped = strip_repeated_title(body[0], title)
        if len(stripped) < len(body[0]):
            removals.append(Removal("repeated-title", body[0].text[: len(body[0]) - len(stripped)]))
        body[0] = stripped
    body = [line for line in body if line.text]
    for subtitle in subtitles[:1]:  # cited together: "正标题——在…上的讲话"
        title = subtitle if title in subtitle else title if subtitle in title else f"{title}——{subtitle}"
    removals += [Removal(line.decision or "", line.text.text) for line in lines if _is_removed(line)]
    removed: Counter[str] = Counter()
    for removal in removals:
        removed[removal.rule] += chars(removal.text)
    metadata_lines = [line.text.text for line in lines if line.decision == "metadata"]
    for moved in metadata_lines:  # out of the body (so out of every passage): a removal like any
        removed[MOVED_TO_METADATA] += chars(moved)
        removals.append(Removal(MOVED_TO_METADATA, moved))
    title_text = "".join(lines[i].text.text for i in title_lines if lines[i].decision == "title")
    report = CleaningReport(
        chars_read=read,
        chars_kept=chars(title_text) + sum(chars(line.text) for line in body),
        paragraphs=len(body),
        removed=dict(removed),
        removals=tuple(removals),
        suspended=suspended,
    )
    return CleanDocument(title, date, body, _labelled(metadata_lines, subtitles), report, edges)


def _official_parts(lines: list[_Line], title_lines: list[int]) -> str | None:
    """Mark a 公文's masthead, document number and signature block as metadata; the signing date.

    Above the title (or above the first prose line, without one) only an issuing authority
    or a document number line; under the title, a document number and the addressees
    (主送: "各区财政局："); near the end, a date line (perhaps with one to three authority
    lines above it, and a note such as "（此件公开发布）" after it) closing the body.
    """
    top = title_lines[0] if title_lines else _first_prose(lines, 0)
    bottom = title_lines[-1] if title_lines else None
    for i, line in enumerate(lines[: max(top or 0, bottom or 0) + 4]):
        text = line.text.text
        if line.decision is not None:
            continue
        above = top is not None and i < top
        below = bottom is not None and i > bottom
        addressees = below and is_addressees(text) and not SALUTATION.match(text)
        if (
            (above and (is_authority(text) or is_document_number(text)))
            or addressees
            or (below and is_document_number(text))
        ):
            line.decision = "metadata"
    body = [line for line in lines if line.decision is None]
    tail = body[-_SIGNATURE_REACH:]
    texts = [line.text.text for line in tail]
    dated = [i for i, text in enumerate(texts) if is_date_line(text) and text[0] not in "(（"]
    if not dated or not all(_NOTE.match(text) for text in texts[dated[-1] + 1 :]):
        return None
    signed = tail[dated[-1]]
    signed.decision = "metadata"
    for line in reversed(tail[max(dated[-1] - 3, 0) : dated[-1]]):
        if not is_authority(line.text.text):
            break
        line.decision = "metadata"
    return find_date(signed.text.text)


def _written_date(line: _Line) -> str | None:
    """The date a form states the document was written or issued on ("成文日期：2019年1月3日")."""
    match = _WRITTEN_ON.search(line.text.text)
    return find_date(line.text.text[match.end() :]) if match else None


def _labelled(lines: list[str], subtitles: list[str]) -> dict[str, str]:
    """Metadata lines under names a reader knows: 文号, 发文机关, 主送, 日期, 讲话人, 副标题, 发布信息."""
    fields: dict[str, list[str]] = {}
    for line in lines:
        if is_document_number(line):
            name = "文号"
        elif is_authority(line):
            name = "发文机关"
        elif is_addressees(line):
            name = "主送"
        elif is_date_line(line):
            name = "日期"
        elif is_speaker(line):
            name = "讲话人"
        elif line in subtitles or subtitle_of(line):
            name = "副标题"
        else:
            name = "发布信息"
        fields.setdefault(name, []).append(line)
    return {name: "；".join(dict.fromkeys(values)) for name, values in fields.items()}


def _edge_keys(lines: list[_Line]) -> frozenset[str]:
    """Keys of the lines above the first and below the last line of prose that could be a site's furniture.

    Numbered headings, sentences, salutations, dates, closings, speakers and authority lines
    are left out: many documents of one collection share them as content or metadata.
    """
    prose = [i for i, line in enumerate(lines) if not _is_removed(line) and is_prose(line.text.text)]
    if not prose:
        return frozenset()
    keys = set()
    for i, line in enumerate(lines):
        text = line.text.text
        if prose[0] <= i <= prose[-1] or line.decision in ("title", "metadata") or line.kind in STRUCTURED:
            continue
        if (
            len(text) < 2
            or len(text) > 200
            or HEADING_START.match(text)
            or _SENTENCE_OR_LEAD_END.search(text)
        ):
            continue
        if is_date_line(text) or is_closing(text) or is_authority(text) or is_speaker(text):
            continue
        keys.add(line_key(text))
    return frozenset(keys)


def _is_removed(line: _Line) -> bool:
    return line.decision not in (None, "title", "metadata")


def _first_prose(lines: list[_Line], start: int) -> int | None:
    return next(
        (i for i in range(start, len(lines)) if lines[i].decision is None and is_prose(lines[i].text.text)),
        None,
    )


def _end_of_content(lines: list[_Line]) -> None:
    """A short "预览结束 / 展开阅读全文" line below the first prose line ends the content."""
    first = _first_prose(lines, 0)
    if first is None:
        return
    for i in range(first + 1, len(lines)):
        line = lines[i].text.text
        if len(line) <= 60 and END_OF_CONTENT.search(line) and lines[i].kind not in STRUCTURED:
            for rest in lines[i:]:
                if not _is_removed(rest):
                    rest.decision = "end-of-content"
            return


def _link_like(line: _Line) -> bool:
    text = line.text.text
    return (
        len(text) <= _LINK_MAX
        and line.kind not in STRUCTURED
        and not _INNER_PUNCTUATION.search(text)
        and not HEADING_START.match(text)
        and not is_date_line(text)
    )


def _furniture_zone(lines: list[_Line], walk: Iterable[int], rule: str) -> None:
    """Link-like lines next to recognised furniture at one end of the page are furniture too.

    ``walk`` goes from the page's end (or the title) outwards into the body; the zone ends
    at the first line that is neither furniture nor link-like (nor a closing that does not
    follow the body directly).
    """
    zone: list[int] = []
    furniture = False
    for i in walk:
        line = lines[i]
        if _is_removed(line):
            furniture = True
        elif line.decision is None and (_link_like(line) or _detached_closing(lines, i)):
            zone.append(i)
        elif line.decision is None:
            break
    if furniture:
        for i in zone:
            lines[i].decision = rule


def _detached_closing(lines: list[_Line], i: int) -> bool:
    """A "谢谢大家！" that does not come right after a body line (so it closes nothing)."""
    if not is_closing(lines[i].text.text):
        return False
    previous = lines[i - 1] if i > 0 else None
    return previous is None or previous.decision is not None or _link_like(previous)


def _suspend_greedy_rules(lines: list[_Line], read: int) -> dict[str, float]:
    """Undo a rule that would remove most of the document, prose included; returns each one's share.

    A rule that removes only short lines that are not prose (a page of nothing but menus)
    is kept: what it removes cannot be the body of a document.
    """
    removed: Counter[str] = Counter()
    prose: set[str] = set()
    for line in lines:
        if _is_removed(line):
            removed[line.decision or ""] += chars(line.text.text)
            if len(line.text) > _LINK_MAX or is_prose(line.text.text):
                prose.add(line.decision or "")
    suspended = {
        rule: round(count / read, 3)
        for rule, count in removed.items()
        if rule in prose and read and count > read * SUSPEND_SHARE
    }
    for line in lines:
        if line.decision in suspended:
            line.decision = None
    return suspended
