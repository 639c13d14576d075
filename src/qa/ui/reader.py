"""The reader: a whole document as HTML, its headings as an outline, one passage highlighted.

Opened from a card's title. The document is shown as the index holds it (its passages in
order, cleaned), so what is highlighted is exactly what was cited. Every piece of document
or user text goes through ``render.escape``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from qa.passages.cutting import Passage
from qa.passages.reliability import CLEAN, Reliability
from qa.ui.citation import chinese_date, paragraph_number
from qa.ui.render import escape, highlight, reliability_notice

_CITED = '<span class="qa-doc-cited">（所引段落）</span>'
MISSING = "找不到这段原文：索引可能已经更新，请重新提问后再打开。"


@dataclass(frozen=True)
class _Heading:
    level: int  # 1 for the outermost
    text: str
    target: str  # the id of the element it scrolls to


def anchor(position: int) -> str:
    """The element id of the document's ``position``-th passage in the reader."""
    return f"qa-doc-{position}"


def number_of(passage: Passage) -> str:
    """A passage's number in the reader: its article or paragraph, after its page where the
    document has pages ("第3页，第12段"; the section is the reader's heading above it)."""
    number = passage.article or paragraph_number(passage)
    return f"{passage.page_label}，{number}" if passage.page_label else number


def document(
    passages: Sequence[Passage],
    cited: str,
    terms: Sequence[str] = (),
    marks: Sequence[Reliability] = (),
) -> str:
    """``passages`` (one document, in order) as the reader's HTML.

    The passage whose id is ``cited`` carries the class ``qa-doc-hit`` (the page scrolls
    to it); ``terms`` (the question's words) are marked wherever they occur. ``marks`` are the
    passages' ``Reliability`` (``LoadedIndex.reliability``), in the same order: each marked
    passage carries its warning above its text, as on the chat's cards.
    """
    if not passages:
        return missing()
    first = passages[0]
    headings: list[_Heading] = []
    body: list[str] = []
    path: tuple[str, ...] = ()
    for position, passage in enumerate(passages):
        target = anchor(position)
        for level, heading in enumerate(passage.section_path):
            if path[: level + 1] == passage.section_path[: level + 1]:
                continue  # this heading was already open
            if passage.text.lstrip().startswith(heading):
                headings.append(_Heading(level + 1, heading, target))  # a run-in heading
            else:
                heading_id = f"{target}-h{level + 1}"
                headings.append(_Heading(level + 1, heading, heading_id))
                tag = f"h{min(level + 3, 6)}"
                body.append(f'<{tag} class="qa-doc-heading" id="{heading_id}">{escape(heading)}</{tag}>')
        path = passage.section_path
        hit = passage.passage_id == cited
        classes, current, note = (
            ("qa-doc-p qa-doc-hit", ' aria-current="true"', _CITED) if hit else ("qa-doc-p", "", "")
        )
        body.append(
            f'<div class="{classes}" id="{target}" data-passage-id="{escape(passage.passage_id)}"{current}>'
            f'<span class="qa-doc-n">{escape(number_of(passage))}{note}</span>'
            f"{reliability_notice(marks[position] if position < len(marks) else CLEAN)}"
            f"{highlight(passage.text, terms)}</div>"
        )
    paragraphs = passages[-1].paragraph_end
    meta = " · ".join(p for p in (chinese_date(first.doc_date), f"共{paragraphs}段", first.source) if p)
    return (
        '<article class="qa-reader">'
        f'<h2 class="qa-reader-title" tabindex="-1">《{escape(first.doc_title)}》</h2>'
        f'<p class="qa-reader-meta">{escape(meta)}</p>'
        f"{outline(headings)}"
        f'<div class="qa-doc-body">{"".join(body)}</div>'
        "</article>"
    )


def outline(headings: Sequence[_Heading]) -> str:
    """The document's headings as links to where each starts (nothing when it has none)."""
    if not headings:
        return ""
    items = "".join(
        f'<li class="qa-outline-{h.level}">'
        f'<a href="#{h.target}" data-target="{h.target}">{escape(h.text)}</a></li>'
        for h in headings
    )
    return (
        '<nav class="qa-outline" aria-label="提纲"><div class="qa-outline-title">提纲</div>'
        f"<ol>{items}</ol></nav>"
    )


def missing() -> str:
    """What the reader says when the passage is no longer in the index."""
    return f'<article class="qa-reader"><p class="qa-reader-missing">{escape(MISSING)}</p></article>'


CSS = """
#qa-reader { position: fixed; top: 0; right: 0; bottom: 0; width: min(720px, 100vw); z-index: 1000;
  overflow-y: auto; background: var(--background-fill-primary); padding: 0 20px 40px;
  box-shadow: -6px 0 28px rgba(0, 0, 0, 0.22); border-left: 1px solid var(--border-color-primary); }
/* The close button floats over the top right corner; the title stays in view under it. */
#qa-reader-bar { position: sticky; top: 0; z-index: 2; height: 0; overflow: visible; padding: 0;
  justify-content: flex-end; }
#qa-reader-close { flex: 0 0 auto; min-width: 96px; margin-top: 10px; }
.qa-reader-title { position: sticky; top: 0; z-index: 1; background: var(--background-fill-primary);
  font-size: 1.2em; margin: 0; padding: 12px 112px 8px 0; outline: none;
  border-bottom: 1px solid var(--border-color-primary); }
.qa-reader-meta { margin-top: 8px !important; }
.qa-reader-meta { color: var(--qa-note-color); font-size: 0.9em; margin: 0 0 10px; }
.qa-outline { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px 12px;
  margin-bottom: 14px; font-size: 0.92em; }
.qa-outline-title { font-weight: 700; margin-bottom: 4px; }
.qa-outline ol { list-style: none; margin: 0; padding: 0; }
.qa-outline li { margin: 3px 0; }
.qa-outline-2 { padding-left: 1.5em; }
.qa-outline-3, .qa-outline-4 { padding-left: 3em; }
.qa-outline a { color: var(--link-text-color); text-decoration: none; }
.qa-outline a:hover, .qa-outline a:focus { text-decoration: underline; }
.qa-doc-heading { margin: 18px 0 6px; font-size: 1.05em; scroll-margin-top: 80px; }
.qa-doc-p { line-height: 1.85; margin: 0 0 12px; padding: 4px 8px; border-left: 3px solid transparent;
  scroll-margin-top: 80px; }
.qa-doc-p mark { background: #fff3a3; color: inherit; padding: 0 1px; border-radius: 2px; }
.dark .qa-doc-p mark { color: #1f2937 !important; }
.qa-doc-hit { border-left-color: var(--color-accent); background: rgba(66, 133, 244, 0.10);
  border-radius: 2px; }
.qa-doc-n { display: block; font-size: 0.82em; color: var(--qa-note-color); }
.qa-doc-cited { font-weight: 700; color: var(--qa-note-color); }
"""
