"""Turn hits into the HTML the chat page shows: escaped, highlighted and attributed.

Every piece of document or user text goes through ``escape``: HTML is escaped and the
characters Markdown or LaTeX would interpret are written as entities, so a document or a
question can never inject markup, links or images into the page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from qa.passages.cutting import Passage
from qa.passages.damage import NOTICE
from qa.passages.reliability import OCR_NOTICE, Reliability
from qa.retrieve.hit import NO_ANSWER, Hit
from qa.text.normalise import CJK, match_form, match_form_with_offsets
from qa.text.tokens import default_tokenizer, longest_terms
from qa.ui.citation import CitationStyle, chinese_date, cite, cited_section, place

NO_RESULT = NO_ANSWER
NO_RESULT_HINT = (
    "这些讲话中没有与问题相关的段落。可以换一种说法，使用讲话中的关键词（如“履职能力”“协商议政”）再试。"
)
NO_RESULT_FILTER_HINT = "也可以取消文档筛选，在全部讲话中检索。"  # only when a filter is set
NOT_CHINESE_HINT = "问题里没有汉字。这些讲话是中文的，请用中文提问（CPPCC 等缩写可以保留）。"
FEW_IN_FILTER = (
    "所选文档中相关内容很少：下面的段落在全部文档中排不进前{rank}，取消文档筛选可看到更相关的段落。"
)
DAMAGED = NOTICE
__all__ = ["DAMAGED", "OCR_NOTICE"]  # re-exported: the warnings as the page words them
FOUND_BY_LABEL = {"words": "按词语匹配", "meaning": "按语义匹配（无相同词语）", "both": "词语和语义均匹配"}

# HTML's special characters and those Markdown (and Gradio's LaTeX) would interpret even
# inside escaped text, all written as numeric entities in one pass.
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}
_ENTITIES |= {ch: f"&#{ord(ch)};" for ch in "'\\`*_[](){}#!|~$+-=.:"}
_CHINESE = re.compile(f"[{CJK}]")
_SPECIAL = re.compile("[" + re.escape("".join(_ENTITIES)) + "]")


def escape(text: str) -> str:
    """``text`` as inert HTML: tags, entities and Markdown syntax shown literally; newlines as ``<br>``."""
    escaped = _SPECIAL.sub(lambda m: _ENTITIES[m.group(0)], text)
    return escaped.replace("\r\n", "\n").replace("\n", "<br>")


@dataclass(frozen=True)
class _Span:
    start: int
    end: int


def term_spans(text: str, terms: Iterable[str]) -> list[_Span]:
    """Non-overlapping spans of ``text`` where ``terms`` occur as words, longest terms first.

    As words: starting and ending where jieba's cut of ``text`` has word bounds
    (``ChineseTokenizer.word_bounds``), so 市政 is marked in 市政建设 but not inside 市政府.
    """
    normalised, origin = match_form_with_offsets(text)
    wanted = sorted({match_form(t) for t in terms if len(t) > 1}, key=len, reverse=True)
    bounds = default_tokenizer().word_bounds(normalised, near=wanted) if wanted else frozenset()
    taken = [False] * len(text)
    spans: list[_Span] = []
    for term in wanted:
        for match in re.finditer(re.escape(term), normalised):
            if match.start() not in bounds or match.end() not in bounds:
                continue
            start, end = origin[match.start()], origin[match.end() - 1] + 1
            if not any(taken[start:end]):
                spans.append(_Span(start, end))
                taken[start:end] = [True] * (end - start)
    return sorted(spans, key=lambda s: s.start)


def sentence_spans(text: str, sentences: Iterable[str]) -> list[_Span]:
    """Where each of ``sentences`` occurs in ``text`` (first occurrence)."""
    spans = []
    for sentence in sentences:
        start = text.find(sentence) if sentence else -1
        if start >= 0:
            spans.append(_Span(start, start + len(sentence)))
    return spans


def emphasis(text: str, best_sentences: Sequence[str]) -> list[str]:
    """The best sentences worth emphasising: the best one unless it is most of the passage,
    and the second best too while together they stay under half of it."""
    length = len(text.strip()) or 1
    chosen: list[str] = []
    for rank, sentence in enumerate(best_sentences[:2]):
        limit = 0.7 if rank == 0 else 0.5
        if sentence not in text or (sum(map(len, chosen)) + len(sentence)) / length > limit:
            break  # never the second best without the best
        chosen.append(sentence)
    return chosen


def highlight(text: str, terms: Sequence[str], emphasised: Sequence[str] = ()) -> str:
    """Escaped ``text`` with ``terms`` in ``<mark>`` and the ``emphasised`` sentences in ``<strong>``."""
    marks = term_spans(text, terms)
    strong = sentence_spans(text, emphasised)
    cuts = sorted({0, len(text)} | {b for s in (*marks, *strong) for b in (s.start, s.end)})
    out: list[str] = []
    for start, end in pairwise(cuts):
        piece = escape(text[start:end])
        if any(s.start <= start and end <= s.end for s in marks):
            piece = f"<mark>{piece}</mark>"
        if any(s.start <= start and end <= s.end for s in strong):
            piece = f"<strong>{piece}</strong>"
        out.append(piece)
    return "".join(out)


def attribution(hit: Hit, with_file: bool = False) -> str:
    """《title》 · date · place as cited · own section heading, as plain text; the file only ``with_file``."""
    parts = [f"《{hit.doc_title}》", *_where(hit), hit.source if with_file else ""]
    return " · ".join(p for p in parts if p)


def _where(hit: Hit) -> list[str]:
    """Date, the place as cited ("一、…部分第3段") and the passage's own heading when it is another."""
    own = hit.section if hit.section and hit.section != cited_section(hit) else ""
    return [chinese_date(hit.doc_date), place(hit), own]


def source_line(hit: Hit) -> str:
    """The attribution as HTML: the title is a button that opens the whole document in the reader.

    The passage id travels in the button's ``value``: the chat's sanitizer drops ``data-`` attributes.
    """
    title = (
        f'<button type="button" class="qa-open-doc" value="{escape(hit.passage_id)}" '
        f'title="阅读全文">《{escape(hit.doc_title)}》</button>'
    )
    rest = _where(hit)  # the title, never the (hash-like) file name
    return " · ".join([title, *(escape(p) for p in rest if p)])


def citation(hit: Hit, style: CitationStyle = "plain") -> str:
    """A ready-to-paste citation of the passage in ``style`` (``qa.ui.citation``)."""
    return cite(hit, style)


def damage_text(hit: Hit) -> str:
    """The warnings on a passage whose text may differ from the original, as text, else "".

    Published with words removed, or recognised from a scanned or photographed page (OCR): the
    one rule of ``qa.passages.reliability``.
    """
    return hit.reliability.notice()


def damage_notice(hit: Hit) -> str:
    """``damage_text`` as HTML, else ""."""
    return reliability_notice(hit.reliability)


def reliability_notice(marks: Reliability) -> str:
    """A passage's warning (``Reliability.notice``) as the HTML note every view shows, else ""."""
    text = marks.notice()
    return f'<div class="qa-damaged" role="note">{escape(text)}</div>' if text else ""


def pick_box(hit: Hit) -> str:
    """The card's checkbox choosing it for the export (``qa.ui.page`` collects the ticked ones).

    The passage id travels in the box's ``value``, like the title button's: ``data-`` attributes
    do not survive the chat's sanitizer.
    """
    return (
        '<label class="qa-pick" title="勾选后，用“导出所选段落”连同引用一起保存">'
        f'<input type="checkbox" class="qa-pick-box" value="{escape(hit.passage_id)}"> 选入导出</label>'
    )


def explanation(hit: Hit) -> str:
    """Why the passage matched: the question's words found in it, and by which ranker."""
    terms = longest_terms(hit.matched_terms)
    words = "、".join(f"<mark>{escape(t)}</mark>" for t in terms)
    also = "".join(f"《{escape(title)}》" for title in hit.also_in)
    # "按语义匹配（无相同词语）" already says that no word is shared: never say it twice.
    parts = [f"匹配词：{words}"] if terms else []
    parts.append(FOUND_BY_LABEL[hit.found_by])
    if also:
        parts.append(f"相同表述亦见于 {also}")
    return '<div class="qa-why">' + " · ".join(parts) + "</div>"


def context_block(hit: Hit, before: Sequence[Passage], after: Sequence[Passage]) -> str:
    """The passage between its neighbours, folded away until the reader opens it."""
    if not before and not after:
        return ""
    rows = [f'<p class="qa-ctx-other">{escape(p.text)}</p>' for p in before]
    rows.append(f'<p class="qa-ctx-self">{escape(hit.text)}</p>')
    rows += [f'<p class="qa-ctx-other">{escape(p.text)}</p>' for p in after]
    return f'<details class="qa-ctx"><summary>查看上下文</summary>{"".join(rows)}</details>'


def card(
    rank: int,
    hit: Hit,
    before: Sequence[Passage] = (),
    after: Sequence[Passage] = (),
    shown_before: bool = False,
    style: CitationStyle = "plain",
) -> str:
    """One passage as a card: rank, highlighted text, why it matched, source, context, citation.

    A passage published with words removed is marked above its text and above its citation.
    """
    seen = ' <span class="qa-seen">上文已出现</span>' if shown_before else ""
    body = highlight(hit.text, longest_terms(hit.matched_terms), emphasis(hit.text, hit.best_sentences))
    return (
        f'<div class="qa-card" data-passage-id="{escape(hit.passage_id)}">'
        f"{pick_box(hit)}"
        f'<div class="qa-rank">{rank}{seen}</div>'
        f"{damage_notice(hit)}"
        f'<div class="qa-text">{body}</div>'
        f"{explanation(hit)}"
        f'<div class="qa-source">{source_line(hit)}</div>'
        f"{context_block(hit, before, after)}"
        f'<details class="qa-cite"><summary>复制引用</summary>{damage_notice(hit)}\n\n'
        f"{code_block(citation(hit, style))}\n\n</details>\n"
        "</div>"
    )


def code_block(text: str) -> str:
    """``text`` as a Markdown code block (shown literally, with the chat's copy button)."""
    fence = "`" * max(3, 1 + max((len(run) for run in re.findall("`+", text)), default=0))
    return f"{fence}text\n{text}\n{fence}"


def user_message(question: str) -> str:
    """The user's question as shown in the chat: plain text, never markup."""
    return f'<div class="qa-question">{escape(question)}</div>'


def answer(
    cards: Sequence[str],
    note: str = "",
    empty: str = NO_RESULT,
    filtered: bool = False,
    question: str = "",
    glance: str = "",
) -> str:
    """The whole answer message: an optional note, the answer at a glance (HTML, ``qa.ui.glance``),
    then the cards (or ``empty`` and a hint).

    The hint suggests lifting the document filter only when one is ``filtered``, and asks for
    Chinese when the ``question`` has no Chinese character.
    """
    head = f'<div class="qa-note">{escape(note)}</div>' if note else ""
    if not cards:
        chinese = not question or _CHINESE.search(question)
        hint = (NO_RESULT_HINT if chinese else NOT_CHINESE_HINT) + (NO_RESULT_FILTER_HINT if filtered else "")
        return (
            f'<div class="qa-answer">{head}<div class="qa-empty"><strong>{escape(empty)}</strong>'
            f"<br>{escape(hint)}</div></div>"
        )
    return f'<div class="qa-answer">{head}{glance}{"".join(cards)}</div>'


CSS = """
:root { --qa-note-color: #4b5563; }
.dark { --qa-note-color: #c9ced6; }
.qa-open-doc { all: unset; cursor: pointer; color: var(--link-text-color); text-decoration: underline;
  text-underline-offset: 3px; }
.qa-open-doc:hover { text-decoration-thickness: 2px; }
.qa-open-doc:focus-visible { outline: 2px solid var(--color-accent); outline-offset: 2px; }
.qa-card { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 10px 12px;
  margin: 8px 0; background: var(--background-fill-primary); }
.qa-rank { font-weight: 700; color: var(--color-accent); margin-bottom: 4px; }
.qa-pick { float: right; margin-left: 8px; font-weight: 400; font-size: 0.85em; color: var(--body-text-color);
  cursor: pointer; display: inline-flex; align-items: center; gap: 4px; white-space: nowrap; }
/* The browser's own checkbox: Gradio's styling draws a checked box white on transparent. */
.qa-pick input[type="checkbox"] { appearance: auto !important; background: none !important; margin: 0;
  width: 16px; height: 16px; cursor: pointer; accent-color: var(--color-accent); }
.qa-seen { font-weight: 400; font-size: 0.8em; color: var(--qa-note-color); margin-left: 6px; }
.qa-text { line-height: 1.75; }
.qa-text mark, .qa-why mark { background: #fff3a3; color: inherit; padding: 0 1px; border-radius: 2px; }
.dark .qa-text mark, .dark .qa-why mark { color: #1f2937 !important; }  /* not light text on yellow */
.qa-text strong { font-weight: 700; background: rgba(66, 133, 244, 0.10); border-radius: 2px; }
.qa-why { font-size: 0.85em; color: var(--qa-note-color); margin-top: 6px; }
.qa-damaged { font-size: 0.9em; margin: 4px 0; padding: 2px 8px; border-left: 3px solid #d97706;
  background: rgba(217, 119, 6, 0.10); color: var(--body-text-color); }
.qa-source { font-size: 0.9em; margin-top: 4px; color: var(--body-text-color); font-weight: 600; }
.qa-ctx, .qa-cite { font-size: 0.9em; margin-top: 6px; }
.qa-ctx summary, .qa-cite summary { cursor: pointer; color: var(--link-text-color); }
.qa-ctx-other { color: var(--qa-note-color); }
.qa-ctx-self { border-left: 3px solid var(--color-accent); padding-left: 8px; }
.qa-cite pre, .qa-cite code { white-space: pre-wrap !important; word-break: break-all; }
.qa-note { font-size: 0.9em; color: var(--qa-note-color); margin-bottom: 4px; }
.qa-empty { padding: 6px 0; }
"""
