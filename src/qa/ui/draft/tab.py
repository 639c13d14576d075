"""The 查重与提法核对 tab: paste a draft, see each sentence coloured by how it stands to the speeches.

The work is ``qa.tools.draft.check_draft``; this module renders its result (escaped HTML, pure
functions, tested without a browser), builds the Word and Markdown exports, and lays out the
tab. Each sentence of the draft is a focusable span: hovering, clicking or tabbing to it shows
its closest source; the list under the draft folds out every sentence's sources.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from qa.errors import QAError
from qa.retrieve.hit import Hit
from qa.retrieve.retriever import Retriever
from qa.tools.draft import (
    KIND_LABELS,
    MAX_DRAFT_CHARS,
    DraftCheck,
    DraftInputError,
    Kind,
    Match,
    SentenceCheck,
    check_draft,
)
from qa.tools.draft_file import UPLOAD_SUFFIXES, read_draft_file
from qa.tools.word_styles import DocumentStyle
from qa.ui import render
from qa.ui.citation import chinese_date
from qa.ui.sections import EXPORT_DIR, export_item, hit_note

if TYPE_CHECKING:
    from qa.ui.chat.service import ChatService

KIND_MEANING = {
    "repeat": "与已有讲话表述相同或几乎相同",
    "close": "意思相近、说法不同",
    "new": "未见相同或相近的表述",
}
LEGEND = (
    '<div class="qa-draft-legend" aria-label="颜色说明">'
    + "".join(
        f'<span class="qa-draft-key"><span class="qa-draft-swatch qa-draft-{kind}">{label}</span>'
        f"{KIND_MEANING[kind]}</span>"
        for kind, label in KIND_LABELS.items()
    )
    + "</div>"
)
PLACEHOLDER = f"在此粘贴讲话稿（最多{MAX_DRAFT_CHARS}字），点“核对”；或点“上传 Word 稿件”选择文件。"
EXPORT_TITLE = "查重与提法核对"
EXPORT_PREFIX = "政协讲话问答-查重"


def match_hit(retriever: Retriever, match: Match) -> Hit:
    """The matched sentence as a ``Hit`` of its passage, with its marks, for the chat's
    attribution, citation and warning."""
    row = retriever.index.row_of(match.passage_id)
    if row is None:  # the index changed since the check: cite what the match itself knows
        return Hit(
            text=match.sentence,
            score=match.cosine,
            doc_title=match.doc_title,
            doc_date=match.doc_date,
            source=match.source,
            section=match.section,
            section_path=(),
            paragraph=match.paragraph,
            paragraph_end=match.paragraph,
            passage_id=match.passage_id,
            start=0,
            end=0,
            suspected_gaps=match.reliability.suspected_gaps,
            damaged=match.reliability.damaged,
            ocr=match.reliability.ocr,
        )
    return replace(retriever.passage_hit(row, match.cosine), text=match.sentence)


def _percent(share: float) -> str:
    return "不到1%" if 0 < share < 0.005 else f"{share:.0%}"


def summary(check: DraftCheck) -> str:
    """What share of the draft repeats or is close to earlier speeches, and which speeches, as HTML."""
    counts = {kind: sum(s.kind == kind for s in check.sentences) for kind in KIND_LABELS}
    head = (
        f"共核对 {len(check.sentences)} 句、{check.characters} 字（按字数计）："
        f'<span class="qa-draft-swatch qa-draft-repeat">重复</span> {_percent(check.repeated_share)}'
        f"（{counts['repeat']}句），"
        f'<span class="qa-draft-swatch qa-draft-close">相近</span> {_percent(check.close_share)}'
        f"（{counts['close']}句），"
        f'<span class="qa-draft-swatch qa-draft-new">新</span> {_percent(check.new_share)}'
        f"（{counts['new']}句）。"
    )
    if check.top_documents:
        rows = "".join(
            f"<li>《{render.escape(d.title)}》"
            + (f"（{render.escape(chinese_date(d.date))}）" if d.date else "")
            + f"：重复 {d.repeated_chars} 字、相近 {d.close_chars} 字（{d.sentences}句）</li>"
            for d in check.top_documents
        )
        used = f"<p>借用最多的讲话：</p><ol>{rows}</ol>"
    else:
        used = "<p>没有与已有讲话重复或相近的句子。</p>"
    return f'<div class="qa-draft-summary" role="status"><p>{head}</p>{used}</div>'


def _source(retriever: Retriever, match: Match, kind: Kind) -> str:
    """One match as HTML: the stored sentence, 《title》 · date · place · 相似度, what the score
    means in words ("措辞相近：共有…", "只是话题相近：…") and the source's warning, if any."""
    hit = match_hit(retriever, match)
    return (
        f'<span class="qa-draft-quote">“{render.escape(match.sentence)}”</span>'
        f'<span class="qa-draft-where">{render.escape(render.attribution(hit))} · '
        f"相似度 {match.cosine:.2f}</span>"
        f'<span class="qa-draft-meaning">{render.escape(match.meaning(kind))}</span>'
        f"{render.damage_notice(hit)}"
    )


def _popup(retriever: Retriever, sentence: SentenceCheck) -> str:
    best = sentence.matches[0] if sentence.matches else None
    if best is None:
        meaning = KIND_MEANING[sentence.kind]
        return f'<span class="qa-draft-pop" role="tooltip">{sentence.label}：{meaning}</span>'
    lead = "最接近的已有表述" if sentence.kind == "new" else "出处"
    return (
        f'<span class="qa-draft-pop" role="tooltip"><strong>{sentence.label}</strong>'
        f"（{KIND_MEANING[sentence.kind]}）· {lead}：{_source(retriever, best, sentence.kind)}</span>"
    )


def marked_draft(check: DraftCheck, retriever: Retriever) -> str:
    """The draft as escaped HTML, every sentence a coloured span showing its source on hover or focus."""
    out, position = [], 0
    for n, sentence in enumerate(check.sentences, 1):
        out.append(render.escape(check.text[position : sentence.start]))
        out.append(
            f'<span class="qa-draft-s qa-draft-{sentence.kind}" tabindex="0" data-n="{n}" '
            f'aria-label="第{n}句，{sentence.label}">{render.escape(sentence.sentence)}'
            f"{_popup(retriever, sentence)}</span>"
        )
        position = sentence.end
    out.append(render.escape(check.text[position:]))
    return f'<div class="qa-draft-text">{"".join(out)}</div>'


def sentence_list(check: DraftCheck, retriever: Retriever) -> str:
    """Every checked sentence with its closest stored sentences and their sources, folded."""
    items = []
    for n, sentence in enumerate(check.sentences, 1):
        sources = "".join(f"<li>{_source(retriever, m, sentence.kind)}</li>" for m in sentence.matches)
        items.append(
            f'<li class="qa-draft-item"><details><summary>第{n}句 '
            f'<span class="qa-draft-swatch qa-draft-{sentence.kind}">{sentence.label}</span> '
            f"{render.escape(sentence.sentence)}</summary>"
            f'<ol class="qa-draft-matches">{sources}</ol></details></li>'
        )
    return (
        f'<details class="qa-draft-all"><summary>逐句查看出处（{len(check.sentences)}句）</summary>'
        f'<ol class="qa-draft-list">{"".join(items)}</ol></details>'
    )


def render_check(check: DraftCheck, retriever: Retriever) -> str:
    """The whole result: summary, legend, the marked draft and the sentence list."""
    return (
        f'<div class="qa-draft-result">{summary(check)}{LEGEND}'
        f"{marked_draft(check, retriever)}{sentence_list(check, retriever)}</div>"
    )


def error_html(message: str) -> str:
    """A refusal shown where the result would be."""
    return f'<div class="qa-draft-error" role="alert">{render.escape(message)}</div>'


def export_sections(check: DraftCheck, retriever: Retriever) -> list[Any]:
    """The check as export sections: an overview, then each sentence with its class and closest source."""
    from qa.tools.export import ExportItem, ExportSection

    counts = {kind: sum(s.kind == kind for s in check.sentences) for kind in KIND_LABELS}
    overview = (
        f"共核对{len(check.sentences)}句、{check.characters}字（按字数计）：重复{_percent(check.repeated_share)}"
        f"（{counts['repeat']}句），相近{_percent(check.close_share)}（{counts['close']}句），"
        f"新{_percent(check.new_share)}（{counts['new']}句）。"
    )
    used = [
        f"《{d.title}》{f'（{chinese_date(d.date)}）' if d.date else ''}："
        f"重复{d.repeated_chars}字、相近{d.close_chars}字"
        for d in check.top_documents
    ]
    sections = [
        ExportSection(
            "概况", [ExportItem(overview + ("\n借用最多的讲话：\n" + "\n".join(used) if used else ""), "")]
        )
    ]
    for n, sentence in enumerate(check.sentences, 1):
        items = []
        if sentence.matches:
            best = sentence.matches[0]
            note = (
                f"{sentence.label}（{KIND_MEANING[sentence.kind]}），相似度{best.cosine:.2f}；"
                + best.meaning(sentence.kind)
            )
            if sentence.kind == "new":
                note += "；所列为最接近的已有表述"
            hit = match_hit(retriever, best)
            items.append(export_item(hit, note="；".join(n for n in (note, hit_note(hit)) if n)))
        sections.append(ExportSection(f"第{n}句（{sentence.label}）：{sentence.sentence}", items))
    return sections


def export_file(
    check: DraftCheck,
    retriever: Retriever,
    kind: Literal["docx", "md"],
    folder: Path = EXPORT_DIR,
    look: DocumentStyle = "standard",
) -> Path:
    """The check written as a .docx (laid out in ``look``) or .md file under ``folder``
    (``sections.save``: old exports go)."""
    from qa.tools.export import file_name, to_docx, to_markdown
    from qa.ui.sections import ExportFile, save

    sections = export_sections(check, retriever)
    if kind == "docx":
        content = to_docx(EXPORT_TITLE, sections, check.build_id, look=look)
    else:
        content = to_markdown(EXPORT_TITLE, sections, check.build_id).encode("utf-8")
    return save(ExportFile(file_name(kind, prefix=EXPORT_PREFIX), content), folder)


def run(service: ChatService, text: str) -> tuple[str, DraftCheck | None]:
    """Check ``text`` with the service's current index: the result's HTML and the check.

    A refused draft (empty, too long, no sentence) gives its reason in Chinese and no check.
    """
    retriever = service.retriever  # one index for the check and its rendering
    try:
        check = check_draft(text, retriever)
    except DraftInputError as exc:
        return error_html(exc.chinese), None
    return render_check(check, retriever), check


def run_file(service: ChatService, path: Path) -> tuple[str | None, str, DraftCheck | None]:
    """Check the draft file at ``path`` (``qa.tools.draft_file``: .docx and the other documents'
    formats): its text (None when it cannot be read), the result's HTML and the check."""
    try:
        text = read_draft_file(path.read_bytes(), path.name)
    except DraftInputError as exc:
        return None, error_html(exc.chinese), None
    except OSError as exc:
        return None, error_html(f"无法读取上传的文件（{exc.strerror or exc}），请重新上传。"), None
    return (text, *run(service, text))


def draft_tab(service: ChatService) -> None:
    """The tab's layout and events; call inside ``with gr.Tab(...)``."""
    import gradio as gr

    from qa.ui.export_look import look_choice
    from qa.ui.page import DOWNLOAD_EXPORT

    gr.Markdown(
        "粘贴讲话稿，逐句查找讲话库中已有的相同或相近表述，并注明出处。"
        "鼠标停在句子上（或点击句子）可看到出处；下方可逐句展开全部出处。"
    )
    draft = gr.Textbox(
        label="稿件", lines=10, max_lines=30, placeholder=PLACEHOLDER, elem_id="qa-draft-input"
    )
    with gr.Row():
        check = gr.Button("核对", variant="primary", elem_id="qa-draft-check", scale=0, min_width=120)
        upload = gr.UploadButton(
            "上传 Word 稿件",
            file_types=list(UPLOAD_SUFFIXES),
            elem_id="qa-draft-upload",
            scale=0,
            min_width=160,
        )
        clear = gr.Button("清空", elem_id="qa-draft-clear", scale=0, min_width=120)
    result = gr.HTML(LEGEND, elem_id="qa-draft-result")
    checked = gr.State(None)
    with gr.Row(visible=False, elem_id="qa-draft-export") as export_row:
        export_docx = gr.Button("导出 Word", elem_id="qa-draft-docx", scale=0, min_width=200)
        export_md = gr.Button("导出 Markdown", elem_id="qa-draft-md", scale=0, min_width=200)
        export_file_button = gr.DownloadButton(
            "下载", visible=False, elem_id="qa-draft-file", scale=0, min_width=200
        )
        look = look_choice("qa-draft-look")

    def on_check(text: str) -> tuple[str, DraftCheck | None, Any]:
        try:
            html, found = run(service, text)
        except QAError as exc:
            raise gr.Error(f"核对服务暂不可用：{exc}", title="出错了") from exc
        return html, found, gr.Row(visible=found is not None)

    def on_upload(file: Any) -> tuple[Any, str, DraftCheck | None, Any]:
        text, html, found = run_file(service, Path(file if isinstance(file, str) else file.name))
        return (gr.update() if text is None else text), html, found, gr.Row(visible=found is not None)

    def exporter(kind: Literal["docx", "md"]) -> Any:
        def export(found: DraftCheck | None, look: DocumentStyle) -> Any:
            if found is None:
                gr.Warning("请先核对稿件，再导出。", title="注意")
                return gr.DownloadButton(value=None, visible=False)
            path = export_file(found, service.retriever, kind, look=look)
            return gr.DownloadButton(value=str(path), label=f"再次下载 {path.name}", visible=True)

        return export

    def on_clear() -> tuple[str, str, None, Any, Any]:
        return "", LEGEND, None, gr.Row(visible=False), gr.DownloadButton(value=None, visible=False)

    check.click(on_check, [draft], [result, checked, export_row], api_visibility="private")
    upload.upload(on_upload, [upload], [draft, result, checked, export_row], api_visibility="private")
    kinds: tuple[tuple[Any, Literal["docx", "md"]], ...] = ((export_docx, "docx"), (export_md, "md"))
    for button, kind in kinds:
        button.click(exporter(kind), [checked, look], [export_file_button], api_visibility="private").then(
            None, [export_file_button], None, js=DOWNLOAD_EXPORT, api_visibility="private"
        )
    clear.click(
        on_clear, None, [draft, result, checked, export_row, export_file_button], api_visibility="private"
    )


CSS = """
.qa-draft-s, .qa-draft-swatch { color: #111827; border-radius: 3px; }
.qa-draft-s { cursor: help; padding: 1px 0; }
.qa-draft-s:focus-visible { outline: 2px solid #1d4ed8; outline-offset: 1px; }
.qa-draft-repeat { background: #fecaca; text-decoration: underline solid #b91c1c 2px;
  text-underline-offset: 4px; }
.qa-draft-close { background: #fde68a; text-decoration: underline dashed #92400e 2px;
  text-underline-offset: 4px; }
.qa-draft-new { background: #dcfce7; }
.qa-draft-swatch { display: inline-block; padding: 0 6px; margin-right: 4px; font-weight: 600; }
.qa-draft-legend { display: flex; flex-wrap: wrap; gap: 6px 18px; margin: 8px 0; }
.qa-draft-text { position: relative; line-height: 2; font-size: 1.05em; white-space: normal; margin: 10px 0; }
/* Under the line where its sentence ends, from the draft's left edge: never off the screen. */
.qa-draft-pop { display: none; position: absolute; left: 0; z-index: 50; width: min(40em, 100%);
  box-sizing: border-box;
  background: #ffffff; color: #1f2937; border: 1px solid #6b7280; border-radius: 6px; padding: 6px 10px;
  box-shadow: 0 4px 12px rgba(0, 0, 0, 0.18); font-size: 0.92em; line-height: 1.6; font-weight: normal;
  pointer-events: none; }
.qa-draft-s:hover > .qa-draft-pop, .qa-draft-s:focus > .qa-draft-pop { display: block; }
.qa-draft-text:hover .qa-draft-s:focus:not(:hover) > .qa-draft-pop { display: none; }
.qa-draft-quote { display: block; }
.qa-draft-where, .qa-draft-meaning { display: block; color: #4b5563; }
.dark .qa-draft-where, .dark .qa-draft-meaning { color: #c9ced6; }
.qa-draft-pop .qa-draft-where, .qa-draft-pop .qa-draft-meaning { color: #4b5563; }
.qa-draft-summary p { margin: 4px 0; }
.qa-draft-list, .qa-draft-matches { margin: 6px 0 6px 1.2em; }
.qa-draft-list summary { cursor: pointer; }
.qa-draft-matches li { margin: 6px 0; }
.qa-draft-error { color: #991b1b; background: #fef2f2; border: 1px solid #fca5a5; border-radius: 6px;
  padding: 8px 12px; }
"""
