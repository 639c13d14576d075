"""What a question says about the document it wants: a year, a session, a speaker, a 文号, an
article — read as constraints on where the answer may come from.

"十四届二次会议的常委会工作报告中共收到多少件提案" asks one report of five near-identical ones;
the words that tell them apart name the document, not its text. ``read_constraints`` finds them
(with the normalisers of ``qa.ingest.fields``, so "十四届二次" = "14届2次" and "〔2023〕12号" =
"[2023]12号" = "2023年12号文"); ``passage_matches`` marks the passages that satisfy them, from
each document's fields (``DocumentFields``) and each passage's article and section. A number
that does not name a document ("提高20%", "3000万元", "12月15日") is never a constraint.

What is read, and how it constrains:

* a year ("2018年", "二〇一八年", "2018至2020年", "2020年以来", 去年/今年/前年 from ``today``)
  and a month with it ("2023年12月"): documents of that year, and passages that name it
  ("一、2018年工作回顾" in the next year's report);
* a session ("十四届二次会议", "14届2次"): documents of that session;
* a speaker: a name the collection's documents give as their speaker;
* a 文号, with or without the agency: exactly that document (a day, "12月15日", is no 文号);
* an article or chapter ("第十二条", "第三章"): the passages of that article or chapter.
* a document type named as such ("工作报告中", "通知要求", "关于…的意见", ``qa.retrieve.doctypes``):
  documents of that type ("档案中没有2019年的工作报告。" when none is); in a collection where no
  document has a type, nothing.

"最新"/"最近一次" asks for the newest document first (``newest_first``). A question asking a figure
of the documents it names ("多少件") prefers the passage stating it (``qa.retrieve.quantity``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from qa.ingest.fields import (
    DocumentFields,
    DocumentNumber,
    chinese_number,
    find_document_numbers,
    find_session,
)
from qa.retrieve.doctypes import read_types, type_matches

_CN_YEAR_DIGITS = str.maketrans("〇○零一二三四五六七八九", "000123456789")
_YEAR = r"(?:(?:19|20)\d{2}|(?:一九|二[〇○零])[〇○零一二三四五六七八九]{2})"
_RANGE = re.compile(rf"(?P<a>{_YEAR})\s*年?\s*(?:至|到|—|－|-|~|～)\s*(?P<b>{_YEAR})\s*年")
_SINCE = re.compile(rf"(?P<a>{_YEAR})\s*年(?:以来|至今|来)")
_ONE_YEAR = re.compile(
    rf"(?<![\d〇○零一二三四五六七八九])(?P<a>{_YEAR})\s*年(?:度)?(?:\s*(?P<m>\d{{1,2}})\s*月)?"
)
_RELATIVE = {"前年": -2, "去年": -1, "上一年": -1, "今年": 0, "本年度": 0}
_RELATIVE_WORDS = re.compile("|".join(_RELATIVE))
_SESSION_WORDS = re.compile(
    r"第?[〇零一二三四五六七八九十百\d]{1,4}\s*届[^，。；、\s届次]{0,14}?第?[〇零一二三四五六七八九十百\d]{1,4}\s*次"
    r"(?:常委会|常务委员会)?(?:全体)?(?:会议)?"
)
_ARTICLE = re.compile(r"第(?P<n>[〇零一二三四五六七八九十百\d]{1,5})条")
_CHAPTER = re.compile(r"第(?P<n>[〇零一二三四五六七八九十百\d]{1,4})章")
_NEWEST = re.compile(r"最新|最近一次|最近的|最近一年|新近")
_NUMBER_WORDS = re.compile(
    r"[\u4e00-\u9fff]{0,12}?[〔\[［【(（]\s*(?:19|20)\d{2}\s*[〕\]］】)）]\s*第?\s*\d{1,4}\s*号(?:文件?)?"
    r"|(?:[\u4e00-\u9fff]{1,12}?(?:发|字|函|办))?\s*(?:19|20)\d{2}\s*年\s*第?\s*\d{1,4}\s*号(?:文件?|通知)?"
)


@dataclass(frozen=True)
class Constraints:
    """What a question (or a filter) asks of the document: every field empty when nothing.

    ``years`` is an inclusive range; ``relative`` says it came from 去年/今年/前年 (then, when no
    document is of that year, it is dropped instead of answered with "档案中没有…"). ``spans``
    are the places in the question the constraints were read from.
    """

    years: tuple[int, int] | None = None
    month: int = 0
    relative: bool = False
    sessions: tuple[str, ...] = ()
    speakers: tuple[str, ...] = ()
    doc_numbers: tuple[DocumentNumber, ...] = ()
    articles: tuple[str, ...] = ()
    chapters: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    named_types: tuple[str, ...] = ()  # read from the question ("工作报告中…"); none in an untyped collection
    newest_first: bool = False
    filtered: bool = False  # ``years`` is a filter's: documents of those years, not passages naming them
    spans: tuple[tuple[int, int], ...] = field(default=(), compare=False)

    def __bool__(self) -> bool:
        return bool(self.years or self.sessions or self.speakers or self.doc_numbers or self.articles)

    @property
    def any(self) -> bool:
        """Whether anything at all is asked (a constraint, a type filter or newest first)."""
        return bool(self) or bool(self.chapters or self.types or self.named_types or self.newest_first)

    def describe(self) -> str:
        """How an answer names what it applied: "2024年", "14届2次会议", "临政协办发〔2023〕12号"."""
        parts: list[str] = []
        if self.years:
            first, last = self.years
            parts.append(f"{first}年" if first == last else f"{first}—{last}年")
            if self.month:
                parts[-1] += f"{self.month}月"
        parts += [f"{s}会议" for s in self.sessions]
        parts += [f"{s}的讲话或报告" for s in self.speakers]
        parts += [str(n) for n in self.doc_numbers]
        parts += list(dict.fromkeys((*self.types, *self.named_types)))
        parts += [*self.chapters, *self.articles]
        return "、".join(parts)

    def merged(self, other: Constraints) -> Constraints:
        """These constraints with ``other``'s added (``other``'s year range wins)."""
        return Constraints(
            years=other.years or self.years,
            month=other.month or self.month,
            relative=self.relative if not other.years else other.relative,
            filtered=self.filtered if not other.years else other.filtered,
            sessions=(*self.sessions, *other.sessions),
            speakers=(*self.speakers, *other.speakers),
            doc_numbers=(*self.doc_numbers, *other.doc_numbers),
            articles=(*self.articles, *other.articles),
            chapters=(*self.chapters, *other.chapters),
            types=(*self.types, *other.types),
            named_types=(*self.named_types, *other.named_types),
            newest_first=self.newest_first or other.newest_first,
            spans=(*self.spans, *other.spans),
        )


def read_constraints(question: str, speakers: Sequence[str] = (), today: date | None = None) -> Constraints:
    """The constraints ``question`` states (see the module); ``speakers`` are the names the
    collection gives as its documents' speakers, ``today`` dates 去年/今年/前年."""
    spans: list[tuple[int, int]] = []
    numbers = []
    for match in _NUMBER_WORDS.finditer(question):
        found = find_document_numbers(match.group(0))
        if found:
            numbers += found
            spans.append(match.span())
    free = _blank(question, spans)  # a 文号's year is not the question's year
    years, month, relative = _years(free, spans, today or date.today())
    sessions = []
    for match in _SESSION_WORDS.finditer(free):
        if session := find_session(match.group(0)):
            sessions.append(session)
            spans.append(match.span())
    named = [name for name in dict.fromkeys(speakers) if name and len(name) >= 2 and name in question]
    spans += [(m.start(), m.end()) for name in named for m in re.finditer(re.escape(name), question)]
    articles = [f"第{_numeral(m['n'])}条" for m in _ARTICLE.finditer(free)]
    chapters = [f"第{_numeral(m['n'])}章" for m in _CHAPTER.finditer(free)]
    spans += [m.span() for m in (*_ARTICLE.finditer(free), *_CHAPTER.finditer(free))]
    types, _ = read_types(free)  # the type words stay searched: "通知要求" ranks by 要求 too
    return Constraints(
        years=years,
        month=month,
        relative=relative,
        sessions=tuple(dict.fromkeys(sessions)),
        speakers=tuple(named),
        doc_numbers=tuple(dict.fromkeys(numbers)),
        articles=tuple(dict.fromkeys(a for a in articles if a)),
        chapters=tuple(dict.fromkeys(c for c in chapters if c)),
        named_types=types,
        newest_first=bool(_NEWEST.search(question)),
        spans=tuple(sorted(spans)),
    )


def without_spans(question: str, constraints: Constraints) -> str:
    """The question without the words that only name the document (what ranking then reads)."""
    kept = _blank(question, constraints.spans).replace("\0", "")
    return kept if len(kept.strip()) >= 2 else question


def _blank(text: str, spans: Sequence[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        chars[start:end] = "\0" * (end - start)
    return "".join(chars)


def _year(text: str) -> int:
    return int(text.translate(_CN_YEAR_DIGITS))


def _years(text: str, spans: list[tuple[int, int]], today: date) -> tuple[tuple[int, int] | None, int, bool]:
    """The year range the question names, the month with a single year, and whether it was relative."""
    if match := _RANGE.search(text):
        spans.append(match.span())
        first, last = sorted((_year(match["a"]), _year(match["b"])))
        return (first, last), 0, False
    if match := _SINCE.search(text):
        spans.append(match.span())
        return (_year(match["a"]), today.year), 0, False
    found = list(_ONE_YEAR.finditer(text))
    if len({_year(m["a"]) for m in found}) == 1:
        spans += [m.span() for m in found]
        month = int(found[0]["m"] or 0)
        return (_year(found[0]["a"]),) * 2, month if 1 <= month <= 12 else 0, False
    if len(found) > 1:  # several years ("2019年和2020年"): the range they span
        years = sorted(_year(m["a"]) for m in found)
        spans += [m.span() for m in found]
        return (years[0], years[-1]), 0, False
    if match := _RELATIVE_WORDS.search(text):
        spans.append(match.span())
        year = today.year + _RELATIVE[match.group(0)]
        return (year, year), 0, True
    return None, 0, False


def _numeral(text: str) -> str:
    """An article's number as regulations write it: "第十二条" for "第12条" too."""
    try:
        number = chinese_number(text)
    except ValueError:
        return ""
    return _chinese(number) if 0 < number < 1000 else ""


def _chinese(number: int) -> str:
    digits = "零一二三四五六七八九"
    hundreds, rest = divmod(number, 100)
    tens, ones = divmod(rest, 10)
    out = f"{digits[hundreds]}百" if hundreds else ""
    if tens:
        out += ("" if tens == 1 and not hundreds else digits[tens]) + "十"
    elif hundreds and ones:
        out += "零"
    return out + (digits[ones] if ones else "")


def named_documents(asked: Constraints) -> str:
    """The documents ``asked`` names, as answers say it: "2023年的工作报告", "2018年的文件",
    "通知", or "" when it names only articles or chapters."""
    kinds = "、".join(dict.fromkeys((*asked.types, *asked.named_types)))
    which = replace(asked, articles=(), chapters=(), types=(), named_types=()).describe()
    if kinds:
        return f"{which}的{kinds}" if which else kinds
    return f"{which}的文件" if which else ""


def document_matches(constraints: Constraints, fields: DocumentFields, title: str = "") -> dict[str, bool]:
    """Which of the document-level constraints ``fields`` satisfies, by kind."""
    result: dict[str, bool] = {}
    if constraints.years:
        first, last = constraints.years
        result["year"] = first <= fields.year <= last and (
            not constraints.month or not fields.month or fields.month == constraints.month
        )
    if constraints.sessions:
        result["session"] = fields.session in constraints.sessions
    if constraints.speakers:
        named = any(s in title for s in constraints.speakers)
        result["speaker"] = fields.speaker in constraints.speakers or named
    if constraints.doc_numbers:
        number = find_document_numbers(fields.doc_number)
        result["doc_number"] = bool(number) and any(n.matches(number[0]) for n in constraints.doc_numbers)
    if constraints.types:
        result["type"] = type_matches(fields.doc_type, constraints.types)
    if constraints.named_types:
        result["named_type"] = type_matches(fields.doc_type, constraints.named_types)
    return result
