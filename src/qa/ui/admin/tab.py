"""The 文档管理 tab: upload and remove documents, read their cleaning reports, rebuild the index.

Only the administrator (``AdminAccess``) sees the tab, and every handler checks the user
again: a hidden tab's events can still be called. The work is ``DocumentManager``'s; this
module lays out the tab, wires its events and renders escaped HTML.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import gradio as gr

from qa.errors import AdminError
from qa.ingest import SUPPORTED_SUFFIXES, max_document_mb
from qa.tools.documents import DocumentManager, DocumentReport, Listed
from qa.tools.rebuild import STAGES, BuildStatus
from qa.ui.admin.access import AdminAccess
from qa.ui.citation import chinese_date
from qa.ui.render import escape

FORBIDDEN = "只有管理员可以管理文档。"
MAX_LISTED = 500  # rows of the folder's table; the document choice still offers every file


def intro() -> str:
    """The tab's first lines: how changes reach the answers, what may be uploaded (the limit in force)."""
    return (
        "上传或删除文档后点“重建索引”，更改才进入问答；重建期间问答继续使用旧索引，完成后自动切换。"
        f"可上传 {' '.join(SUPPORTED_SUFFIXES)} 文件（.zip 中的文件逐个读取），"
        f"每个不超过 {max_document_mb()} MB（QA_MAX_DOCUMENT_MB）。"
    )


STATES = {
    "indexed": "已索引",
    "new": "新文件，待重建",
    "changed": "已修改，待重建",
    "removed": "已删除，重建后从回答中消失",
    "skipped": "未索引",
}
RULES = {
    "site-furniture": "网站杂项（版权、备案、计数、翻页等）",
    "short-furniture": "广告、会员、下载提示",
    "navigation": "导航菜单",
    "end-of-content": "“展开全文”“相关阅读”等提示及其后内容",
    "page-header": "正文上方的链接行",
    "page-footer": "正文下方的链接行",
    "collection-furniture": "多篇文档共有的页眉页脚",
    "salutation": "称呼（如“同志们：”）",
    "repeated-title": "正文开头重复的标题",
    "word-count": "字数标注",
    "elision": "“……略……”省略标记",
    "page-fragment-number": "分页碎片的页码",
    "pdf-running-header": "PDF 页眉页脚",
    "pdf-page-number": "PDF 页码",
    "docx-header-footer": "Word 页眉页脚",
}
CSS = """
#qa-admin table { border-collapse: collapse; width: 100%; }
#qa-admin th, #qa-admin td { border-bottom: 1px solid var(--border-color-primary); padding: 4px 8px;
  text-align: left; vertical-align: top; }
#qa-admin progress { width: 100%; }
.qa-admin-pending, .qa-admin-failed { color: #92400e; }
"""


def documents_html(listed: list[Listed]) -> str:
    """The documents folder as a table: file, title, date, passages, state."""
    if not listed:
        return "<p>文档目录中没有文档。</p>"
    rows = "".join(
        f"<tr><td>{escape(d.source)}</td><td>{escape(d.title or '—')}</td>"
        f"<td>{escape(chinese_date(d.date) or '—')}</td>"
        f"<td>{d.passages or '—'}</td><td>{escape(STATES[d.state])}"
        f"{'：' + escape(d.reason) if d.reason else ''}</td></tr>"
        for d in listed[:MAX_LISTED]
    )
    if len(listed) > MAX_LISTED:
        rows += f'<tr><td colspan="5">……其余 {len(listed) - MAX_LISTED} 个文件未列出</td></tr>'
    return (
        "<table><thead><tr><th>文件</th><th>标题</th><th>日期</th><th>段落</th><th>状态</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )


def status_html(status: BuildStatus, pending: list[Listed]) -> str:
    """The rebuild running (stage, texts embedded of those to embed) or its outcome, and pending changes."""
    parts = []
    if status.running:
        stage = STAGES.get(status.stage, status.stage)
        count = f" {status.done} / {status.total}" if status.total else ""
        seconds = int(time.time() - (status.started or time.time()))
        bar = f'<progress value="{status.done}" max="{status.total}"></progress>' if status.total else ""
        parts.append(
            f'<p class="qa-admin-running">正在重建索引：{escape(stage)}{count}（已用 {seconds} 秒；'
            f"问答继续使用旧索引）</p>{bar}"
        )
    elif status.state in ("done", "failed"):
        parts.append(f'<p class="qa-admin-{status.state}">{escape(status.message)}</p>')
    if pending:
        names = "、".join(f"{d.source}（{STATES[d.state]}）" for d in pending[:10])
        more = f" 等 {len(pending)} 项" if len(pending) > 10 else ""
        parts.append(f'<p class="qa-admin-pending">待重建的更改：{escape(names)}{more}</p>')
    elif not status.running:
        parts.append('<p class="qa-admin-synced">文档目录与索引一致。</p>')
    return "".join(parts)


def report_html(report: DocumentReport) -> str:
    """A document's cleaning report: the numbers, each rule's removals, the removed lines, the paragraphs."""
    head = (
        f"<h4>《{escape(report.title or report.source)}》</h4>"
        f"<p>文件 {escape(report.source)} · {escape(chinese_date(report.date) or '无日期')} · "
        f"{escape(STATES[report.state])}{f' · 索引中 {report.passages} 段' if report.passages else ''}</p>"
    )
    if report.reason:
        head += f'<p class="qa-admin-failed">{escape(report.reason)}</p>'
    summary = report.summary
    if not summary:
        return head
    read, kept = int(summary.get("chars_read", 0)), int(summary.get("chars_kept", 0))
    share = f"（{kept / read:.0%}）" if read else ""
    head += f"<p>读入 {read} 字，保留 {kept} 字{share}，共 {summary.get('paragraphs', 0)} 段。</p>"
    removed: dict[str, int] = summary.get("removed") or {}
    if removed:
        rows = "".join(
            f"<tr><td>{escape(rule)}</td><td>{escape(RULES.get(rule, ''))}</td><td>{n}</td></tr>"
            for rule, n in sorted(removed.items(), key=lambda r: -r[1])
        )
        head += (
            "<table><thead><tr><th>规则</th><th>删除的内容</th><th>字数</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>"
        )
    else:
        head += "<p>清理没有删除任何内容。</p>"
    for rule, rate in (summary.get("suspended") or {}).items():
        head += f"<p>规则 {escape(rule)} 未执行：它会删除 {rate:.0%} 的文字。</p>"
    if report.removals:
        lines = "".join(f"<li>[{escape(rule)}] {escape(text)}</li>" for rule, text in report.removals)
        head += f"<details><summary>删除的行（{len(report.removals)}）</summary><ol>{lines}</ol></details>"
    if report.kept:
        paragraphs = "".join(f"<li>{escape(text)}</li>" for text in report.kept)
        head += f"<details><summary>保留的段落（{len(report.kept)}）</summary><ol>{paragraphs}</ol></details>"
    return head


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
    with gr.Row():
        chosen = gr.Dropdown(choices=[], label="选择文档", elem_id="qa-admin-doc", scale=3)
        remove = gr.Button("删除所选文档", variant="stop", elem_id="qa-admin-remove", scale=1)
    report = gr.HTML(elem_id="qa-admin-report")
    timer = gr.Timer(1.0, active=False)
    served = gr.State("")

    def allowed(request: gr.Request) -> bool:
        return access.allows(getattr(request, "username", None))

    def require(request: gr.Request) -> None:
        if not allowed(request):
            raise gr.Error(FORBIDDEN, title="无权限")

    def listing() -> tuple[str, Any, str]:
        listed = manager.documents()
        names = [d.source for d in listed if d.state != "removed"]
        return (
            documents_html(listed),
            gr.Dropdown(choices=names, value=None),
            status_html(manager.status(), [d for d in listed if d.state in ("new", "changed", "removed")]),
        )

    def on_load(request: gr.Request) -> tuple[Any, ...]:
        if not allowed(request):
            return gr.Tab(visible=False), "", gr.Dropdown(choices=[]), "", gr.Timer(active=False)
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

    def on_remove(name: str | None, request: gr.Request) -> tuple[Any, ...]:
        require(request)
        if not name:
            return ("<p>未删除任何文档。</p>", *listing(), gr.skip())
        try:
            manager.remove(name)
        except AdminError as exc:
            return (f'<p class="qa-admin-failed">{escape(str(exc))}</p>', *listing(), gr.skip())
        return (f"<p>已删除“{escape(name)}”。点“重建索引”使它从回答中消失。</p>", *listing(), "")

    def on_report(name: str | None, request: gr.Request) -> str:
        require(request)
        if not name:
            return ""
        try:
            return report_html(manager.report(name))
        except AdminError as exc:
            return f'<p class="qa-admin-failed">{escape(str(exc))}</p>'

    def on_rebuild(request: gr.Request) -> tuple[Any, ...]:
        require(request)
        try:
            started = manager.start_rebuild()
        except AdminError as exc:
            gr.Warning(str(exc), title="注意")
            return status_html(manager.status(), manager.pending()), gr.skip()
        return status_html(started, manager.pending()), gr.Timer(active=True)

    def on_tick(current: str, request: gr.Request) -> tuple[Any, ...]:
        if not allowed(request):
            return gr.skip(), gr.Timer(active=False), gr.skip(), gr.skip(), gr.skip()
        now = manager.status()
        if now.running:
            return status_html(now, []), gr.skip(), gr.skip(), gr.skip(), gr.skip()
        html, choices, state = listing()
        build_id = manager.live.current().index.build_id if manager.live else current
        return state, gr.Timer(active=False), html, choices, build_id

    demo.load(on_load, None, [tab, table, chosen, status, timer], api_visibility="private")
    listing_outputs = [table, chosen, status]
    upload.click(on_upload, [files, overwrite], [result, *listing_outputs, files], api_visibility="private")
    remove.click(
        on_remove,
        [chosen],
        [result, *listing_outputs, report],
        js="(name) => (name && confirm('确定从文档目录删除“' + name + '”吗？')) ? name : ''",
        api_visibility="private",
    )
    chosen.input(on_report, [chosen], [report], api_visibility="private")
    rebuild.click(on_rebuild, None, [status, timer], show_progress="hidden", api_visibility="private")
    timer.tick(
        on_tick,
        [served],
        [status, timer, table, chosen, served],
        show_progress="hidden",
        api_visibility="private",
    )
    return served
