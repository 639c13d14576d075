"""The 文档管理 tab's HTML: the documents folder, the rebuild's status, a cleaning report, the trash
and the removal's confirmation (pure functions, escaped)."""

from __future__ import annotations

import time

from qa.ingest import SUPPORTED_SUFFIXES, max_document_mb
from qa.tools.documents import DocumentReport, Listed, TrashEntry
from qa.tools.rebuild import STAGES, BuildStatus
from qa.ui.citation import chinese_date
from qa.ui.render import escape

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
    "edited": "标题等已编辑，待重建",
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
#qa-admin .qa-admin-confirm-what { font-weight: bold; }
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
    head += override_html(report)
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


FIELD_NAMES = {"title": "标题", "date": "日期", "speaker": "讲话人", "kind": "文种"}


def override_html(report: DocumentReport) -> str:
    """What an editor set for the document (the sidecar), beside what reading it found."""
    if not report.override:
        return ""
    found = report.found or {}
    was = {"title": found.get("title"), "date": found.get("date")}
    was |= {k: (found.get("metadata") or {}).get(v) for k, v in (("speaker", "讲话人"), ("kind", "文种"))}
    items = "".join(
        f"<li>{FIELD_NAMES[name]}：{escape(chinese_date(value) if name == 'date' else value)}"
        + (f"（读取所得：{escape(str(was[name]))}）" if was.get(name) else "")
        + "</li>"
        for name, value in report.override.items()
    )
    pending = "，重建索引后生效" if report.state == "edited" or not report.found else ""
    return f'<div class="qa-admin-override"><p>已手工设定{pending}：</p><ul>{items}</ul></div>'


def read_values(report: DocumentReport) -> dict[str, str]:
    """The title, date, speaker and kind that reading the document found (before any set by hand)."""
    found = report.found or {"title": report.title, "date": report.date, "metadata": report.metadata}
    metadata = found.get("metadata") or {}
    return {
        "title": str(found.get("title") or ""),
        "date": chinese_date(found.get("date")),
        "speaker": str(metadata.get("讲话人", "")),
        "kind": str(metadata.get("文种", "")),
    }


def choice_label(doc: Listed) -> str:
    """A document as the removal and editing choice names it: 《title》 · date · file name."""
    date = chinese_date(doc.date) or "无日期"
    return f"《{doc.title}》 · {date} · {doc.source}" if doc.title else f"{doc.source}（{STATES[doc.state]}）"


def described(doc: Listed) -> str:
    """A document named in full, escaped: 《title》（date，文件 name，索引中 N 段）."""
    title = f"《{escape(doc.title)}》" if doc.title else ""
    passages = f"，索引中 {doc.passages} 段" if doc.passages else ""
    return f"{title}（{escape(chinese_date(doc.date) or '无日期')}，文件 {escape(doc.source)}{passages}）"


def removal_prompt(doc: Listed | None) -> str:
    """What the removal will move to the trash, and what to type to confirm it."""
    if doc is None:
        return "<p>先在上面选择文档。</p>"
    what = described(doc)
    typed = "它的标题" if doc.title else "它的文件名"
    return (
        f'<p>删除将把 <span class="qa-admin-confirm-what">{what}</span> 移入回收站（可恢复）。'
        f"请在下面输入{typed}以确认。</p>"
    )


def trash_html(entries: list[TrashEntry]) -> str:
    """The trash: each removed document with its title, date, file, when and by whom it was removed."""
    if not entries:
        return "<p>回收站是空的。</p>"
    rows = "".join(
        f"<tr><td>{escape(e.title or '—')}</td><td>{escape(chinese_date(e.date) or '—')}</td>"
        f"<td>{escape(e.source)}</td>"
        f"<td>{escape(e.removed_at.replace('T', ' ').replace('+00:00', ' UTC'))}</td>"
        f"<td>{escape(e.by)}</td></tr>"
        for e in entries[:MAX_LISTED]
    )
    return (
        "<table><thead><tr><th>标题</th><th>日期</th><th>文件</th><th>删除时间</th><th>删除者</th></tr>"
        f"</thead><tbody>{rows}</tbody></table>"
    )


def trash_label(entry: TrashEntry) -> str:
    """A trash entry as the restore choice names it."""
    when = entry.removed_at.replace("T", " ")[:16]
    return f"《{entry.title or entry.source}》 · {entry.source} · 删除于 {when}"
