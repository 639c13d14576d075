"""The page's own styles and scripts: layout, Chinese for Gradio's controls, the reader's plumbing.

Gradio 6.31 writes some of its labels and notices in English whatever the browser's language
("Scroll down", "Liked", "copy", the notice titles "Info"/"Warning", "Loading" for screen
readers), the rest in the browser's language, and sets ``<html lang>`` to that language. The
page is Chinese for every reader: the page script renames those (``LABELS``, ``TEXTS``) as
they appear and keeps ``lang="zh-CN"``.
"""

from __future__ import annotations

import json

# Gradio's English labels (aria-label and title) -> what the page says instead.
LABELS = {
    "Like": "赞",
    "Dislike": "踩",
    "Liked": "已赞",
    "Disliked": "已踩",
    "Clear": "清空对话",
    "Scroll down": "滚动到最新回答",
    "copy": "复制",
    "Copy": "复制",
    "Copied!": "已复制",
    "Copy message": "复制消息",
    "Reset to default value": "恢复默认值",
    "chatbot conversation": "对话",
    "Gradio footer navigation": "页脚",
    "Close": "关闭",
    # the file upload of the 文档管理 tab ("common.upload" is a translation key Gradio leaves unresolved)
    "Click to upload or drop files": "点击上传或拖放文件",
    "File upload": "选择文件",
    "common.upload": "上传",
    "Remove": "移除",
}
# Gradio's English texts: the titles of its notices (their level, capitalised, whatever
# ``title`` says) and what its status trackers say, often only to screen readers.
TEXTS = {
    "common.complete": "完成",  # an untranslated i18n key Gradio announces to screen readers
    "Info": "提示",
    "Warning": "注意",
    "Error": "出错了",
    "Success": "完成",
    "Info.": "提示。",
    "Warning.": "注意。",
    "Success.": "完成。",
    "An error occurred.": "出错了。",
    "Loading": "加载中",
    "Loading...": "加载中……",
    "processing": "处理中",
    "from cache": "来自缓存",
    "Drop File Here": "拖放文件到此处",
    "- or -": "或",
    "Click to Upload": "点击上传",
}
# Labels that start like this; the chat's message labels repeat the whole message as markup.
LABEL_PREFIXES = {
    "user's message": "提问",
    "bot's message": "回答",
    "number input for ": "数字输入：",
    "range slider for ": "滑块：",
}

# Opening a document: a card's title (a button carrying the passage id) asks the hidden
# ``#qa-doc-open`` button to run; the event's ``READER_REQUEST`` script hands it the id
# and which answer the card belongs to, so the reader marks that question's words.
PAGE_JS = (
    """() => {
  const LABELS = __LABELS__;
  const PREFIXES = Object.entries(__PREFIXES__);
  const TEXTS = __TEXTS__;
  const OURS = '.qa-answer, .qa-question, .qa-reader, #qa-docs';  // the page's own text, never renamed
  const root = document.documentElement;
  const chinese = () => { if (root.lang !== 'zh-CN') root.lang = 'zh-CN'; };
  chinese();
  new MutationObserver(chinese).observe(root, { attributes: true, attributeFilter: ['lang'] });

  const relabel = (el) => {
    for (const name of ['aria-label', 'title']) {
      const value = el.getAttribute(name);
      if (!value) continue;
      let label = LABELS[value];
      if (label === undefined) {
        const prefix = PREFIXES.find(([english]) => value.startsWith(english));
        if (prefix) label = prefix[0].endsWith(' ') ? prefix[1] + value.slice(prefix[0].length) : prefix[1];
      }
      if (label !== undefined && label !== value) el.setAttribute(name, label);
    }
  };
  const retext = (text) => {
    const value = TEXTS[text.nodeValue.trim()];
    if (value === undefined || !text.parentElement || text.parentElement.closest(OURS)) return;
    text.nodeValue = text.nodeValue.endsWith(' ') ? value + ' ' : value;
  };
  const skipOurs = (n) => n.nodeType === 3
    ? NodeFilter.FILTER_ACCEPT : n.matches(OURS) ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_SKIP;
  const sweep = (node) => {
    if (node.nodeType === 3) { retext(node); return; }
    if (node.nodeType !== 1) return;
    relabel(node);  // Gradio puts its buttons (copy) inside the page's own HTML too
    node.querySelectorAll('[aria-label], [title]').forEach(relabel);
    if (node.closest(OURS)) return;
    const texts = document.createTreeWalker(node, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT, {
      acceptNode: skipOurs,
    });
    while (texts.nextNode()) retext(texts.currentNode);
  };
  sweep(document.body);
  new MutationObserver((records) => {
    for (const record of records) {
      if (record.type === 'attributes') relabel(record.target);
      else if (record.type === 'characterData') retext(record.target);
      else record.addedNodes.forEach(sweep);
    }
  }).observe(document.body, {
    subtree: true, childList: true, characterData: true, attributes: true,
    attributeFilter: ['aria-label', 'title'],
  });

  document.addEventListener('click', (event) => {
    if (!(event.target instanceof Element)) return;
    const opener = event.target.closest('.qa-open-doc');
    if (opener) {
      const answers = [...document.querySelectorAll('#qa-chat .qa-answer')];
      window.qaReaderOpener = opener;
      const answer = answers.indexOf(opener.closest('.qa-answer'));
      window.qaReaderRequest = opener.value + '\\n' + answer;
      document.querySelector('#qa-doc-open')?.click();
      return;
    }
    const link = event.target.closest('.qa-outline a');
    if (link) {
      event.preventDefault();
      document.getElementById(link.dataset.target)?.scrollIntoView({ block: 'start' });
    }
  });
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && document.querySelector('#qa-reader')) {
      document.querySelector('#qa-reader-close')?.click();
    }
  });
}""".replace("__LABELS__", json.dumps(LABELS, ensure_ascii=False))
    .replace("__PREFIXES__", json.dumps(LABEL_PREFIXES, ensure_ascii=False))
    .replace("__TEXTS__", json.dumps(TEXTS, ensure_ascii=False))
)

# The event's inputs are (request, conversation): the request comes from the page.
READER_REQUEST = "(request, conversation) => [window.qaReaderRequest || '', conversation]"

# Once the reader is shown: scroll it to the cited passage and move the focus into it.
SHOW_CITED = """() => {
  let tries = 0;
  const show = () => {
    const hit = document.querySelector('#qa-reader .qa-doc-hit');
    if (!hit) { if (++tries < 40) setTimeout(show, 50); return; }
    document.querySelector('#qa-reader .qa-reader-title')?.focus({ preventScroll: true });
    hit.scrollIntoView({ block: 'center' });
  };
  show();
}"""

# Exporting: the event's script hands over the ticked cards (their "选入导出" boxes) as JSON
# ``[[answer, passage_id], …]``, ``answer`` counted from 0 like the reader's request
# (``qa.ui.sections.parse_selection``). The inputs are (selection, conversation, style).
EXPORT_REQUEST = """(selection, conversation, style, ...rest) => {
  const answers = [...document.querySelectorAll('#qa-chat .qa-answer')];
  const ticked = [...document.querySelectorAll('#qa-chat .qa-pick-box:checked')];
  const picked = ticked.map((box) => [answers.indexOf(box.closest('.qa-answer')), box.value]);
  return [JSON.stringify(picked), conversation, style, ...rest];
}"""

# Above the export buttons; "导出所选段落" is styled like the labels of the controls above it.
EXPORT_LABEL = (
    '<div class="qa-export-label"><span>导出所选段落</span>'
    "<p>勾选回答中段落右上角的“选入导出”，按上面的引用格式导出为 Word（版式见下）或 Markdown 文件。</p></div>"
)

# Once the export is made, the browser saves it at once: the event's input is the download
# button's file (nothing when no card was ticked).
DOWNLOAD_EXPORT = """(file) => {
  if (!file || !file.url) return;
  const link = document.createElement('a');
  link.href = file.url;
  link.download = file.orig_name || '';
  document.body.appendChild(link);
  link.click();
  link.remove();
}"""

# Closing the reader gives the focus back to the title that opened it.
REFOCUS_OPENER = """() => { setTimeout(() => window.qaReaderOpener?.focus(), 50); }"""

# One scroll, the page's: the chat grows with its answers and the question box stays at the
# bottom of the window. Below 760 px the side panel goes under the chat and the cards take
# the whole width.
CSS = """
/* Gradio clips its container with overflow: hidden, which would stop the sticky question box. */
.gradio-container { overflow: clip !important; }
#qa-chat { height: auto !important; max-height: none !important; min-height: calc(100vh - 260px); }
#qa-chat .bubble-wrap { height: auto !important; max-height: none !important; overflow: visible !important; }
#qa-composer { position: sticky; bottom: 0; z-index: 20; background: var(--background-fill-primary);
  padding: 8px 0; margin: 0; border-top: 1px solid var(--border-color-primary); }
#qa-composer > .form, #qa-composer .block { border: none; box-shadow: none; }
/* 赞 before 踩, each with its name beside the thumb (the label is Chinese, see LABELS). */
#qa-chat .message-buttons-left button:is([aria-label="赞"], [aria-label="已赞"]) { order: -1; }
#qa-chat .message-buttons-left button:is([aria-label="赞"], [aria-label="已赞"], [aria-label="踩"],
  [aria-label="已踩"]) { width: auto !important; flex-shrink: 0; gap: 3px; padding: 0 6px !important; }
#qa-chat .message-buttons-left .icon-button-wrapper { width: max-content; padding-right: 4px; }
#qa-chat .message-buttons-left button:is([aria-label="赞"], [aria-label="已赞"], [aria-label="踩"],
  [aria-label="已踩"])::after { content: attr(aria-label); font-size: 0.85em; position: static; width: auto;
  height: auto; background: none; }
/* An answer takes the chat's whole width (Gradio keeps 60 px free beside every message). */
#qa-chat .message-row.bot-row { max-width: 100% !important; }
#qa-export { gap: 6px; }
.qa-export-label span { color: var(--block-label-text-color); font-size: var(--block-label-text-size); }
.qa-export-label p { margin: 2px 0 0; font-size: var(--block-info-text-size); color: var(--qa-note-color); }
@media (max-width: 760px) {
  #qa-main { flex-direction: column; gap: 12px; }
  #qa-main > div { min-width: 0 !important; width: 100% !important; flex: 1 1 auto !important; }
  #qa-chat { min-height: calc(100vh - 300px); }
  #qa-chat .message-row, #qa-chat .message, #qa-chat .message-content {
    padding-left: 2px !important; padding-right: 2px !important; margin-left: 0 !important;
    margin-right: 0 !important; }
  #qa-chat .qa-card { padding: 8px; }
  #qa-composer { flex-wrap: nowrap; gap: 6px; }
  #qa-composer > .form { min-width: 0 !important; }
  #qa-composer > #qa-ask { min-width: 72px !important; flex: 0 0 72px !important; padding: 0 8px;
    align-self: stretch; height: auto; }
  #qa-intro h1 { font-size: 1.4em; margin-bottom: 4px; }
  #qa-intro p { font-size: 0.88em; }
}
"""

# Gradio scopes the page's CSS to descendants of its content, so the rule for its own outer
# padding (32 px a side, a sixth of a phone's width) goes into the page's head instead.
HEAD = """<style>
@media (max-width: 760px) { .gradio-container .main.app { padding-left: 6px; padding-right: 6px; } }
</style>"""
