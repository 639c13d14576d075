"""Lines as extraction leaves them, made into paragraphs: spaced-out characters and long runs.

A PDF text layer may put a space between every Chinese character; a database export or
a page extraction may put a whole document, with its breadcrumb, publication fields,
addressees and signature, on one line. Both happen before any cleaning rule looks at the
lines, and both keep every character's offset into the file (``TrackedText``).
"""

from __future__ import annotations

import re
from itertools import pairwise, takewhile

from qa.ingest.dates import is_date_line
from qa.ingest.official import DOCUMENT_NUMBER, OFFICIAL_KINDS, is_authority
from qa.ingest.tracked import TrackedText
from qa.text.normalise import CJK

# Spaces between CJK characters, a PDF text-layer defect ("政 协 委 员").
_CJK_OR_PUNCTUATION = CJK + "\u3000-\u303f\uff00-\uffef"
_CJK_SPACE = re.compile(rf"(?<=[{_CJK_OR_PUNCTUATION}]) (?=[{_CJK_OR_PUNCTUATION}])")
_CJK_SPACED_RUN = re.compile(rf"[{CJK}]( [{CJK}]){{3,}}")
# A numbered heading, article or attachment inside a long run of text starts a paragraph, and so
# does a notice's closing formula ("特此通知。"), which would glue its last item into a heading.
_RUN_BREAK = re.compile(
    r"(?<=[。！？；;!?])\s*(?=[一二三四五六七八九十]+、|[(（][一二三四五六七八九十]+[)）]"
    r"|\d{1,2}[.．、](?!\d)|第[一二三四五六七八九十百零〇]+条|附件\s*[:：\d]"
    r"|特此(通知|通告|公告|函告|函复|批复|报告|说明)[。！])"
)
# What a page extraction glues to the body on one line: a breadcrumb, publication fields
# ("发布时间：2024-03-01 09:18 来源：…"), the addressees ("各位委员："), the signature.
_GLUED_FIELD = re.compile(
    r"(发布时间|发布日期|发文日期|成文日期|来源|文章来源|信息来源|作者|责任编辑|浏览次数|点击数|阅读次数|字号)"
    r"\s*[:：]\s*[^\s【】\[\]]*(\s+\d{1,2}:\d{2}(:\d{2})?)?"
)
# The same fields in brackets, one after another: "【发布日期：2020-03-02】【来源：…】【字体：大 中 小】".
_BRACKETED_FIELD = re.compile(r"[【\[][^【】\[\]\s:：]{1,8}[:：][^【】\[\]]{0,40}[】\]]")
_GLUED_ADDRESSEES = re.compile(r"(?:^|(?<=\s))(各[^\s。！？，,：:]{1,30}|[^\s。！？，,：:]{0,16}同志们)[:：]")
# A document number standing between spaces, not one a sentence cites ("（国发〔2015〕43号）").
_GLUED_NUMBER = re.compile(rf"(?:^|(?<=\s)){DOCUMENT_NUMBER.pattern}(?=\s|$)")
# A one-line notice written without spaces: "…关于做好……的通知青卫发〔2020〕12号各区…": the
# title ends where its kind meets the document number.
_TITLE_BEFORE_NUMBER = re.compile(
    rf"的({OFFICIAL_KINDS})(?=[\u4e00-\u9fff]{{1,12}}\s*[〔\[［【(（]\s*(19|20)\d{{2}}\s*[〕\]］】)）]\s*第?\s*\d{{1,4}}\s*号)"
)
# A notice's title glued between a breadcrumb, publication fields or addressees, with or without
# a document number after it: "首页 > 通知公告 关于做好……的通知 发布时间：…", "…的通知各区…：".
_GLUED_TITLE = re.compile(
    rf"(?:^|(?<=[\s】\]]))[^\s。！？，,：:>»/|【】\[\]]{{0,30}}关于[^\s。！？：:]{{2,80}}?的({OFFICIAL_KINDS})"
    r"(?=\s|$|各[^\s。！？：:]{1,30}[：:])"
)
# …and a signature glued after the last sentence: "…为止。青川市卫生健康委员会2020年2月16日".
_GLUED_SIGNATURE = re.compile(
    r"(?<=[。！？!?])(?P<authority>[^\s。！？!?，,；;：:]{2,40}?)?(?P<date>(19|20)\d{2}年\d{1,2}月\d{1,2}日)$"
)
_TOKEN = re.compile(r"\S+")
_LAST_SENTENCE_END = re.compile(r"[。！？!?][^。！？!?]*$")
# Shorter lines are left whole: a paragraph, or a line a format reader already made.
_LONG_LINE = 100


def despace(line: TrackedText) -> TrackedText:
    """Remove the spaces of a line whose CJK characters are spaced out ("政 协 委 员 要")."""
    spaced = sum(len(m.group()) for m in _CJK_SPACED_RUN.finditer(line.text))
    cjk = len(re.findall(rf"[{CJK}]", line.text))
    return line.sub(_CJK_SPACE) if cjk and spaced >= cjk else line


def split_run(line: TrackedText) -> list[TrackedText]:
    """A long line of running text (an export with no line breaks) split into paragraphs.

    Breaks go before numbered headings, articles and attachments that follow a sentence
    end, and around what page extraction glues to a body near its ends: publication fields,
    a document number and the addressees in the first 300 characters, a signature after the
    last sentence.
    Long paragraphs are cut at sentence ends later, into passages (``qa.passages``).
    """
    text = line.text
    if len(text) < _LONG_LINE:
        return [line]
    cuts = {m.start() for m in _RUN_BREAK.finditer(text)}
    bracketed = [m.span() for m in _BRACKETED_FIELD.finditer(text, 0, 300)]
    for a, b in bracketed:
        cuts.update((a, b))
    for pattern in (_GLUED_FIELD, _GLUED_ADDRESSEES, _GLUED_NUMBER):
        for match in pattern.finditer(text, 0, 300):
            if not any(a <= match.start() < b for a, b in bracketed):
                cuts.update((match.start(), match.end()))
    if title := _GLUED_TITLE.search(text, 0, 300):
        cuts.update(title.span())
    if title := _TITLE_BEFORE_NUMBER.search(text, 0, 300):
        number = DOCUMENT_NUMBER.match(text, title.end())
        cuts.update((title.end(), number.end()) if number else (title.end(),))
    if glued := _GLUED_SIGNATURE.search(text):
        authority = glued.group("authority") or ""
        cuts.update(
            (glued.start(), glued.start("date")) if is_authority(authority) else (glued.start("date"),)
        )
    if end := _LAST_SENTENCE_END.search(text):
        tokens = list(_TOKEN.finditer(text, end.start() + 1))
        if tokens and is_date_line(tokens[-1].group()):
            signature = tokens[-1:] + list(
                takewhile(lambda t: is_authority(t.group()), reversed(tokens[-4:-1]))
            )
            cuts.update(token.start() for token in signature)
    bounds = sorted({0, *cuts, len(text)})
    pieces = (line[a:b].strip() for a, b in pairwise(bounds))
    return [piece for piece in pieces if piece.text]
