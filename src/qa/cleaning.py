"""Turn a scraped web page into the speech it carries: title, date and body paragraphs.

The rules are general ones for Chinese document-sharing and government sites, not a
list of the lines in our seeds:

* a line is *boilerplate* when it looks like site furniture: navigation bars, page
  markers, upload/publish metadata, copyright/ICP/police-record/visitor-counter footers,
  "read more"/"preview ended" prompts and, on short lines, ads and membership offers;
* the body starts at the speech title (or the first prose line) and ends at the last
  prose line, so menus and link lists above and below it fall away;
* numbered page fragments cut mid-sentence ("1、… 科学精准推" / "2、进,…") are joined.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.tracked import TrackedText, source_lines

# Where the content of a page ends: everything after one of these is site furniture.
_END_OF_CONTENT = re.compile(
    r"预览(结束|完了)|展开阅读全文|阅读全文|^(相关(阅读|资源|搜索|文章|推荐|文档|下载)|猜你喜欢|最近更新"
    r"|热门(文章|推荐)|上一篇|下一篇)"
)
# Site furniture that no speech contains, wherever it stands and however long the line is.
_FURNITURE = re.compile(
    r"免费(获取|下载)|定制代笔|联系(老师|客服)|请点击|^(资源描述|返回顶部|打印本页|关闭窗口)$"
    r"|版权所有|copyright|©|ICP备|公安备案|备案编号|位访问者|未经.{0,12}授权|请勿转载|违者依法"
    r"|本站|本网站|侵犯了?您的|由会员分享|可在线阅读|请在.{0,12}上搜索|当前位置\s*[:：]"
    r"|^第\s*\d+\s*页\s*/\s*共\s*\d+\s*页$|_第\d+页$|总共\d+页"
    r"|小编为大家|供大家参考",
    re.IGNORECASE,
)
# Words that mark ads, membership offers, menus and metadata, but that a speech may also
# use ("技术支持", "举报"): they only count on short lines.
_SHORT_FURNITURE = re.compile(
    r"会员|订阅|QQ群|微信群|二维码|扫码|举报|下载|技术支持|仅供(学习|参考)|禁止外传|首\s*页"
    r"|上传(人|者|时间)|文档编号|页数\s*[:：]|大小\s*[:：]|格式\s*[:：]|发布(人|者|时间|日期)\s*[:：]"
    r"|来源\s*[:：]|作者\s*[:：]|责任编辑|浏览\s*\d*\s*次|点击[数量]|字号"
    r"|^\d{4}-\d{1,2}-\d{1,2}(\s+\d{1,2}:\d{2}(:\d{2})?)?\b",
    re.IGNORECASE,
)
_SHORT_LINE = 60
_NAV_SEPARATORS = re.compile(r"\s*[|｜丨]\s*|\s{1,}")
_PROSE_END = re.compile(r"[。！？!?；;…”」』)）]$")
_TITLE_WORDS = re.compile(r"讲话|发言|致辞|讲稿|演讲|报告|座谈|会议上|会上")
_FILE_EXTENSION = re.compile(r"\.(docx?|pdf|txt|html?|wps)$", re.IGNORECASE)
_EDITOR_INTRO = re.compile(r"小编为大家整理的(?P<title>.+?)[,，]\s*供大家参考")
_DATE = re.compile(r"(?P<y>(19|20)\d{2})\s*[-年/.]\s*(?P<m>\d{1,2})\s*[-月/.]\s*(?P<d>\d{1,2})")
_YEAR = re.compile(r"(?P<y>(19|20)\d{2})年")
_SALUTATION = re.compile(r"^[^。！？,，]{0,16}(同志们|委员们|朋友们|各位[^:：]{0,10})[:：]$")
_PAGE_FRAGMENT = re.compile(r"^(\d{1,3})、")
_WORD_COUNT = re.compile(r"[(（]\d{2,6}字[)）]")
_ELISION = re.compile(r"\s*…+\s*略\s*…+\s*")


@dataclass(frozen=True)
class CleanDocument:
    """What cleaning keeps of a page: its title, date and body paragraphs."""

    title: str
    date: str | None
    paragraphs: list[TrackedText]
    dropped_lines: int


def is_boilerplate(line: str) -> bool:
    """True for a line that is site furniture rather than speech."""
    if _FURNITURE.search(line) or _END_OF_CONTENT.search(line):
        return True
    return len(line) <= _SHORT_LINE and bool(_SHORT_FURNITURE.search(line) or is_navigation(line))


def is_navigation(line: str) -> bool:
    """A menu: three or more very short items separated by bars or spaces."""
    items = [item for item in _NAV_SEPARATORS.split(line) if item]
    bars = len(re.findall(r"[|｜丨]", line))
    if bars >= 2:
        return len(items) >= 3 and all(len(item) <= 8 for item in items)
    return len(items) >= 3 and all(len(item) <= 4 for item in items) and not _PROSE_END.search(line)


def is_prose(line: str) -> bool:
    """A line that reads as running text: long enough and ending a sentence."""
    return len(line) >= 8 and bool(_PROSE_END.search(line))


def find_date(text: str) -> str | None:
    """The first full date in ``text`` as ISO ``YYYY-MM-DD``, else a bare year, else None."""
    if match := _DATE.search(text):
        month, day = int(match["m"]), int(match["d"])
        if 1 <= month <= 12 and 1 <= day <= 31:
            return f"{match['y']}-{month:02d}-{day:02d}"
    if match := _YEAR.search(text):
        return match["y"]
    return None


def _looks_like_title(line: str) -> bool:
    return (
        6 <= len(line) <= 90
        and bool(_TITLE_WORDS.search(line))
        and not _PROSE_END.search(line)
        and not is_navigation(line)
        and not is_boilerplate(line)
    )


def clean_page(text: str, fallback_title: str) -> CleanDocument:
    """Extract title, date and body paragraphs from the decoded text of a page."""
    lines = [line.strip() for line in source_lines(_normalise_spaces(text))]
    lines = [line for line in lines if line.text]
    title, title_index, date = _title_and_date(lines)
    start = title_index + 1 if title_index is not None else 0
    body = [line for line in lines[start:] if not is_boilerplate(line.text)]
    first_prose = next((i for i, line in enumerate(body) if is_prose(line.text)), len(body))
    if title_index is None:
        body = body[first_prose:]
        first_prose = 0
    if first_prose < len(body):
        body_start = body[first_prose].start
        end = next(
            (
                i
                for i, line in enumerate(lines)
                if line.start > body_start and _END_OF_CONTENT.search(line.text)
            ),
            None,
        )
        if end is not None:
            body = [line for line in body if line.start < lines[end].start]
    last_prose = max((i for i, line in enumerate(body) if is_prose(line.text)), default=-1)
    body = body[: last_prose + 1]
    body = [line for line in body if not _SALUTATION.match(line.text)]
    body = join_page_fragments(body)
    body = [_tidy(line) for line in body]
    title = title or _FILE_EXTENSION.sub("", fallback_title)
    if body:
        body[0] = strip_repeated_title(body[0], title)
    body = [line for line in body if line.text]
    return CleanDocument(title, date, body, dropped_lines=len(lines) - len(body))


def _normalise_spaces(text: str) -> str:
    # One character for one keeps offsets valid.
    return text.translate({0xA0: " ", 0x3000: " ", 0xFEFF: " ", 0x200B: " "})


def _title_and_date(lines: list[TrackedText]) -> tuple[str | None, int | None, str | None]:
    title: str | None = None
    title_index: int | None = None
    dates: list[str] = []
    for i, line in enumerate(lines[:20]):
        text = line.text
        if match := _EDITOR_INTRO.search(text):
            title = title or match["title"].strip()
        elif title is None and _looks_like_title(text):
            title, title_index = _FILE_EXTENSION.sub("", text).strip(), i
        if (is_boilerplate(text) or _looks_like_title(text)) and (found := find_date(text)):
            dates.append(found)
    full_dates = [d for d in dates if len(d) == 10]
    date = full_dates[0] if full_dates else (dates[0] if dates else None)
    if date is None and title:
        date = find_date(title)
    return title, title_index, date


def join_page_fragments(lines: list[TrackedText]) -> list[TrackedText]:
    """Join runs of numbered page fragments ("1、…", "2、…") that were cut mid-sentence.

    A run of consecutively numbered lines counts as page fragments when most of its
    breaks fall inside a sentence; a genuine numbered list ends its items with
    punctuation and is left alone.
    """
    result: list[TrackedText] = []
    i = 0
    while i < len(lines):
        run_end = i
        while run_end + 1 < len(lines) and _is_next_fragment(lines[run_end], lines[run_end + 1]):
            run_end += 1
        run = lines[i : run_end + 1]
        if len(run) >= 2 and _PAGE_FRAGMENT.match(run[0].text) and _mostly_cut(run):
            result.append(TrackedText.join(line.sub(_PAGE_FRAGMENT) for line in run))
        else:
            result.extend(run)
        i = run_end + 1
    return result


def _is_next_fragment(current: TrackedText, following: TrackedText) -> bool:
    a = _PAGE_FRAGMENT.match(current.text)
    b = _PAGE_FRAGMENT.match(following.text)
    return bool(a and b and int(b.group(1)) == int(a.group(1)) + 1)


def _mostly_cut(run: list[TrackedText]) -> bool:
    cuts = sum(1 for line in run[:-1] if not _PROSE_END.search(line.text))
    return cuts * 2 >= len(run) - 1


def _tidy(line: TrackedText) -> TrackedText:
    line = line.sub(_WORD_COUNT)
    line = line.sub(_ELISION, "……")
    return line.strip()


def strip_repeated_title(line: TrackedText, title: str) -> TrackedText:
    """Remove the document title when the body repeats it at its very start.

    Spaces and punctuation are ignored when comparing, because pages often reflow them.
    """
    wanted = [c for c in title if c.isalnum()]
    if len(wanted) < 6:
        return line
    matched = 0
    for position, char in enumerate(line.text):
        if not char.isalnum():
            continue
        if char != wanted[matched]:
            return line
        matched += 1
        if matched == len(wanted):
            rest = line[position + 1 :]
            kept = len(rest.text.lstrip(" ,，:：;；.。"))
            return rest[len(rest) - kept :]
    return line
