"""What the 提法溯源 tab shows and exports, without Gradio: a ``Trace`` as escaped HTML, the reader
on one use, and the trace as export sections (``qa.tools.export``).

Every piece of document or user text goes through ``render.escape``. A use's document title is
a button carrying its passage id in ``value`` (``tab_trace`` opens the reader with it).
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime

from qa.index.load import LoadedIndex
from qa.retrieve.hit import Hit
from qa.retrieve.retriever import Retriever
from qa.tools.export import ExportItem, ExportSection, file_name, to_docx, to_markdown
from qa.tools.trace import MAX_PHRASE_CHARS, MIN_PHRASE_CHARS, Occurrence, Trace, trace_index
from qa.tools.word_styles import DocumentStyle
from qa.tools.wording import Kind, Letters
from qa.ui import reader
from qa.ui.citation import CitationStyle, chinese_date, full_width, place, reference
from qa.ui.render import escape, reliability_notice
from qa.ui.sections import ExportFile, export_item, export_text, hit_note

MAX_SHOWN = 200  # uses listed on the page (and exported); the counts cover all
EXAMPLES = ("两个确立", "有事好商量、众人的事情由众人商量", "专门协商机构", "懂政协、会协商、善议政")
KIND_LABEL: dict[Kind, str] = {
    "exact": "原提法",
    "substituted": "改字",
    "inserted": "增字",
    "deleted": "减字",
    "reordered": "语序不同",
}
EXPORT_PREFIX = "提法溯源"
_SENTENCE_END = re.compile(r"[。！？!?；;\n]")
_NEWEST = ' <span class="qa-trace-newest">最近使用</span>'


def when(date: str | None) -> str:
    """A document's date as Chinese text (2022年3月5日), "日期不详" when it has none."""
    return chinese_date(date) or "日期不详"


def problem(phrase: str) -> str | None:
    """Why ``phrase`` cannot be traced, in Chinese, or None when it can."""
    count = len(Letters(phrase or "").chars)
    if count == 0:
        return "请输入要溯源的提法，例如：有事好商量。"
    if count < MIN_PHRASE_CHARS:
        return "提法至少要有两个字。"
    if count > MAX_PHRASE_CHARS:
        return f"提法最多{MAX_PHRASE_CHARS}个字（标点不计），请只输入要溯源的表述。"
    return None


def summary(found: Trace) -> str:
    """The trace in one sentence: how often, in how many documents, first and latest use."""
    documents = sum(1 for d in found.per_document if d.occurrences)
    text = f"“{found.phrase}”共出现{found.total}处，见于{documents}篇文档"
    if found.first and found.latest:
        text += (
            f"；首次使用：{when(found.first.doc_date)}《{found.first.doc_title}》"
            f"；最近使用：{when(found.latest.doc_date)}《{found.latest.doc_title}》"
        )
    elif found.total:
        text += "；所在文档均未注明日期"
    if found.total_variants:
        text += f"；另有相近表述{found.total_variants}处，单独列出"
    return text + "。"


def _place(o: Occurrence) -> str:
    # Numbered as its citation and the reader number it (``qa.ui.citation.place``).
    return "小标题" if o.in_heading else place(o)


def occurrence_item(o: Occurrence) -> str:
    """One use as a list item: date, title (opens the reader), place, the KWIC line with the use marked."""
    tag = f'<span class="qa-variant-tag">变体·{KIND_LABEL[o.kind]}</span>' if o.is_variant else ""
    opener = (
        f'<button type="button" class="qa-trace-open" value="{escape(o.passage_id)}" title="阅读全文">'
        f"《{escape(o.doc_title)}》</button>"
    )
    return (
        f'<li class="qa-trace-occ{" qa-trace-variant" if o.is_variant else ""}"'
        f' data-passage-id="{escape(o.passage_id)}">'
        f'<div class="qa-trace-where"><span class="qa-trace-date">{escape(when(o.doc_date))}</span> '
        f'{opener} <span class="qa-trace-place">{escape(_place(o))}</span>{tag}</div>'
        f'<div class="qa-kwic">{escape(o.left)}<mark>{escape(o.match)}</mark>{escape(o.right)}</div>'
        f"{reliability_notice(o.reliability)}</li>"
    )


def _listing(uses: tuple[Occurrence, ...], total: int, heading: str, css: str) -> str:
    more = f'<p class="qa-trace-note">只列出前{len(uses)}处（按日期），统计包括全部{total}处。</p>'
    items = "".join(occurrence_item(o) for o in uses)
    return (
        f'<section class="{css}"><h3>{escape(heading)}</h3>'
        f'<ol class="qa-trace-list">{items}</ol>{more if total > len(uses) else ""}</section>'
    )


def _wordings(found: Trace) -> str:
    """The phrase beside its variants: how often and when, the most recently used one marked."""
    rows: list[tuple[str, str, int, str | None, str | None]] = []
    if found.total:
        first = found.first.doc_date if found.first else None
        latest = found.latest.doc_date if found.latest else None
        rows.append((found.phrase, "原提法", found.total, first, latest))
    rows += [
        (v.wording, f"变体·{KIND_LABEL[v.kind]}", v.count, v.first, v.latest) for v in found.variant_forms
    ]
    newest = max((latest for *_, latest in rows if latest), default=None)
    body = "".join(
        f"<tr><td>“{escape(wording)}”"
        f"{_NEWEST if newest and latest == newest else ''}</td>"
        f"<td>{escape(label)}</td><td>{count}</td><td>{escape(when(first))}</td><td>{escape(when(latest))}</td></tr>"
        for wording, label, count, first, latest in rows
    )
    return (
        '<table class="qa-trace-table qa-trace-wordings"><thead><tr><th>表述</th><th>类别</th>'
        f"<th>次数</th><th>首次</th><th>最近</th></tr></thead><tbody>{body}</tbody></table>"
    )


def _counts(found: Trace) -> str:
    documents = "".join(
        f"<tr><td>《{escape(d.title)}》</td><td>{escape(when(d.date))}</td>"
        f"<td>{d.occurrences}</td><td>{d.variants}</td></tr>"
        for d in found.per_document
    )
    years = "".join(
        f"<tr><td>{escape(y.year + '年' if y.year else '日期不详')}</td><td>{y.occurrences}</td>"
        f"<td>{y.variants}</td></tr>"
        for y in found.per_year
    )
    return (
        '<section class="qa-trace-counts"><h3>统计</h3>'
        '<table class="qa-trace-table qa-trace-docs"><caption>按文档</caption><thead><tr><th>文档</th>'
        f"<th>日期</th><th>原提法</th><th>相近表述</th></tr></thead><tbody>{documents}</tbody></table>"
        '<table class="qa-trace-table qa-trace-years"><caption>按年份</caption><thead><tr><th>年份</th>'
        f"<th>原提法</th><th>相近表述</th></tr></thead><tbody>{years}</tbody></table></section>"
    )


def result_html(found: Trace) -> str:
    """The whole result: summary, the uses in date order, the variants apart, the counts."""
    parts = [f'<p class="qa-trace-summary">{escape(summary(found))}</p>']
    if found.message:
        parts.append(f'<p class="qa-trace-message">{escape(found.message)}</p>')
    if found.total:
        parts.append(
            _listing(found.occurrences, found.total, f"出处（按日期，共{found.total}处）", "qa-trace-uses")
        )
    if found.total_variants:
        parts.append(
            '<section class="qa-trace-variants"><h3>相近表述（不是原提法，单独列出）</h3>'
            f"{_wordings(found)}</section>"
        )
        parts.append(
            _listing(found.variants, found.total_variants, "相近表述的出处", "qa-trace-variant-uses")
        )
    if found.per_document:
        parts.append(_counts(found))
    return f'<div class="qa-trace">{"".join(parts)}</div>'


def document_view(index: LoadedIndex, passage_id: str, phrase: str) -> str:
    """The reader on ``passage_id``'s document, with the phrase's uses (and variants) in it marked."""
    row = index.row_of(passage_id)
    if row is None:
        return reader.missing()
    source = index.passages[row].source
    terms: list[str] = []
    if phrase and problem(phrase) is None:
        found = trace_index(index, phrase, sources=[source])
        terms = sorted({o.match for o in (*found.occurrences, *found.variants)}, key=len, reverse=True)
    passages = [index.passages[r] for r in index.rows_of_document(source)]
    marks = [index.reliability(r) for r in index.rows_of_document(source)]
    return reader.document(passages, passage_id, terms, marks)


def _sentence(text: str, start: int, end: int) -> str:
    """The sentence of ``text`` that holds ``text[start:end]``."""
    lo = max((m.end() for m in _SENTENCE_END.finditer(text, 0, start)), default=0)
    after = _SENTENCE_END.search(text, end)
    return text[lo : after.end() if after else len(text)].strip()


def _item(o: Occurrence, retriever: Retriever, style: CitationStyle) -> ExportItem:
    index = retriever.index
    row = index.row_of(o.passage_id)
    variant = f"变体（{KIND_LABEL[o.kind]}）：{o.match}" if o.is_variant else ""
    if row is None:  # the index was rebuilt since
        note = "；".join(n for n in (variant, o.reliability.notice(), "索引中已没有这一段") if n)
        return ExportItem(o.left + o.match + o.right, f"《{o.doc_title}》", note)
    passage = index.passages[row]
    hit = retriever.passage_hit(row)  # with its marks: words missing from the source, OCR
    note = "；".join(n for n in (variant, hit_note(hit)) if n)
    if o.in_heading:  # cited as the heading it is, not as the paragraph below it
        heading = o.section or ""
        return ExportItem(export_text(heading), _heading_citation(hit, heading, style), note)
    sentence = _sentence(passage.text, o.start, o.end)
    return export_item(replace(hit, text=sentence), style, note)


def _heading_citation(hit: Hit, heading: str, style: CitationStyle) -> str:
    """Where a use in a heading comes from: the document and "小标题", the heading not repeated."""
    if style == "gbt7714":
        return f"小标题\n{reference(hit)}"
    date = chinese_date(hit.doc_date)
    return f"《{full_width(hit.doc_title.strip())}》{f'（{date}）' if date else ''}，小标题"


def trace_sections(found: Trace, retriever: Retriever, style: CitationStyle = "plain") -> list[ExportSection]:
    """The trace as export sections: the summary and counts, the uses in date order, the variants."""
    years = "、".join(
        f"{y.year + '年' if y.year else '日期不详'}{y.occurrences}处" for y in found.per_year if y.occurrences
    )
    overview = [ExportItem(summary(found), "", f"按年份：{years}" if years else found.message)]
    overview += [
        ExportItem(
            f"相近表述“{v.wording}”（{KIND_LABEL[v.kind]}）{v.count}处",
            "",
            f"{when(v.first)}至{when(v.latest)}",
        )
        for v in found.variant_forms
    ]
    sections = [
        ExportSection("概况", overview),
        ExportSection(
            f"“{found.phrase}”的出处（按日期，共{found.total}处）",
            [_item(o, retriever, style) for o in found.occurrences],
        ),
    ]
    if found.total_variants:
        sections.append(
            ExportSection(
                f"相近表述（不是原提法，共{found.total_variants}处）",
                [_item(o, retriever, style) for o in found.variants],
            )
        )
    return sections


def export_trace(
    found: Trace,
    retriever: Retriever,
    kind: str,
    style: CitationStyle = "plain",
    now: datetime | None = None,
    look: DocumentStyle = "standard",
) -> ExportFile:
    """The trace as a Word (``kind`` "docx", laid out in ``look``) or Markdown ("md") file, named
    提法溯源-时间.扩展名."""
    now = now or datetime.now()
    title = f"提法溯源：“{found.phrase}”"
    sections = trace_sections(found, retriever, style)
    build_id = retriever.index.build_id
    if kind == "docx":
        return ExportFile(
            file_name("docx", now, EXPORT_PREFIX), to_docx(title, sections, build_id, now, look)
        )
    if kind == "md":
        content = to_markdown(title, sections, build_id, now).encode("utf-8")
        return ExportFile(file_name("md", now, EXPORT_PREFIX), content)
    raise ValueError(f"Unknown export format {kind!r}; choose 'docx' or 'md'")
