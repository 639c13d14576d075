"""Above the cards: the answer at a glance, and the cards' order.

The glance (``qa.retrieve.glance``) is one or two sentences of the hits, quoted as written
(full-width punctuation, inner quotes single, as a citation quotes) and followed by where each
comes from, in the one numbering (``qa.ui.citation.source``). Nothing is reworded: a reader
can paste the line as it stands.

``newest_first`` orders the cards by their documents' dates, the newest first and undated
documents last, each date's cards in the order of relevance — the page's "最新在前" option.
The retriever's own question-driven ordering, where it exists, takes the same flag name.
"""

from __future__ import annotations

from collections.abc import Sequence

from qa.retrieve.glance import GlanceSentence
from qa.retrieve.hit import Hit
from qa.ui.citation import quoted, source
from qa.ui.render import damage_text, escape

GLANCE_LABEL = "一句话回答"
NEWEST_FIRST_LABEL = "最新在前（按讲话日期排列段落）"


def glance_text(sentences: Sequence[GlanceSentence]) -> list[str]:
    """Each glance sentence as plain text: “quotation”——《title》（date），place."""
    return [f"{quoted(s.text)}——{source(s.hit)}" for s in sentences]


def glance_html(sentences: Sequence[GlanceSentence]) -> str:
    """The glance as escaped HTML above the cards ("" without sentences); a sentence whose
    source may differ from the original carries its warning."""
    if not sentences:
        return ""
    rows = []
    for sentence in sentences:
        warning = damage_text(sentence.hit)
        mark = f'<span class="qa-glance-warn">（{escape(warning)}）</span>' if warning else ""
        rows.append(
            '<p class="qa-glance-line">'
            f'<span class="qa-glance-quote">{escape(quoted(sentence.text))}</span>'
            f'<span class="qa-glance-source">——{escape(source(sentence.hit))}</span>{mark}</p>'
        )
    return (
        f'<div class="qa-glance" role="note" aria-label="{GLANCE_LABEL}">'
        f'<div class="qa-glance-label">{GLANCE_LABEL}</div>{"".join(rows)}</div>'
    )


def newest_first(hits: Sequence[Hit]) -> list[Hit]:
    """``hits`` ordered by date, newest first, undated last; equal dates keep their relevance order."""
    dated = sorted((h for h in hits if h.doc_date), key=lambda h: h.doc_date or "", reverse=True)
    return dated + [h for h in hits if not h.doc_date]


CSS = """
.qa-glance { border-left: 4px solid var(--color-accent); background: rgba(66, 133, 244, 0.08);
  border-radius: 6px; padding: 8px 12px; margin: 6px 0 10px; }
.qa-glance-label { font-size: 0.85em; font-weight: 700; color: var(--body-text-color); margin-bottom: 2px; }
.qa-glance-line { margin: 2px 0; line-height: 1.75; }
.qa-glance-quote { font-weight: 600; }
.qa-glance-source { color: var(--qa-note-color); font-size: 0.92em; }
.qa-glance-warn { color: var(--body-text-color); font-size: 0.9em; border-bottom: 2px solid #d97706; }
.qa-docs td:nth-child(2) { white-space: nowrap; }  /* 2025年3月12日 on one line */
"""
