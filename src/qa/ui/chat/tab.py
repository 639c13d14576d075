"""The 问答 tab: the chat, its side panel (answer count, document filter, citation style,
export of ticked cards, the documents) and the ``search`` API endpoint; the work is done by
``ChatService``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gradio as gr

from qa.errors import QAError, QuestionError
from qa.tools.word_styles import DocumentStyle
from qa.ui import page
from qa.ui.chat.conversation import Conversation, Message
from qa.ui.chat.filters import Filters, speaker_choices, type_choices
from qa.ui.chat.service import ASK_ALONE, DEFAULT_K, EXAMPLES, MAX_K, UNCONSTRAINED, ChatService
from qa.ui.citation import STYLES, CitationStyle
from qa.ui.export_look import look_choice
from qa.ui.glance import NEWEST_FIRST_LABEL
from qa.ui.sections import EXPORT_DIR, NOTHING_CHOSEN, Kind, export_chat, save

HELP = """**使用提示**

- 回答最上方的“一句话回答”是下方段落中最切题的一两句原文，附出处；勾选“最新在前”则段落按讲话日期排列。
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


@dataclass(frozen=True)
class ChatTab:
    """What the rest of the page needs from the chat tab: the lists a rebuild refreshes."""

    sources: gr.Dropdown
    documents: gr.HTML
    types: gr.Dropdown
    speakers: gr.Dropdown
    refresh: Callable[[], tuple[Any, str, Any, Any]]

    @property
    def refreshed(self) -> list[Any]:
        """The components ``refresh`` updates, in its order."""
        return [self.sources, self.documents, self.types, self.speakers]


def chat_tab(service: ChatService, conversation: gr.State) -> ChatTab:
    """Lay out the chat inside the current tab and wire its events; ``conversation`` is the page's."""

    def respond(
        question: str,
        k: float,
        sources: list[str] | None,
        conversation: Conversation,
        style: CitationStyle = "plain",
        newest: bool = False,
        years: str = "",
        types: list[str] | None = None,
        speakers: list[str] | None = None,
    ) -> tuple[Conversation, list[Message], str]:
        try:
            filters = Filters.of(years, types, speakers)
            updated = service.respond(
                question, k, sources, conversation, style=style, newest_first=newest, filters=filters
            )
        except QuestionError as exc:  # empty or a pasted document: refused before anything loads
            gr.Warning(exc.chinese, title="注意")
            return conversation, conversation.messages, question
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
        newest: bool,
        years: str,
        types: list[str] | None,
        speakers: list[str] | None,
        selected: gr.SelectData,
    ) -> tuple[Conversation, list[Message], str]:
        value: Any = selected.value
        text = value.get("text", "") if isinstance(value, dict) else str(value)
        return respond(text, k, sources, conversation, style, newest, years, types, speakers)

    def rate(conversation: Conversation, data: gr.LikeData) -> None:
        index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        liked = data.liked
        rating = liked if isinstance(liked, str) else ("like" if liked else "dislike")
        if service.rate(conversation, int(index), rating):
            gr.Info("已记录您的评价，谢谢！", title="提示")

    def refresh_documents() -> tuple[Any, str, Any, Any]:
        retriever = service.retriever
        return (
            gr.update(choices=service.document_choices()),
            service.documents_html(),
            gr.update(choices=type_choices(retriever)),
            gr.update(choices=speaker_choices(retriever)),
        )

    def ask_alone(
        conversation: Conversation, style: CitationStyle, newest: bool, selected: gr.SelectData
    ) -> tuple[Conversation, list[Message]]:
        if selected.value not in (ASK_ALONE, UNCONSTRAINED):  # the options the chat offers
            return conversation, conversation.messages
        try:
            if selected.value == UNCONSTRAINED:
                updated = service.unconstrained(conversation, style, newest)
            else:
                updated = service.ask_alone(conversation, style, newest)
        except ValueError as exc:
            gr.Warning(f"无法检索：{exc}", title="注意")
            return conversation, conversation.messages
        except QAError as exc:
            raise gr.Error(f"检索服务暂不可用：{exc}", title="出错了") from exc
        return updated, updated.messages

    def new_conversation() -> tuple[Conversation, list[Message], str]:
        return Conversation(), [], ""

    def api_search(
        question: str,
        k: int = DEFAULT_K,
        documents: list[str] | None = None,
        previous: str | None = None,
        newest_first: bool = False,
        years: str = "",
        types: list[str] | None = None,
        speakers: list[str] | None = None,
        constraints: bool = True,
    ) -> dict[str, Any]:
        """Search the speeches: the best ``k`` passages for ``question`` with full attribution, and
        the answer at a glance.

        ``documents`` restricts the search to those file names; ``previous`` is the previous
        question, for follow-ups such as "那具体要怎么做?"; ``newest_first`` orders the passages
        by date, newest first. ``years`` ("2024" or "2020-2024"), ``types`` (讲话, 工作报告, 通知…)
        and ``speakers`` restrict it to documents of those; with ``constraints`` a year, session,
        speaker, 文号 or article named in the question restricts it too (``applied`` and ``note``
        say which).
        """
        try:
            filters = Filters.of(years, types, speakers)
            filters = Filters(filters.years, filters.types, filters.speakers, constraints)
            return service.api_search(question, k, documents, previous, newest_first, filters)
        except (ValueError, QAError) as exc:
            raise gr.Error(str(exc)) from exc

    def exporter(kind: Kind) -> Callable[[str, Conversation, CitationStyle, DocumentStyle], Any]:
        def export(
            selection: str, conversation: Conversation, style: CitationStyle, look: DocumentStyle
        ) -> Any:
            try:
                build_id = service.retriever.index.build_id
            except QAError:
                build_id = ""  # the answers name the index that answered them
            made = export_chat(conversation, selection, style, kind, build_id, look=look)
            if made is None:
                gr.Warning(NOTHING_CHOSEN, title="注意")
                return gr.DownloadButton(value=None, visible=False)
            path = save(made, EXPORT_DIR)
            again = "再次下载（Word 文档）" if kind == "docx" else "再次下载（Markdown 文件）"
            return gr.DownloadButton(value=str(path), label=again, visible=True)

        return export

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
            newest = gr.Checkbox(value=False, label=NEWEST_FIRST_LABEL, elem_id="qa-newest")
            sources = gr.Dropdown(
                choices=service.document_choices(),
                multiselect=True,
                value=[],
                label="限定文档（留空为全部）",
                elem_id="qa-filter",
            )
            with gr.Row(equal_height=True):
                years = gr.Textbox(
                    label="年份", placeholder="如 2024 或 2020-2024", min_width=0, elem_id="qa-years"
                )
                types = gr.Dropdown(
                    choices=type_choices(service.retriever),
                    multiselect=True,
                    value=[],
                    label="文件类型",
                    min_width=0,
                    elem_id="qa-types",
                )
            speakers = gr.Dropdown(
                choices=speaker_choices(service.retriever),
                multiselect=True,
                value=[],
                label="讲话人",
                elem_id="qa-speakers",
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
                    export_docx = gr.Button("Word", size="sm", min_width=0, elem_id="qa-export-docx")
                    export_md = gr.Button("Markdown", size="sm", min_width=0, elem_id="qa-export-md")
                export_file = gr.DownloadButton("下载", visible=False, size="sm", elem_id="qa-export-file")
                look = look_choice("qa-export-look")
            export_selection = gr.Textbox(
                label="所选段落",
                show_label=False,
                visible="hidden",
                elem_id="qa-export-selection",
            )
            with gr.Accordion("已索引文档", open=True):
                documents = gr.HTML(service.documents_html(), elem_id="qa-docs")
            gr.Markdown(HELP)

    filters = [years, types, speakers]
    inputs = [question, k, sources, conversation, style, newest, *filters]
    outputs = [conversation, chatbot, question]
    for event in (
        question.submit(respond, inputs, outputs, api_visibility="private"),
        ask.click(respond, inputs, outputs, api_visibility="private"),
        chatbot.example_select(
            ask_example,
            [k, sources, conversation, style, newest, *filters],
            outputs,
            api_visibility="private",
        ),
    ):
        event.then(None, None, None, js=SCROLL_TO_ANSWER, api_visibility="private")
    # "只按本问题检索" under a follow-up's answer, "不按限定…" under a constrained one (Gradio shows
    # the newest answer's options).
    chatbot.option_select(
        ask_alone, [conversation, style, newest], [conversation, chatbot], api_visibility="private"
    ).then(None, None, None, js=SCROLL_TO_ANSWER, api_visibility="private")
    chatbot.like(rate, [conversation], None, api_visibility="private")
    for button, export in ((export_docx, exporter("docx")), (export_md, exporter("md"))):
        button.click(
            export,
            [export_selection, conversation, style, look],
            [export_file],
            js=page.EXPORT_REQUEST,
            api_visibility="private",
        ).then(None, [export_file], None, js=page.DOWNLOAD_EXPORT, api_visibility="private")
    clear.click(new_conversation, None, outputs, api_visibility="private")
    chatbot.clear(new_conversation, None, outputs, api_visibility="private")
    gr.api(api_search, api_name="search")
    return ChatTab(sources, documents, types, speakers, refresh_documents)
