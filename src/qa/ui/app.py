"""The page: the header, the reader panel every tab opens, the tabs in order, and serving it.

Layout and events only; each tab is its own subpackage, the work is done by ``ChatService``
and the tools."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import gradio as gr

from qa.errors import QAError
from qa.tools.documents import DocumentManager
from qa.ui import glance, page, reader, render
from qa.ui.admin import tab as tab_admin
from qa.ui.admin.access import AdminAccess
from qa.ui.chat.conversation import Conversation
from qa.ui.chat.service import ChatService, question_for
from qa.ui.chat.tab import chat_tab
from qa.ui.draft import tab as tab_draft
from qa.ui.trace.tab import trace_tab

TITLE = "政协讲话问答"
INTRO = (
    "用中文提问，立即看到讲话原文中最相关的段落及其出处（文档、日期、章节、段落）。"
    "黄色标出与问题相同的词语，加粗（浅蓝底）的是最切题的句子；点文档标题阅读全文。"
)
CONCURRENCY_LIMIT = 2  # searches are CPU-bound; the machine has 2 cores
QUEUE_SIZE = 256  # beyond this, new requests are refused at once ("queue is full, retry")


def build_demo(
    service: ChatService, manager: DocumentManager | None = None, access: AdminAccess | None = None
) -> gr.Blocks:
    """The page over ``service``: its tabs, and the chat's ``search`` API endpoint.

    With ``manager``, the 文档管理 tab manages its documents, shown to whom ``access`` allows.
    """

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
            with gr.Tab("问答", id="chat", elem_id="qa-tab-chat"):
                chat = chat_tab(service, conversation)
            # The speechwriter's tools follow, one subpackage of ``qa.ui`` each.
            with gr.Tab("提法溯源", id="trace", elem_id="qa-tab-trace"):
                trace_tab(service, reader_panel, reader_body)
            with gr.Tab("查重与提法核对", id="draft", elem_id="qa-tab-draft"):
                tab_draft.draft_tab(service)
            if manager is not None:  # shown by the page's load event to the administrator only
                with gr.Tab("文档管理", id="admin", visible=False, elem_id="qa-admin") as admin_tab:
                    rebuilt = tab_admin.build(demo, admin_tab, manager, access or AdminAccess())
                rebuilt.change(chat.refresh, None, chat.refreshed, api_visibility="private")

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
        # A rebuilt index is picked up without a restart; a newly opened page lists its documents.
        demo.load(chat.refresh, None, chat.refreshed, api_visibility="private")
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
        css=render.CSS + glance.CSS + reader.CSS + page.CSS + tab_admin.CSS + tab_draft.CSS,
        js=page.PAGE_JS,
        head=page.HEAD,
        footer_links=[],  # the API stays (README, ``gradio_client``); the page shows no English footer
    )
