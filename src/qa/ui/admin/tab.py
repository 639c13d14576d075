"""The 文档管理 tab: upload documents, remove them to the trash and restore them, edit their
titles and dates, read their cleaning reports, rebuild the index.

Only the administrator (``AdminAccess``) sees the tab, and every handler checks the user
again: a hidden tab's events can still be called. The work is ``DocumentManager``'s; this
module lays out the tab and wires its events; ``qa.ui.admin.views`` renders the HTML.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr

from qa.errors import AdminError, QAError
from qa.ingest import SUPPORTED_SUFFIXES
from qa.ingest.sidecar import make_override
from qa.tools.documents import DocumentManager, Listed
from qa.ui.admin.access import AdminAccess
from qa.ui.admin.views import (
    CSS,
    choice_label,
    described,
    documents_html,
    intro,
    read_values,
    removal_prompt,
    report_html,
    status_html,
    trash_html,
    trash_label,
)
from qa.ui.render import escape

__all__ = ["CSS", "build"]

FORBIDDEN = "只有管理员可以管理文档。"
PLACEHOLDERS = {"date": "2024年3月5日", "kind": "讲话、工作报告、通知"}


def _failed(exc: Exception) -> str:
    return f'<p class="qa-admin-failed">{escape(str(exc))}</p>'


def build(demo: gr.Blocks, tab: gr.Tab, manager: DocumentManager, access: AdminAccess) -> gr.State:
    """Lay out the tab's content (call inside ``tab``) and wire its events; ``tab`` is shown to the
    administrator when the page loads. Returns a state holding the served index's build id: it
    changes when a rebuild lands (refresh the page's document lists on it)."""
    gr.Markdown(intro())
    with gr.Row():
        files = gr.File(
            label="选择文件",
            file_count="multiple",
            file_types=list(SUPPORTED_SUFFIXES),
            type="filepath",
            elem_id="qa-admin-files",
            scale=3,
        )
        with gr.Column(scale=1, min_width=200):
            overwrite = gr.Checkbox(label="覆盖同名文件", value=False, elem_id="qa-admin-overwrite")
            upload = gr.Button("上传到文档目录", variant="primary", elem_id="qa-admin-upload")
            rebuild = gr.Button("重建索引", elem_id="qa-admin-rebuild")
    result = gr.HTML(elem_id="qa-admin-result")
    status = gr.HTML(elem_id="qa-admin-status")
    with gr.Accordion("文档目录", open=True):
        table = gr.HTML(elem_id="qa-admin-docs")
    chosen = gr.Dropdown(choices=[], label="选择文档（标题 · 日期 · 文件）", elem_id="qa-admin-doc")
    # The panels holding fields the handlers fill start open. Gradio 6 mounts a closed
    # accordion's children when it opens and pushes their stored values again a frame later,
    # which undid a date typed in that moment (seen in CI, on a machine busy with a rebuild).
    with gr.Accordion("编辑标题、日期、讲话人、文种（重建索引后生效）", open=True, elem_id="qa-admin-meta"):
        with gr.Row():
            title = gr.Textbox(label="标题", elem_id="qa-admin-meta-title", scale=3)
            date = gr.Textbox(
                label="日期", placeholder=PLACEHOLDERS["date"], elem_id="qa-admin-meta-date", scale=1
            )
        with gr.Row():
            speaker = gr.Textbox(label="讲话人", elem_id="qa-admin-meta-speaker")
            kind = gr.Textbox(label="文种", placeholder=PLACEHOLDERS["kind"], elem_id="qa-admin-meta-kind")
            save = gr.Button("保存", elem_id="qa-admin-meta-save")
    with gr.Accordion("删除（移入回收站）", open=True, elem_id="qa-admin-removal"):
        prompt = gr.HTML(removal_prompt(None), elem_id="qa-admin-confirm-prompt")
        with gr.Row():
            typed = gr.Textbox(label="输入标题以确认删除", elem_id="qa-admin-confirm", scale=3)
            remove = gr.Button("移入回收站", variant="stop", elem_id="qa-admin-remove", scale=1)
    report = gr.HTML(elem_id="qa-admin-report")
    with gr.Accordion("回收站", open=True, elem_id="qa-admin-trash-panel"):
        trash = gr.HTML(elem_id="qa-admin-trash")
        with gr.Row():
            picked = gr.Dropdown(choices=[], label="选择要恢复的文档", elem_id="qa-admin-trash-pick", scale=3)
            restore = gr.Button("恢复所选文档", elem_id="qa-admin-restore", scale=1)
    timer = gr.Timer(1.0, active=False)
    served = gr.State("")
    shown = gr.State("")  # the document whose values the edit fields were given
    meta_fields = [title, date, speaker, kind]

    def allowed(request: gr.Request) -> bool:
        return access.allows(getattr(request, "username", None))

    def require(request: gr.Request) -> str:
        """Who acts, for the log ("page", with the login when there is one); ``gr.Error`` for others."""
        if not allowed(request):
            raise gr.Error(FORBIDDEN, title="无权限")
        login = getattr(request, "username", None)
        return f"page:{login}" if login else "page"

    def listing(keep: str | None = None, *, leave_choice: bool = False) -> tuple[Any, ...]:
        """The listing outputs; the dropdown keeps ``keep`` if still listed, else is cleared, or
        its value is left as the page has it (``leave_choice``)."""
        listed = manager.documents()
        entries = manager.trash()
        choices = [(choice_label(d), d.source) for d in listed if d.state != "removed"]
        pending = [d for d in listed if d.state in ("new", "changed", "edited", "removed")]
        kept = keep if any(source == keep for _, source in choices) else None
        return (
            documents_html(listed),
            gr.Dropdown(choices=choices) if leave_choice else gr.Dropdown(choices=choices, value=kept),
            status_html(manager.status(), pending),
            trash_html(entries),
            gr.Dropdown(choices=[(trash_label(e), e.name) for e in entries], value=None),
        )

    def listed(name: str | None) -> Listed | None:
        return next((d for d in manager.documents() if d.source == name and d.state != "removed"), None)

    def on_load(request: gr.Request) -> tuple[Any, ...]:
        if not allowed(request):
            empty = gr.Dropdown(choices=[])
            return gr.Tab(visible=False), "", empty, "", "", empty, gr.Timer(active=False)
        return (gr.Tab(visible=True), *listing(), gr.Timer(active=manager.status().running))

    def on_upload(paths: list[str] | None, replacing: bool, request: gr.Request) -> tuple[Any, ...]:
        require(request)
        if not paths:
            return ("<p>请先选择文件。</p>", *listing(), gr.skip())
        lines = []
        for path in paths:
            try:
                done = manager.upload(Path(path).name, Path(path), overwrite=replacing)
            except AdminError as exc:
                lines.append(f'<li class="qa-admin-failed">{escape(str(exc))}</li>')
                continue
            verb = "已替换" if done.replaced else "已保存"
            lines.append(
                f"<li>{verb}“{escape(done.source)}”：《{escape(done.title)}》，{done.paragraphs} 段，"
                f"清理后保留 {done.kept_share:.0%} 的文字。</li>"
            )
        return (f"<ul>{''.join(lines)}</ul><p>点“重建索引”使更改进入问答。</p>", *listing(), None)

    def on_choose(shown: str, picked: gr.SelectData, request: gr.Request) -> tuple[Any, ...]:
        """The picked document's report, removal prompt and edit fields; picking the document
        already shown again keeps what the administrator typed in its fields."""
        require(request)
        name = picked.value
        doc = listed(name)
        if not name or doc is None:
            return "", removal_prompt(None), "", "", "", "", "", ""
        try:
            found = manager.report(name)
        except AdminError as exc:
            return _failed(exc), removal_prompt(doc), "", "", "", "", "", ""
        if name == shown:
            return report_html(found), removal_prompt(doc), *(gr.skip(),) * 6
        was = read_values(found)
        return (
            report_html(found),
            removal_prompt(doc),
            "",
            *(
                gr.Textbox(
                    value=found.override.get(field, ""),
                    placeholder=f"读取所得：{was[field]}" if was[field] else PLACEHOLDERS.get(field, ""),
                )
                for field in ("title", "date", "speaker", "kind")
            ),
            name,
        )

    def on_remove(name: str | None, confirm: str, request: gr.Request) -> tuple[Any, ...]:
        who = require(request)
        doc = listed(name)
        if not name or doc is None:
            return ("<p>请先选择要删除的文档。</p>", *listing(), gr.skip(), gr.skip(), gr.skip())
        try:
            manager.remove(name, who=who, confirm=confirm or "")
        except AdminError as exc:
            return (_failed(exc), *listing(name), gr.skip(), gr.skip(), gr.skip())
        done = f"<p>已将{described(doc)}移入回收站。点“重建索引”使它从回答中消失；在“回收站”中可恢复。</p>"
        return (done, *listing(), "", removal_prompt(None), "")

    def on_restore(entry: str | None, request: gr.Request) -> tuple[Any, ...]:
        who = require(request)
        if not entry:
            return ("<p>请先在回收站中选择文档。</p>", *listing())
        try:
            back = manager.restore(entry, who=who)
        except AdminError as exc:
            return (_failed(exc), *listing())
        what = f"《{escape(back.title or back.source)}》（文件 {escape(back.source)}）"
        return (f"<p>已恢复 {what}。点“重建索引”使它重新进入问答。</p>", *listing())

    def on_save(
        name: str | None, new_title: str, new_date: str, new_speaker: str, new_kind: str, request: gr.Request
    ) -> tuple[Any, ...]:
        who = require(request)
        if not name or listed(name) is None:
            return ("<p>请先选择要编辑的文档。</p>", *listing(), gr.skip())
        try:
            changes = make_override(new_title, new_date, new_speaker, new_kind, where=name)
            stored = manager.edit(name, changes, who=who)
            found = report_html(manager.report(name))
        except QAError as exc:  # a date that is no date: say so, store nothing
            return (_failed(exc), *listing(name), gr.skip())
        said = "已保存" if stored.to_json() else "已清除手工设定，恢复读取所得的值"
        return (f"<p>{said}（{escape(name)}）。点“重建索引”后生效。</p>", *listing(name), found)

    def on_rebuild(request: gr.Request) -> tuple[Any, ...]:
        require(request)
        try:
            started = manager.start_rebuild()
        except AdminError as exc:
            gr.Warning(str(exc), title="注意")
            return status_html(manager.status(), manager.pending()), gr.skip()
        return status_html(started, manager.pending()), gr.Timer(active=True)

    def on_tick(current: str, name: str | None, request: gr.Request) -> tuple[Any, ...]:
        if not allowed(request):
            return gr.skip(), gr.Timer(active=False), *(gr.skip(),) * 5
        now = manager.status()
        if now.running:
            return status_html(now, []), *(gr.skip(),) * 6
        # A tick can land after the administrator picked a document: the pick stays. A tick
        # sent before any pick leaves the dropdown's value alone (a pick may have come since).
        html, choices, state, bin_html, bin_choices = listing(keep=name, leave_choice=name is None)
        build_id = manager.live.current().index.build_id if manager.live else current
        return state, gr.Timer(active=False), html, choices, bin_html, bin_choices, build_id

    private: dict[str, Any] = {"api_visibility": "private"}
    listing_outputs = [table, chosen, status, trash, picked]
    demo.load(on_load, None, [tab, *listing_outputs, timer], **private)
    upload.click(on_upload, [files, overwrite], [result, *listing_outputs, files], **private)
    # ``select``, not ``input``: Gradio 6's dropdown also sends ``input`` when it loses focus
    # (after each pick, and when only opened and left), which would reset what was typed. One
    # at a time, so that a quick second pick sees the ``shown`` the first one set.
    choice_outputs = [report, prompt, typed, *meta_fields, shown]
    chosen.select(on_choose, [shown], choice_outputs, concurrency_limit=1, **private)
    remove.click(on_remove, [chosen, typed], [result, *listing_outputs, typed, prompt, shown], **private)
    restore.click(on_restore, [picked], [result, *listing_outputs], **private)
    save.click(on_save, [chosen, *meta_fields], [result, *listing_outputs, report], **private)
    rebuild.click(on_rebuild, None, [status, timer], show_progress="hidden", **private)
    timer.tick(
        on_tick,
        [served, chosen],
        [status, timer, table, chosen, trash, picked, served],
        show_progress="hidden",
        **private,
    )
    return served
