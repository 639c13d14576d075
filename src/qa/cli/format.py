"""Plain-text and JSON renderings of search hits, a trace and a draft check, for ``qa search``,
``qa trace`` and ``qa check``. A passage whose words may differ from the original is followed by
its warning (``qa.passages.reliability``), as on the page."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from qa.index.load import LoadedIndex
from qa.ingest.blocks import Reading
from qa.retrieve.hit import Hit
from qa.tools.draft import DraftCheck
from qa.tools.trace import CONTEXT_CHARS, Occurrence, Trace
from qa.ui.citation import chinese_date, place

WARNING = "    ! "  # the line under a passage that carries a mark


def hit_json(hit: Hit) -> dict[str, Any]:
    """A hit as JSON-ready data: its fields and its ``reliability`` (marks, labels, gaps, notice)."""
    return {**asdict(hit), "reliability": hit.reliability.to_json()}


def format_hits(hits: list[Hit]) -> str:
    """Hits as text: place and date as the page shows them, the passage, its warning, the words matched."""
    from qa.ui.render import attribution

    lines = []
    for rank, hit in enumerate(hits, 1):
        where = attribution(hit)  # 《title》 · 2024年3月5日 · 第32段（三、…部分）, as the page shows it
        lines.append(f"[{rank}] {where}  ({hit.source}, score {hit.score:.3f}, {hit.found_by})")
        lines.append(f"    {hit.text.replace(chr(10), chr(10) + '    ')}")
        if notice := hit.reliability.notice():
            lines.append(WARNING + notice)
        if hit.matched_terms:
            lines.append(f"    matched: {', '.join(hit.matched_terms)}")
        lines.append("")
    return "\n".join(lines)


def format_trace(found: Trace) -> str:
    """A trace as text: the summary, a KWIC table of the uses, the variants apart, then the counts."""

    def row(o: Occurrence, tag: str = "") -> str:
        where = f"{o.section}（小标题）" if o.in_heading else place(o)
        left = " " * max(CONTEXT_CHARS + 1 - _width(o.left), 0) + o.left
        line = f"  {_padded(when(o.doc_date), 16)} {left}[{o.match}]{o.right}  《{o.doc_title}》 {where}{tag}"
        notice = o.reliability.notice()
        return f"{line}\n{WARNING}{notice}" if notice else line

    documents = sum(1 for d in found.per_document if d.occurrences)
    uses = f"{found.total} use{'' if found.total == 1 else 's'}"
    lines = [f"“{found.phrase}”: {uses} in {documents} document{'' if documents == 1 else 's'}"]
    if found.first and found.latest:
        lines[0] += (
            f"; first {when(found.first.doc_date)} 《{found.first.doc_title}》,"
            f" latest {when(found.latest.doc_date)} 《{found.latest.doc_title}》"
        )
    if found.message:
        lines.append(found.message)
    lines += [row(o) for o in found.occurrences]
    if found.total > len(found.occurrences):
        lines.append(f"  … {found.total - len(found.occurrences)} more (-k)")
    if found.total_variants:
        lines.append(f"\nVariants, not the phrase ({found.total_variants}; up to {found.max_edits} edits):")
        lines += [
            f"  {v.kind:<11} {v.wording}: {v.count} in {v.documents} documents, "
            f"{when(v.first)} – {when(v.latest)}"
            for v in found.variant_forms
        ]
        lines += [row(o, f"  <{o.kind}>") for o in found.variants]
    if found.per_document:
        lines.append("\nPer document (uses, variants):")
        lines += [
            f"  {_padded(when(d.date), 16)} {d.occurrences:>4} {d.variants:>4}  《{d.title}》"
            for d in found.per_document
        ]
        lines.append("Per year (uses, variants):")
        lines += [f"  {_padded(when(y.year), 16)} {y.occurrences:>4} {y.variants:>4}" for y in found.per_year]
    return "\n".join(lines)


def when(date: str | None) -> str:
    """A date in the one date style (2024年3月5日, 2024年), "日期不详" when there is none."""
    return chinese_date(date) or "日期不详"


def _padded(text: str, columns: int) -> str:
    """``text`` padded with spaces to ``columns`` terminal columns."""
    return text + " " * max(columns - _width(text), 0)


def _width(text: str) -> int:
    """Columns ``text`` takes in a terminal (Chinese characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def draft_json(found: DraftCheck) -> dict[str, Any]:
    """A draft check as JSON-ready data: the record's fields, each sentence's label and the new share."""
    record = asdict(found)
    record["new_share"] = found.new_share
    for sentence, data in zip(found.sentences, record["sentences"], strict=True):
        data["label"] = sentence.label
        for match, match_data in zip(sentence.matches, data["matches"], strict=True):
            match_data["reliability"] = match.reliability.to_json()
    return record


def draft_places(found: DraftCheck, index: LoadedIndex) -> dict[str, str]:
    """Each closest source's place as the page cites it ("第4段之二（二、…部分）"), by passage id."""
    places = {}
    for match in (sentence.matches[0] for sentence in found.sentences if sentence.matches):
        row = index.row_of(match.passage_id)
        if row is not None:
            places[match.passage_id] = place(Hit.from_passage(index.passages[row], match.cosine))
    return places


def format_draft_check(found: DraftCheck, name: str, places: Mapping[str, str] | None = None) -> str:
    """A draft check as text: the shares, the documents drawn on, each sentence with its closest source
    (placed as ``places`` says by passage id — ``qa.ui.citation.place`` —, else by its paragraph)."""
    lines = [
        f"{name}: {len(found.sentences)} sentences, {found.characters} characters; by characters "
        f"重复 {found.repeated_share:.0%}, 相近 {found.close_share:.0%}, 新 {found.new_share:.0%} "
        f"(相近: cosine >= {found.rule.min_cosine}, the same claim in words, no other figures)"
    ]
    if found.top_documents:
        lines.append("Draws most on:")
        lines += [
            f"  《{d.title}》 {when(d.date)}: 重复 {d.repeated_chars}, "
            f"相近 {d.close_chars} characters ({d.sentences} sentence{'s' if d.sentences != 1 else ''})"
            for d in found.top_documents
        ]
    for number, sentence in enumerate(found.sentences, 1):
        lines.append(f"\n[{number}] {sentence.label}  {sentence.sentence}")
        if sentence.matches:
            best = sentence.matches[0]
            lead = "nearest" if sentence.kind == "new" else "source"
            same = ", same wording" if best.same_wording else ""
            where_in = (places or {}).get(best.passage_id) or f"第{best.paragraph}段"
            spot = (f"《{best.doc_title}》", chinese_date(best.doc_date), where_in)
            where = " · ".join(x for x in spot if x)
            lines.append(f"    {lead}: {where} (cosine {best.cosine:.3f}{same})")
            lines.append(f"    {best.sentence}")
            lines.append(f"    {best.meaning(sentence.kind)}")
            if notice := best.reliability.notice():
                lines.append(WARNING + notice)
    return "\n".join(lines)


# A document that lost more than this share of its characters to cleaning is named after a build.
LOSS_WORTH_NAMING = 0.2


# Files named after each reader in the summary (the manifest and `qa inspect` name every one).
NAMED_PER_READER = 8


def build_summary(manifest: dict[str, Any]) -> str:
    """Documents indexed and skipped (each with its reason), the reader of each (converter and
    version; the first few names per reader), and those cleaning cut by over 20%."""
    lines = [f"  documents indexed: {len(manifest['documents'])}, skipped: {len(manifest['skipped'])}"]
    readers: dict[str, list[str]] = {}
    for name, info in manifest["documents"].items():
        readers.setdefault((info.get("reading") or {}).get("reader") or "text reader", []).append(name)
    for reader, names in sorted(readers.items(), key=lambda item: -len(item[1])):
        shown = ", ".join(names[:NAMED_PER_READER]) + (", …" if len(names) > NAMED_PER_READER else "")
        lines.append(f"  read with {reader}: {len(names)} file{'s' if len(names) != 1 else ''} ({shown})")
    lines += [f"  skipped {name}: {reason}" for name, reason in manifest["skipped"].items()]
    for name, info in manifest["documents"].items():
        cleaning = info.get("cleaning") or {}
        moved = (cleaning.get("removed") or {}).get("moved-to-metadata", 0)  # kept, as metadata
        read, kept = cleaning.get("chars_read", 0), cleaning.get("chars_kept", 0) + moved
        if read and kept < read * (1 - LOSS_WORTH_NAMING):
            rules = ", ".join(
                f"{rule} {n}" for rule, n in sorted(cleaning["removed"].items(), key=lambda r: -r[1])
            )
            lines.append(f"  {name}: cleaning kept {kept} of {read} characters ({rules}); see `qa inspect`")
        for rule, share in (cleaning.get("suspended") or {}).items():
            lines.append(f"  {name}: rule {rule} not applied (it would have removed {share:.0%} of the text)")
    return "\n".join(lines)


def reading_line(reading: Reading) -> str:
    """How a file was read, in one line: the reader, its pages and what OCR recognised."""
    parts = [f"read with {reading.reader or 'the built-in text reader'}"]
    if reading.pages:
        count = len({page for _, page in reading.pages})
        parts.append(f"{count} {'slides' if reading.page_unit == 'slide' else 'pages'}")
    if reading.ocr_pages:
        confidence = f", mean confidence {reading.ocr_confidence:.2f}" if reading.ocr_confidence else ""
        pages = ", ".join(map(str, reading.ocr_pages))
        parts.append(f"recognised by OCR: page {pages}{confidence} — check quotations against the original")
    parts += reading.notes
    return "; ".join(parts)
