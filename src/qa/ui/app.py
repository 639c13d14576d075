"""The Gradio chat page: layout and events only; the work is done by ``ChatService``."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import gradio as gr

from qa.errors import QAError
from qa.ui import page, reader, render, tab_admin, tab_draft
from qa.ui.admin import AdminAccess, DocumentManager
from qa.ui.citation import STYLES, CitationStyle
from qa.ui.conversation import Conversation, Message
from qa.ui.sections import NOTHING_CHOSEN, Kind, export_chat, save
from qa.ui.service import ASK_ALONE, DEFAULT_K, EXAMPLES, MAX_K, ChatService, question_for
from qa.ui.tab_trace import trace_tab

TITLE = "政协讲话问答"
INTRO = (
    "用中文提问，立即看到讲话原文中最相关的段落及其出处（文档、日期、章节、段落）。"
    "黄色标出与问题相同的词语，加粗（浅蓝底）的是最切题的句子；点文档标题阅读全文。"
)
HELP = """**使用提示**

- 追问（如“那具体要怎么做？”“还有呢？”）会结合上一个问题检索；点“新对话”重新开始。
- 给词语加引号（如“懂政协”）只返回字面包含它的段落。
- 点段落下方的《文档标题》在右侧阅读全文；“查看上下文”只展开前后段落，“复制引用”给出可粘贴的引文。
- 用回答下方的赞、踩按钮评价，帮助改进检索。
"""
# Long answers: show the start of the newest one, not the end of the chat.
SCROLL_TO_ANSWER = """() => { setTimeout(() => {
  const answers = document.querySelectorAll('#qa-chat .qa-answer');
  if (!answers.length) return;
  const answer = answers[answers.length - 1];
  let box = answer.parentElement;
  const scrolls = (el) =>
    el.scrollHeight > el.clientHeight && /(auto|scroll)/.test(getComputedStyle(el).overflowY);
  while (box && !scrolls(box)) box = box.parentElement;
  if (box) box.scrollTop += answer.getBoundingClientRect().top - box.getBoundingClientRect().top - 72;
  else window.scrollBy(0, answer.getBoundingClientRect().top - 16);
}, 150); }"""
EXPORT_DIR = Path(tempfile.gettempdir()) / "qa-exports"  # Gradio serves the files from its own cache
CONCURRENCY_LIMIT = 2  # searches are CPU-bound; the machine has 2 cores
QUEUE_SIZE = 256  # beyond this, new requests are refused at once ("queue is full, retry")


def build_demo(
    service: ChatService, manager: DocumentManager | None = None, access: AdminAccess | None = None
) -> gr.Blocks:
    """The chat page over ``service``, with the ``search`` API endpoint.

    With ``manager``, the 文档管理 tab manages its documents, shown to whom ``access`` allows.
    """

    def respond(
        question: str,
        k: float,
        sources: list[str] | None,
        conversation: Conversation,
        style: CitationStyle = "plain",
    ) -> tuple[Conversation, list[Message], str]:
        try:
            updated = service.respond(question, k, sources, conversation, style=style)
        except ValueError as exc:
            empty = not question or not question.strip()
            gr.Warning("请输入问题。" if empty else f"无法检索：{exc}", title="注意")
            return conversation, conversation.messages, question
        except QAError as exc:
            raise gr.Error(f"检索服务暂不可用：{exc}", title="出错了") from exc
        return updated, updated.messages, ""

    def ask_example(
        k: float,
        sources: list[str] | None,
        conversation: Conversation,
        style: CitationStyle,
        selected: gr.SelectData,
    ) -> tuple[Conversation, list[Message], str]:
        value: Any = selected.value
        text = value.get("text", "") if isinstance(value, dict) else str(value)
        return respond(text, k, sources, conversation, style)

    def rate(conversation: Conversation, data: gr.LikeData) -> None:
        index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        liked = data.liked
        rating = liked if isinstance(liked, str) else ("like" if liked else "dislike")
        if service.rate(conversation, int(index), rating):
            gr.Info("已记录您的评价，谢谢！", title="提示")

    def refresh_documents() -> tuple[Any, str]:
        return gr.update(choices=service.document_choices()), service.documents_html()

    def ask_alone(
        conversation: Conversation, style: CitationStyle, selected: gr.SelectData
    ) -> tuple[Conversation, list[Message]]:
        if selected.value != ASK_ALONE:  # the only option the chat offers, under a follow-up's answer
            return conversation, conversation.messages
        try:
            updated = service.ask_alone(conversation, style)
        except ValueError as exc:
            gr.Warning(f"无法检索：{exc}", title="注意")
            return conversation, conversation.messages
        except QAError as exc:
            raise gr.Error(f"检索服务暂不可用：{exc}", title="出错了") from exc
        return updated, updated.messages

    def new_conversation() -> tuple[Conversation, list[Message], str]:
        return Conversation(), [], ""

    def api_search(
        question: str, k: int = DEFAULT_K, documents: list[str] | None = None, previous: str | None = None
    ) -> dict[str, Any]:
        """Search the speeches: the best ``k`` passages for ``question`` with full attribution.

        ``documents`` restricts the search to those file names; ``previous`` is the previous
        question, for follow-ups such as "那具体要怎么做?".
        """
        try:
            return service.api_search(question, k, documents, previous)
        except (ValueError, QAError) as exc:
            raise gr.Error(str(exc)) from exc

    def exporter(kind: Kind) -> Callable[[str, Conversation, CitationStyle], Any]:
        def export(selection: str, conversation: Conversation, style: CitationStyle) -> Any:
            try:
                build_id = service.retriever.index.build_id
            except QAError:
                build_id = ""  # the answers name the index that answered them
            made = export_chat(conversation, selection, style, kind, build_id)
            if made is None:
                gr.Warning(NOTHING_CHOSEN, title="注意")
                return gr.DownloadButton(value=None, visible=False)
            path = save(made, EXPORT_DIR)
            again = "再次下载（Word 文档）" if kind == "docx" else "再次下载（Markdown 文件）"
            return gr.DownloadButton(value=str(path), label=again, visible=True)

        return export

    def open_document(request: str, conversation: Conversation) -> tuple[Any, str]:
        passage_id, _, answer = request.partition("\n")
        number = int(answer) if answer.lstrip("-").isdigit() else None
        question = question_for(conversation, passage_id, number)
        return gr.Column(visible=True), service.document_view(passage_id, question)

    with gr.Blocks(title=TITLE) as demo:
        conversation = gr.State(Conversation())
        gr.Markdown(f"# {TITLE}\n{INTRO}", elem_id="qa-intro")
        # The reader: the whole document of a passage, opened from a card's title (see ``page``) or
        # from a tool's result; outside the tabs (a hidden tab hides what it holds), so every tab can.
        with gr.Column(visible=False, elem_id="qa-reader") as reader_panel:
            with gr.Row(elem_id="qa-reader-bar"):
                close_reader = gr.Button("关闭全文", elem_id="qa-reader-close", size="sm", scale=0)
            reader_body = gr.HTML(elem_id="qa-reader-body")
        reader_request = gr.Textbox(
            label="全文请求", show_label=False, visible="hidden", elem_id="qa-doc-request"
        )
        open_reader = gr.Button("打开全文", visible="hidden", elem_id="qa-doc-open")
        with gr.Tabs(elem_id="qa-tabs"):
            with gr.Tab("问答", id="chat", elem_id="qa-tab-chat"):  # noqa: SIM117 - the tab, then its layout
                with gr.Row(elem_id="qa-main"):
                    with gr.Column(scale=3, min_width=0):
                        chatbot = gr.Chatbot(
                            label="对话",
                            height=None,
                            autoscroll=False,
                            elem_id="qa-chat",
                            sanitize_html=True,
                            allow_tags=False,
                            latex_delimiters=[],
                            buttons=[],
                            placeholder="请在下方输入问题，或点击示例问题。",
                            examples=[{"text": q} for q in EXAMPLES],
                            feedback_options=("Like", "Dislike"),
                        )
                        with gr.Row(elem_id="qa-composer"):
                            question = gr.Textbox(
                                placeholder="输入问题，例如：怎样提高履职能力？",
                                label="问题",
                                show_label=False,
                                lines=1,
                                scale=6,
                                elem_id="qa-question",
                                autofocus=True,
                            )
                            ask = gr.Button("提问", variant="primary", scale=1, elem_id="qa-ask")
                        clear = gr.Button("新对话", elem_id="qa-new", size="sm")
                    with gr.Column(scale=1, min_width=280, elem_id="qa-side"):
                        k = gr.Slider(1, MAX_K, value=DEFAULT_K, step=1, label="显示段落数", elem_id="qa-k")
                        sources = gr.Dropdown(
                            choices=service.document_choices(),
                            multiselect=True,
                            value=[],
                            label="限定文档（留空为全部）",
                            elem_id="qa-filter",
                        )
                        style = gr.Radio(
                            list(STYLES),
                            value="plain",
                            label="引用格式",
                            info="“复制引用”给出的格式（对新的回答生效）",
                            elem_id="qa-cite-style",
                        )
                        # Export of the ticked cards (``qa.ui.sections``), cited in the style above.
                        with gr.Column(elem_id="qa-export", variant="panel"):
                            gr.HTML(page.EXPORT_LABEL, padding=False)
                            with gr.Row(equal_height=True):
                                export_docx = gr.Button(
                                    "Word", size="sm", min_width=0, elem_id="qa-export-docx"
                                )
                                export_md = gr.Button(
                                    "Markdown", size="sm", min_width=0, elem_id="qa-export-md"
                                )
                            export_file = gr.DownloadButton(
                                "下载", visible=False, size="sm", elem_id="qa-export-file"
                            )
                        export_selection = gr.Textbox(
                            label="所选段落",
                            show_label=False,
                            visible="hidden",
                            elem_id="qa-export-selection",
                        )
                        with gr.Accordion("已索引文档", open=True):
                            documents = gr.HTML(service.documents_html(), elem_id="qa-docs")
                        gr.Markdown(HELP)

            # The speechwriter's tools, one module each (qa/ui/tab_*.py), follow as tabs here.
            with gr.Tab("提法溯源", id="trace", elem_id="qa-tab-trace"):
                trace_tab(service, reader_panel, reader_body)
            with gr.Tab("查重与提法核对", id="draft", elem_id="qa-tab-draft"):
                tab_draft.draft_tab(service)
            if manager is not None:  # shown by the page's load event to the administrator only
                with gr.Tab("文档管理", id="admin", visible=False, elem_id="qa-admin") as admin_tab:
                    rebuilt = tab_admin.build(demo, admin_tab, manager, access or AdminAccess())
                rebuilt.change(refresh_documents, None, [sources, documents], api_visibility="private")

        inputs = [question, k, sources, conversation, style]
        outputs = [conversation, chatbot, question]
        for event in (
            question.submit(respond, inputs, outputs, api_visibility="private"),
            ask.click(respond, inputs, outputs, api_visibility="private"),
            chatbot.example_select(
                ask_example, [k, sources, conversation, style], outputs, api_visibility="private"
            ),
        ):
            event.then(None, None, None, js=SCROLL_TO_ANSWER, api_visibility="private")
        # "只按本问题检索", offered under a follow-up's answer (Gradio shows the newest answer's options).
        chatbot.option_select(
            ask_alone, [conversation, style], [conversation, chatbot], api_visibility="private"
        ).then(None, None, None, js=SCROLL_TO_ANSWER, api_visibility="private")
        chatbot.like(rate, [conversation], None, api_visibility="private")
        open_reader.click(
            open_document,
            [reader_request, conversation],
            [reader_panel, reader_body],
            js=page.READER_REQUEST,
            api_visibility="private",
        ).then(None, None, None, js=page.SHOW_CITED, api_visibility="private")
        close_reader.click(
            lambda: gr.Column(visible=False), None, [reader_panel], api_visibility="private"
        ).then(None, None, None, js=page.REFOCUS_OPENER, api_visibility="private")
        for button, export in ((export_docx, exporter("docx")), (export_md, exporter("md"))):
            button.click(
                export,
                [export_selection, conversation, style],
                [export_file],
                js=page.EXPORT_REQUEST,
                api_visibility="private",
            ).then(None, [export_file], None, js=page.DOWNLOAD_EXPORT, api_visibility="private")
        clear.click(new_conversation, None, outputs, api_visibility="private")
        chatbot.clear(new_conversation, None, outputs, api_visibility="private")
        gr.api(api_search, api_name="search")
        # A rebuilt index is picked up without a restart; a newly opened page lists its documents.
        demo.load(refresh_documents, None, [sources, documents], api_visibility="private")
    return demo


LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def credentials(environ: Mapping[str, str]) -> list[tuple[str, str]]:
    """Logins from ``QA_AUTH`` ("user:password") or ``QA_AUTH_FILE`` (one "user:password" a line)."""
    lines: list[str] = []
    if value := environ.get("QA_AUTH"):
        lines.append(value)
    if path := environ.get("QA_AUTH_FILE"):
        try:
            lines += Path(path).read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise QAError(f"QA_AUTH_FILE {path} cannot be read ({exc.strerror or exc}).") from exc
    pairs = []
    for line in (raw.strip() for raw in lines):
        if not line or line.startswith("#"):
            continue
        user, sep, password = line.partition(":")
        if not sep or not user or not password:
            raise QAError("A login must look like user:password (QA_AUTH or a line of QA_AUTH_FILE).")
        pairs.append((user, password))
    return pairs


def exposure_warning(host: str, logins: list[tuple[str, str]]) -> str | None:
    """The warning to print when the page is reachable from other machines without a login."""
    if host in LOOPBACK or logins:
        return None
    return (
        f"WARNING: serving on {host} without a login: anyone who can reach this address can use the page. "
        "Set QA_AUTH=user:password or QA_AUTH_FILE to require one."
    )


def launch(demo: gr.Blocks, host: str, port: int, logins: list[tuple[str, str]] | None = None) -> None:
    """Serve ``demo`` with a bounded queue and the page's styles; never through a share link."""
    # Gradio rebuilds a pandas summary of up to 10,000 past events after every event by
    # default (for its monitoring page, unused here): a fifth of the CPU under load.
    os.environ.setdefault("GRADIO_ANALYTICS_CACHE_FREQUENCY", "500")
    os.environ.setdefault("GRADIO_ANALYTICS_MAX_EVENTS", "1000")
    queue_size = int(os.environ.get("QA_QUEUE_SIZE") or QUEUE_SIZE)
    # Queue positions are pushed every 5 s rather than after every answer: with many
    # waiting users the per-answer broadcast costs more than the searches.
    demo.queue(default_concurrency_limit=CONCURRENCY_LIMIT, max_size=queue_size, status_update_rate=5)
    demo.launch(
        server_name=host,
        server_port=port,
        share=False,
        auth=logins or None,
        css=render.CSS + reader.CSS + page.CSS + tab_admin.CSS + tab_draft.CSS,
        js=page.PAGE_JS,
        head=page.HEAD,
        footer_links=[],  # the API stays (README, ``gradio_client``); the page shows no English footer
    )
