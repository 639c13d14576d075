"""What a line of a scraped page, a printed speech or an official document is.

The recognisers ``qa.ingest.page`` applies in order; general ones for Chinese
document-sharing and government sites and for speeches as they are printed, not a list of
the lines in our seeds:

* site furniture by its words (``furniture_rule``): navigation bars, page markers,
  upload/publish metadata, copyright/ICP/police-record/visitor-counter footers,
  "read more"/"preview ended" prompts and, on short lines, ads and membership offers; a
  numbered heading ("（二）强化技术支持") never is;
* the title (``find_title``, also wrapped over lines), and the date, speaker, subtitle and
  promulgation lines right under it (``metadata_under_title``), which are metadata;
* salutations, closings, prose, dates (``find_date``, also 二〇二四年一月十八日);
* numbered page fragments cut mid-sentence ("1、… 科学精准推" / "2、进,…"), joined back.
"""

from __future__ import annotations

import hashlib
import re

from qa.ingest.blocks import STRUCTURED, Removal
from qa.ingest.dates import BRACKETS, find_date, is_date_line
from qa.ingest.official import is_authority, is_document_number, is_official_title
from qa.ingest.titles import reads_as_sentence
from qa.ingest.tracked import TrackedText

# Where the content of a page ends: everything after one of these is site furniture.
END_OF_CONTENT = re.compile(
    r"预览(结束|完了)|展开阅读全文|阅读全文|^(相关(阅读|资源|搜索|文章|推荐|文档|下载)|猜你喜欢|最近更新"
    r"|热门(文章|推荐)|上一篇|下一篇)"
)
# Site furniture that no speech contains, wherever it stands and however long the line is.
_FURNITURE = re.compile(
    r"免费(获取|下载)|定制代笔|联系(老师|客服)|请点击|^(资源描述|返回顶部|打印本页|关闭窗口)$"
    r"|版权所有|copyright|©|ICP备|公安备案|备案编号|位访问者|未经.{0,12}授权|请勿转载|违者依法"
    r"|本站|本网站|侵犯了?您的|由会员分享|可在线阅读|请在.{0,12}上搜索|当前位置\s*[:：]"
    r"|^第\s*\d+\s*页\s*/\s*共\s*\d+\s*页$|_第\d+页$|总共\d+页"
    r"|小编为大家|供大家参考|记者\s*[\u4e00-\u9fff]{2,4}(\s+[\u4e00-\u9fff]{2,4})?\s*摄$",
    re.IGNORECASE,
)
# Furniture markers no document body uses, even in a long sentence.
_STRONG_FURNITURE = re.compile(
    r"ICP备|公安备案|位访问者|copyright|由会员分享|可在线阅读|请在.{0,12}上搜索|本站(为|只是|所有|不)"
    r"|侵犯了?您的|免费(获取|下载)|定制代笔|联系(老师|客服)|小编为大家",
    re.IGNORECASE,
)
# Words that mark ads, membership offers and menus, but that a speech may also use
# ("技术支持", "举报"): they only count on short lines.
_SHORT_FURNITURE = re.compile(
    r"会员|订阅|QQ群|微信群|二维码|扫码|举报|下载|技术支持|仅供(学习|参考)|禁止外传|首\s*页"
    r"|浏览\s*\d*\s*次|点击[数量]|字号|字体\s*[:：]|扫一扫|手机打开|打开当前页|分享到",
    re.IGNORECASE,
)
# A site's or a file host's metadata on a short line: uploader, size, source, author, time.
_METADATA = re.compile(
    r"上传(人|者|时间)|文档编号|页数\s*[:：]|大小\s*[:：]|格式\s*[:：]|发布(人|者|时间|日期)\s*[:：]"
    r"|来源\s*[:：]|作者\s*[:：]|责任编辑|^\d{4}-\d{1,2}-\d{1,2}(\s+\d{1,2}:\d{2}(:\d{2})?)?\b"
    r"|主\s*题\s*词\s*[:：]|索\s*引\s*号\s*[:：]|法宝引证码|原文链接\s*[:：]|^时间\s*[:：]\s*\d{4}",
    re.IGNORECASE,
)
_SHORT_LINE = 60
_NAV_SEPARATORS = re.compile(r"\s*[|｜丨]\s*|\s{1,}")
_PROSE_END = re.compile(r"[。！？!?；;…”」』)）]$")
# Simplified and traditional forms: archives from Hong Kong, Macao and Taiwan are in the latter.
_TITLE_WORDS = re.compile(
    r"[讲講]话|[讲講]話|[发發][言]|致[辞辭]|[讲講]稿|演[讲講]|[报報]告|座[谈談]|[会會][议議]上|[会會]上"
)
FILE_EXTENSION = re.compile(r"\.(docx?|pdf|txt|html?|wps)$", re.IGNORECASE)
_EDITOR_INTRO = re.compile(r"小编为大家整理的(?P<title>.+?)[,，]\s*供大家参考")
SALUTATION = re.compile(r"^[^。！？,，]{0,16}(同志们|委员们|朋友们|各位[^:：]{0,10})[:：]$")
_PAGE_FRAGMENT = re.compile(r"^(\d{1,3})、")
_WORD_COUNT = re.compile(r"[(（]\d{2,6}字[)）]")
_ELISION = re.compile(r"\s*…+\s*略\s*…+\s*")
CN_NUMBER = "[一二三四五六七八九十]+"
# The start of a numbered section heading: "一、", "（二）", "第三部分".
HEADING_START = re.compile(rf"^({CN_NUMBER}、|[(（]{CN_NUMBER}[)）]|第{CN_NUMBER}(部分|章|节))")
# Those and the lead-in headings "一是…", "二要…", as ``qa.passages.heading_of`` reads
# them: speech structure, never site furniture.
_NUMBERED_HEADING = re.compile(rf"{HEADING_START.pattern}|^{CN_NUMBER}[是要]")
_TRAILING_BRACKETS = re.compile(r"\s*[(（〔【\[][^()（）〔〕【】\[\]]*[)）〕】\]]$")
# A title's note in brackets ("征求意见稿", "2023年1月8日", "二〇二三年一月八日在…") is short.
_TITLE_NOTE_CHARS = 16
# "市政协主席 张三", "（市委书记：李四）": an office, a space or colon, then one or two names.
_ROLE = (
    "总理|总书记|委员长|主席|书记|市长|县长|区长|省长|部长|主任|秘书长|常委|委员"
    "|会长|理事长|院长|局长|厅长|校长|代表"
)
_NAME = r"[\u4e00-\u9fff](\s?[\u4e00-\u9fff·]){1,4}"
_PROMULGATED = re.compile(r"(发布|通过|公布|施行|印发|修订|修正|批准)$")
_SPEAKER = re.compile(
    rf"^[(（]?[\u4e00-\u9fff、，,]{{0,30}}({_ROLE})(\s+|\s*[:：]\s*){_NAME}([\s、，,]+{_NAME})?[)）]?$"
)
_SUBTITLE_DASH = re.compile(r"^[—–\-－]{1,3}\s*")
# An undashed subtitle names the kind of text last ("在…会议上的讲话"); a line that runs on
# past it is body ("1、在…会议上的讲话(1857字)今年以来,…").
_SUBTITLE_END = re.compile(r"([讲講]话|[讲講]話|[发發]言|致[辞辭]|[讲講]稿|演[讲講]|[报報]告)$")
_SENTENCE_END = re.compile(r"[。！？!?；;]")
# The short last words of a speech: "谢谢大家！", "谢谢！", "同志们，谢谢各位！".
_CLOSING = re.compile(r"^([^，,。！？!?]{0,12}[，,]\s*)?(谢谢|感谢|多谢)[^，,。！？!?]{0,6}[！!。.]?$")


def furniture_rule(line: str, kind: str = "text", collection: frozenset[str] = frozenset()) -> str | None:
    """The rule that recognises ``line`` as page furniture, else None.

    ``collection`` holds the ``line_key`` of lines found repeated across the collection.

    A block its format marks as a table row, heading, list item or note is content. A
    numbered heading ("（二）强化技术支持") is never taken for a short ad or menu line,
    but a numbered copyright or ICP footer still is furniture. On a long line of prose only
    the unmistakable markers count ("ICP备", "由会员分享"): "未经授权" or "本网站" may be
    what a regulation says.
    """
    if kind in STRUCTURED:
        return None
    if collection and line_key(line) in collection:
        return "collection-furniture"
    long_prose = len(line) > _SHORT_LINE and is_prose(line)
    if _STRONG_FURNITURE.search(line) or (not long_prose and _FURNITURE.search(line)):
        return "site-furniture"
    if not long_prose and END_OF_CONTENT.search(line):
        return "end-of-content"
    if not long_prose and _METADATA.search(line) and not _NUMBERED_HEADING.match(line):
        return "metadata"
    if _NUMBERED_HEADING.match(line) or len(line) > _SHORT_LINE:
        return None
    if _SHORT_FURNITURE.search(line):
        return "short-furniture"
    return "navigation" if is_navigation(line) else None


def line_key(line: str) -> str:
    """A short stable fingerprint of a line, to count it across a collection without keeping it."""
    return hashlib.blake2b(line.encode("utf-8"), digest_size=6).hexdigest()


def is_boilerplate(line: str) -> bool:
    """True for a line that is site furniture rather than speech (``furniture_rule`` finds a rule)."""
    return furniture_rule(line) is not None


def is_closing(line: str) -> bool:
    """The short last words of a speech: "谢谢大家！", "同志们，谢谢各位！"."""
    return bool(_CLOSING.match(line))


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


def _looks_like_title(line: str) -> bool:
    # A title may end with a bracketed note: "（讨论稿）", "（摘要）", "(2023年1月8日)"; the
    # words before it are what must not read as a sentence (prose ends "…成效。（掌声）").
    core = _without_title_note(line)
    return (
        6 <= len(line) <= 90
        and bool(_TITLE_WORDS.search(core) or is_official_title(core))
        and not _PROSE_END.search(core)
        and not reads_as_sentence(core)
        and not _NUMBERED_HEADING.match(line)
        and not is_navigation(line)
        and not is_boilerplate(line)
    )


def normalise_spaces(text: str) -> str:
    # One character for one keeps offsets valid.
    return text.translate({0xA0: " ", 0x3000: " ", 0xFEFF: " ", 0x200B: " "})


def find_title(lines: list[str], known_title: str | None) -> tuple[str | None, list[int]]:
    """The title and the indices of its lines: the known title, else the first line that reads as one.

    An official title wrapped over two to four short lines ("国务院办公厅关于有效发挥政府性" /
    "融资担保基金作用…的指导意见") is joined back when the joined lines read as one title. The
    lines of a known title are each place the top of the text gives it, wrapped or not.
    """
    title, title_lines = _title_in_text(lines[:20])
    known = normalise_spaces(known_title or "").strip()
    if known and not reads_as_sentence(known, max_chars=None):
        # Every time the top of the text gives it (a page may repeat its title, wrapped).
        known_lines: list[int] = []
        for i in range(min(len(lines), 20)):
            span = next((s for s in range(1, 5) if _same_words("".join(lines[i : i + s]), known)), 0)
            if span and i not in known_lines:
                known_lines += range(i, i + span)
        return known, known_lines or title_lines
    return title, title_lines


def _title_in_text(lines: list[str]) -> tuple[str | None, list[int]]:
    title: str | None = None
    for i, line in enumerate(lines):
        if match := _EDITOR_INTRO.search(line):
            title = title or match["title"].strip()
            continue
        if title is not None:
            continue
        if SALUTATION.match(line):
            break  # "各位代表：" opens the speech: a title stands above it, never below
        for span in range(4, 1, -1):
            wrapped = lines[i : i + span]
            pieces_fit = len(wrapped) == span and all(map(_title_piece, wrapped[:-1]))
            joined = "".join(wrapped)
            if pieces_fit and is_official_title(joined) and not reads_as_sentence(joined, max_chars=None):
                return "".join(wrapped), list(range(i, i + span))
        if _looks_like_title(line):
            return _SUBTITLE_DASH.sub("", FILE_EXTENSION.sub("", line)).strip(), [i]
    return title, []


def _title_piece(line: str) -> bool:
    """A short line that may be the first part of a wrapped title (not an office, number or date)."""
    return (
        2 <= len(line) <= 40
        and not _SENTENCE_END.search(line)
        and not is_boilerplate(line)
        and not is_authority(line)
        and not is_document_number(line)
        and not is_date_line(line)
    )


def metadata_under_title(
    lines: list[str], title_index: int | None, title: str | None
) -> tuple[set[int], list[str]]:
    """The indices of the date, speaker and subtitle lines right under the title, and the subtitles.

    They run from the title to the first other line, furniture aside. Without a title line
    the lines above the first prose line are not body anyway; the date lines among them
    are found all the same.
    """
    head: set[int] = set()
    subtitles: list[str] = []
    first = title_index + 1 if title_index is not None else 0
    for i in range(first, min(len(lines), first + 20)):
        text = lines[i]
        if is_boilerplate(text):
            continue
        subtitle = subtitle_of(text) if title_index is not None else None
        same = title and _same_words(text, title)
        if is_date_line(text) or is_promulgation(text) or is_speaker(text) or subtitle or same:
            head.add(i)
            subtitles.extend([subtitle] if subtitle else [])
        elif title_index is not None or is_prose(text):
            break
    return head, subtitles


def page_date(lines: list[str], head: set[int], title: str | None) -> str | None:
    """The first full date of the metadata near the top, else its first year, else the title's."""
    dates = [
        found
        for i, line in enumerate(lines)
        if (i in head or (i < 20 and (is_boilerplate(line) or _looks_like_title(line))))
        and (found := find_date(line))
    ]
    full_dates = [d for d in dates if len(d) == 10]
    date = full_dates[0] if full_dates else (dates[0] if dates else None)
    if date is None and title:
        date = find_date(title)
    return date


def is_promulgation(line: str) -> bool:
    """A note of when a text was adopted or issued: "（2010年3月14日第十一届全国人大第三次会议通过）"."""
    core = BRACKETS.sub("", line)
    return len(core) <= 80 and bool(_PROMULGATED.search(core)) and len(find_date(core[:14]) or "") == 10


def is_speaker(line: str) -> bool:
    """A speaker line: "市政协主席 张三", "（市委书记：李四）", perhaps with the date after it."""
    return len(line) <= 40 and bool(_SPEAKER.match(_without_trailing_date(line)))


def subtitle_of(line: str) -> str | None:
    """The text of a subtitle line ("——在…上的讲话", "（在…会议上的发言）"), else None."""
    core = _without_trailing_date(line)
    dashed = bool(_SUBTITLE_DASH.match(core))
    core = _SUBTITLE_DASH.sub("", core)
    if len(core) > 2 and core[0] in "(（" and core[-1] in ")）":
        core = core[1:-1].strip()
    if dashed and 4 <= len(core) <= 80 and not _SENTENCE_END.search(core):
        return core
    if _looks_like_title(core) and _SUBTITLE_END.search(core):
        return core
    return None


def _without_title_note(line: str) -> str:
    """``line`` without a short bracketed note at its end (at most ``_TITLE_NOTE_CHARS`` inside)."""
    match = _TRAILING_BRACKETS.search(line)
    note = match.group().strip()[1:-1] if match else ""
    if match is None or not 0 < len(note) <= _TITLE_NOTE_CHARS or _SENTENCE_END.search(note):
        return line
    return line[: match.start()]


def _without_trailing_date(line: str) -> str:
    match = _TRAILING_BRACKETS.search(line)
    return line[: match.start()] if match and is_date_line(match.group().strip()) else line


def _same_words(line: str, title: str) -> bool:
    """The same text once spaces and punctuation are ignored."""
    words = [c for c in title if c.isalnum()]
    return bool(words) and [c for c in line if c.isalnum()] == words


def join_page_fragments(lines: list[TrackedText]) -> tuple[list[TrackedText], list[str]]:
    """Join runs of numbered page fragments ("1、…", "2、…") that were cut mid-sentence.

    A run of consecutively numbered lines counts as page fragments when most of its
    breaks fall inside a sentence; a genuine numbered list ends its items with
    punctuation and is left alone. Returns the lines and the page numbers removed.
    """
    result: list[TrackedText] = []
    numbers: list[str] = []
    i = 0
    while i < len(lines):
        run_end = i
        while run_end + 1 < len(lines) and _is_next_fragment(lines[run_end], lines[run_end + 1]):
            run_end += 1
        run = lines[i : run_end + 1]
        if len(run) >= 2 and _PAGE_FRAGMENT.match(run[0].text) and _mostly_cut(run):
            result.append(TrackedText.join(line.sub(_PAGE_FRAGMENT) for line in run))
            numbers.extend(match.group() for line in run if (match := _PAGE_FRAGMENT.match(line.text)))
        else:
            result.extend(run)
        i = run_end + 1
    return result, numbers


def _is_next_fragment(current: TrackedText, following: TrackedText) -> bool:
    a = _PAGE_FRAGMENT.match(current.text)
    b = _PAGE_FRAGMENT.match(following.text)
    return bool(a and b and int(b.group(1)) == int(a.group(1)) + 1)


def _mostly_cut(run: list[TrackedText]) -> bool:
    cuts = sum(1 for line in run[:-1] if not _PROSE_END.search(line.text))
    return cuts * 2 >= len(run) - 1


def tidy(line: TrackedText) -> tuple[TrackedText, list[Removal]]:
    """Drop "(1857字)" word-count markers and shorten "……略……" elisions; returns what went."""
    removals = [Removal("word-count", m.group()) for m in _WORD_COUNT.finditer(line.text)]
    line = line.sub(_WORD_COUNT)
    removals += [Removal("elision", m.group()) for m in _ELISION.finditer(line.text)]
    line = line.sub(_ELISION, "……")
    return line.strip(), removals


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
