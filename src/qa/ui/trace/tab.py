"""The 提法溯源 tab: trace a formulation through the speeches (``qa.tools.trace``), open a use in the reader,
export the result. Layout and events only; what is shown is ``trace_view``'s.

A use's document title opens the page's reader (the one the chat's cards open) on that passage,
with the phrase's uses in the document marked: the result's own script sends the passage id
with the component's ``click`` event.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr

from qa.errors import QAError
from qa.tools.trace import Trace, trace_index
from qa.tools.word_styles import DocumentStyle
from qa.ui import page
from qa.ui.chat.service import ChatService
from qa.ui.export_look import look_choice
from qa.ui.sections import EXPORT_DIR, save
from qa.ui.trace import view as trace_view

INTRO = (
    "输入一个提法，查看它在全部讲话中的每一处用法（按日期排列，未注明日期的排在最后）、"
    "各文档和各年份的使用次数、首次和最近一次使用；相近的表述（增字、减字、改字或语序不同）单独列出，"
    "便于确认现行的规范表述。点文档标题，在右侧阅读全文。"
)
# The result's titles are buttons carrying a passage id: a click sends it with the HTML's click event.
OPEN_USE = """
element.addEventListener('click', (event) => {
  const opener = event.target instanceof Element ? event.target.closest('.qa-trace-open') : null;
  if (!opener) return;
  window.qaReaderOpener = opener;
  trigger('click', { passage_id: opener.value });
});
"""
CSS = """
.qa-trace { line-height: 1.7; }
.qa-trace h3 { font-size: 1.05em; margin: 14px 0 6px; }
.qa-trace-summary { font-weight: 600; margin: 4px 0; }
.qa-trace-message, .qa-trace-note { color: var(--qa-note-color, #4b5563); font-size: 0.92em; margin: 4px 0; }
.qa-trace-list { list-style: none; margin: 0; padding: 0; }
.qa-trace-occ { border-bottom: 1px solid var(--border-color-primary); padding: 6px 2px; }
.qa-trace-where { font-size: 0.9em; color: var(--body-text-color); }
.qa-trace-date { font-weight: 600; margin-right: 4px; }
.qa-trace-place { color: var(--qa-note-color, #4b5563); margin-left: 4px; }
.qa-trace-open { all: unset; cursor: pointer; color: var(--link-text-color); text-decoration: underline;
  text-underline-offset: 3px; }
.qa-trace-open:focus-visible { outline: 2px solid var(--color-accent); outline-offset: 2px; }
.qa-kwic mark { background: #fff3a3; color: #1f2937; padding: 0 1px; border-radius: 2px; font-weight: 600; }
.qa-trace-variant .qa-kwic mark { background: #fde2c4; }
.qa-variant-tag, .qa-trace-newest { font-size: 0.8em; margin-left: 6px; padding: 0 6px; border-radius: 8px;
  border: 1px solid #d97706; color: var(--body-text-color); }
.qa-trace-newest { border-color: var(--color-accent); }
.qa-trace-table { border-collapse: collapse; margin: 6px 0 10px; font-size: 0.92em; }
.qa-trace-table caption { text-align: left; font-weight: 600; padding: 2px 0; }
.qa-trace-table th, .qa-trace-table td { border: 1px solid var(--border-color-primary); padding: 3px 8px;
  text-align: left; }
"""


def trace_tab(
    service: ChatService, reader_panel: gr.Column, reader_body: gr.HTML, export_dir: Path = EXPORT_DIR
) -> None:
    """The tab's components and events (call inside its ``gr.Tab``); uses open ``reader_panel``."""

    def run(phrase: str) -> tuple[Any, Any, Any, Any]:
        if problem := trace_view.problem(phrase):
            gr.Warning(problem, title="注意")
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        try:
            found = trace_index(service.retriever.index, phrase, trace_view.MAX_SHOWN)
        except QAError as exc:
            raise gr.Error(f"检索服务暂不可用：{exc}", title="出错了") from exc
        listed = bool(found.total or found.total_variants)
        return (
            trace_view.result_html(found),
            found.phrase,
            gr.Button(visible=listed),
            gr.Button(visible=listed),
        )

    def open_use(phrase: str, event: gr.EventData) -> tuple[Any, Any]:
        passage_id = getattr(event, "passage_id", "")
        if not passage_id:
            return gr.skip(), gr.skip()
        return gr.Column(visible=True), trace_view.document_view(service.retriever.index, passage_id, phrase)

    def exporter(kind: str) -> Any:
        def export(phrase: str, look: DocumentStyle) -> Any:
            retriever = service.retriever
            if not phrase or trace_view.problem(phrase):
                gr.Warning("请先溯源一个提法，再导出。", title="注意")
                return gr.DownloadButton(value=None, visible=False)
            found: Trace = trace_index(retriever.index, phrase, trace_view.MAX_SHOWN)
            path = save(trace_view.export_trace(found, retriever, kind, look=look), export_dir)
            return gr.DownloadButton(value=str(path), label=f"再次下载 {path.name}", visible=True)

        return export

    gr.Markdown(INTRO, elem_id="qa-trace-intro")
    with gr.Row(elem_id="qa-trace-bar"):
        phrase = gr.Textbox(
            placeholder="输入提法，例如：有事好商量",
            label="提法",
            show_label=False,
            lines=1,
            scale=6,
            elem_id="qa-trace-phrase",
        )
        go = gr.Button("溯源", variant="primary", scale=1, elem_id="qa-trace-go")
    # Made here, shown below: the examples trace at once, into them.
    result = gr.HTML(
        '<p class="qa-trace-message">结果将显示在这里。</p>',
        elem_id="qa-trace-result",
        js_on_load=OPEN_USE,
        css_template=CSS,
        render=False,
    )
    export_docx, export_md = (
        gr.Button(
            label, size="sm", scale=0, min_width=140, visible=False, elem_id=f"qa-trace-{kind}", render=False
        )
        for label, kind in (("导出 Word", "docx"), ("导出 Markdown", "md"))
    )
    traced = gr.State("")  # the phrase of the result shown: the reader marks it, the export redoes it
    outputs = [result, traced, export_docx, export_md]
    gr.Examples(
        [[e] for e in trace_view.EXAMPLES],
        [phrase],
        outputs,
        fn=run,
        run_on_click=True,
        cache_examples=False,
        label="示例提法",
        api_visibility="private",
    )
    with gr.Row(elem_id="qa-trace-export"):
        export_docx.render()
        export_md.render()
        export_file = gr.DownloadButton(
            "下载", size="sm", scale=0, min_width=140, visible=False, elem_id="qa-trace-file"
        )
        look = look_choice("qa-trace-look")
    result.render()

    phrase.submit(run, [phrase], outputs, api_visibility="private")
    go.click(run, [phrase], outputs, api_visibility="private")
    result.click(open_use, [traced], [reader_panel, reader_body], api_visibility="private").then(
        None, None, None, js=page.SHOW_CITED, api_visibility="private"
    )
    for button, kind in ((export_docx, "docx"), (export_md, "md")):
        button.click(exporter(kind), [traced, look], [export_file], api_visibility="private").then(
            None, [export_file], None, js=page.DOWNLOAD_EXPORT, api_visibility="private"
        )
