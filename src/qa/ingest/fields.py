"""The fields that tell one document of a collection from another: when, at which session,
who, which authority, which 文号 and what kind of document.

A speechwriter's archive holds the same kind of document year after year (a 常委会工作报告 at
every session, one notice after another); the question that tells them apart names the
document ("十四届二次会议的报告", "临政协办发〔2023〕15号", "吴振东的讲话"), not its words.
``document_fields`` reads them once, at ingestion, from what cleaning already separated
(title, date, the metadata lines: 文号, 发文机关, 讲话人, 副标题) and from the first and last
paragraphs (the "——在…上的讲话" subtitle, "XXX同志在…上的讲话", the 落款). The same
normalisers read a question (``qa.retrieve.constraints``), so "十四届二次" and "14届2次",
"〔2023〕12号", "[2023]12号" and "（2023）第12号" compare equal.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

from qa.ingest.official import is_authority
from qa.ingest.titles import session_year
from qa.text.normalise import numeral_value

_CN = "〇零一二三四五六七八九十百"
_NUMERAL = rf"[{_CN}\d]{{1,4}}"
# 文号: an agency prefix, the year in any bracket (or "2023年"), the number, 号.
_BRACKETED_NUMBER = re.compile(
    r"(?P<agency>[\u4e00-\u9fff]{1,12}?)?\s*[〔\[［【(（]\s*(?P<year>(19|20)\d{2})\s*[〕\]］】)）]"
    r"\s*第?\s*(?P<number>\d{1,4})\s*号"
)
# "临政协办发2023年12号", "2023年第12号文", "2023年12号文件" (not "2023年12月").
_YEAR_NUMBER = re.compile(
    r"(?P<agency>[\u4e00-\u9fff]{1,12}?(发|字|函|办))?\s*(?P<year>(19|20)\d{2})\s*年\s*第?\s*"
    r"(?P<number>\d{1,4})\s*号(?P<doc>文件?|通知)?"
)
_AGENCY_WORDS = re.compile(r"^(关于|根据|按照|依据|落实|执行|印发|见|如|以|的|和|与|及|按|据|将|对)+")
# A session: "第十四届委员会第二次会议", "十四届二次", "14届2次", "十四届市政协常委会第五次会议".
_SESSION = re.compile(
    rf"第?(?P<term>{_NUMERAL})\s*届(?P<between>[^，。；、\s届次]{{0,14}}?)第?(?P<session>{_NUMERAL})\s*次"
)
_STANDING = re.compile(r"常委会|常务委员会")
_MEETING = re.compile(
    r"在(?P<meeting>[^，。；：:“”]{4,60}?)(开幕式|闭幕式|开幕会|闭幕会)?上的(讲话|发言|致辞|报告|讲稿)"
)
_MEETING_DASH = re.compile(r"^——\s*在(?P<meeting>[^，。；：:]{4,60}?)(开幕式|闭幕式)?上")
# "吴振东同志在…上的讲话", "市政协主席张三在…上的讲话".
_SPEAKER_BEFORE = re.compile(
    r"(?P<name>[\u4e00-\u9fff]{2,4}?)(同志)?在[^，。；]{4,60}?上的(讲话|发言|致辞|报告|讲稿)"
)
_TITLES = (
    "党组书记|副主席|主席|副书记|书记|秘书长|副秘书长|副市长|市长|副县长|县长|副区长|区长|副主任|主任"
    "|副部长|部长|总理|副总理|委员|常委|同志|代表"
)
_PERSON = re.compile(rf"^(?:.*?(?:{_TITLES}))?\s*(?P<name>[\u4e00-\u9fff]{{2,4}})$")
_NOT_A_NAME = re.compile(
    rf"^({_TITLES})$|会议|委员会|政协|政府|办公|人民|工作|报告|讲话|通知|同志们|关于|全体|各位|发言"
    r"|结束语|开幕词|闭幕词|序言|前言|后记|附件|说明|致辞|谢谢"
)
_DATE_TAIL = re.compile(r"[（(]?\s*((19|20)\d{2}|二[〇○零]).*$")
# Document types, most specific first; matched against the title (and the subtitle).
_TYPES = (
    ("提案", re.compile(r"提案$|的提案|提案[（(]|^提案")),
    ("工作报告", re.compile(r"工作报告")),
    ("讲话", re.compile(r"讲话|致辞|发言|讲稿|在.{2,60}上的")),
    ("条例", re.compile(r"条例")),
    ("章程", re.compile(r"章程")),
    ("办法", re.compile(r"办法")),
    ("细则", re.compile(r"细则")),
    ("规则", re.compile(r"规则")),
    ("规定", re.compile(r"规定$")),
    ("通知", re.compile(r"通知$")),
    ("通报", re.compile(r"通报$")),
    ("意见", re.compile(r"意见$")),
    ("决定", re.compile(r"决定$")),
    ("决议", re.compile(r"决议$")),
    ("方案", re.compile(r"方案$")),
    ("纪要", re.compile(r"纪要$")),
    ("要点", re.compile(r"要点$")),
    ("公告", re.compile(r"公告$|通告$")),
    ("函", re.compile(r"函$")),
    ("报告", re.compile(r"报告$")),
)
DOCUMENT_TYPES = tuple(name for name, _ in _TYPES)
_ABOUT = re.compile(r"关于.{2,90}的(?P<kind>[\u4e00-\u9fff]{1,4})$")
_LEAD_LINES = 3
_SUBTITLE_CHARS = 60
_CLOSING_LINES = 3


@dataclass(frozen=True)
class DocumentFields:
    """What tells a document from the others of its kind; "" or 0 where the document does not say.

    ``session`` is normalised ("14届2次"; a standing committee's meeting "14届常委会5次");
    ``doc_number`` is the 文号 as written in one form ("临政协办发〔2023〕12号"), so that
    ``number_key`` of any writing of it compares equal.
    """

    year: int = 0
    month: int = 0
    date: str = ""
    session: str = ""
    meeting: str = ""
    speaker: str = ""
    authority: str = ""
    doc_number: str = ""
    doc_type: str = ""

    def to_json(self) -> dict[str, object]:
        """The fields that are set (what the manifest keeps)."""
        return {name: value for name, value in asdict(self).items() if value}

    @classmethod
    def from_json(cls, record: Mapping[str, object] | None) -> DocumentFields:
        """Inverse of ``to_json`` (unknown names ignored)."""
        known = cls.__dataclass_fields__
        return cls(**{k: v for k, v in (record or {}).items() if k in known})  # type: ignore[arg-type]

    def summary(self) -> str:
        """One line for ``qa inspect``: "年份 2024 · 届次 14届2次 · 讲话人 吴振东 · …"."""
        names = (
            ("date", "日期"),
            ("year", "年份"),
            ("session", "届次"),
            ("meeting", "会议"),
            ("speaker", "讲话人"),
            ("authority", "发文机关"),
            ("doc_number", "文号"),
            ("doc_type", "类型"),
        )
        parts = [f"{label} {getattr(self, name)}" for name, label in names if getattr(self, name)]
        if self.date:
            parts = [p for p in parts if not p.startswith("年份")]
        return " · ".join(parts) or "(none found)"


def chinese_number(text: str) -> int:
    """A number in digits or Chinese numerals up to 9999 ("十四", "二十", "一百零二", "〇");
    raises ``ValueError`` for anything else. The numerals are read by ``numeral_value``."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    value = numeral_value(text) if text else 0
    if value is None:
        raise ValueError(f"not a number: {text!r}")
    return value


def find_session(text: str) -> str:
    """The first session ``text`` names, normalised: "14届2次"; a standing committee's meeting
    ("十四届市政协常委会第五次会议", "十届十四次常委会会议") "14届常委会5次"; else ""."""
    return next(iter(find_sessions(text)), "")


def find_sessions(text: str) -> list[str]:
    """Every session ``text`` names, in order, normalised as by ``find_session``."""
    found: list[str] = []
    for match in _SESSION.finditer(text):
        between = match["between"]
        if re.search(r"[\d]", between):
            continue
        try:
            term, session = chinese_number(match["term"]), chinese_number(match["session"])
        except ValueError:
            continue
        if 0 < term < 100 and 0 < session < 100:
            after = text[match.end() : match.end() + 6]
            standing = "常委会" if _STANDING.search(between) or _STANDING.match(after) else ""
            found.append(f"{term}届{standing}{session}次")
    return found


@dataclass(frozen=True)
class DocumentNumber:
    """A 文号 read from any writing: agency prefix (may be ""), year, number."""

    agency: str
    year: int
    number: int

    def __str__(self) -> str:
        return f"{self.agency}〔{self.year}〕{self.number}号"

    def matches(self, other: DocumentNumber) -> bool:
        """The same year and number, and the same agency where both name one."""
        same = self.year == other.year and self.number == other.number
        return same and (not self.agency or not other.agency or _agency(self.agency) == _agency(other.agency))


def find_document_numbers(text: str) -> list[DocumentNumber]:
    """Every 文号 ``text`` writes, in any usual way: 〔2023〕12号, [2023]12号, （2023）第12号,
    (2023)12号, 2023年12号文; with or without the agency prefix. A date ("2023年12月15日") is none."""
    found: list[tuple[int, DocumentNumber]] = []
    taken: list[range] = []
    for pattern in (_BRACKETED_NUMBER, _YEAR_NUMBER):
        for match in pattern.finditer(text):
            if any(match.start() in span for span in taken):
                continue
            if pattern is _YEAR_NUMBER and not (match["agency"] or match["doc"]):
                continue  # "2023年12号" alone may be a day ("12号" = 12日): only with 文 or an agency
            agency = _AGENCY_WORDS.sub("", match["agency"] or "")
            found.append((match.start(), DocumentNumber(agency, int(match["year"]), int(match["number"]))))
            taken.append(range(match.start(), match.end()))
    return [number for _, number in sorted(found, key=lambda item: item[0])]


def _agency(text: str) -> str:
    return re.sub(r"\s", "", text)


def speaker_name(line: str) -> str:
    """The person a speaker line or 落款 names ("市政协主席 张三" → 张三, "——吴振东" → 吴振东), else ""."""
    core = _DATE_TAIL.sub("", line.strip().lstrip("—-（( ").rstrip("）) ").strip())
    core = re.sub(r"[：:]\s*", " ", core).strip("（）() ")
    if not core or len(core) > 30:
        return ""
    tokens = core.split()
    singles = 0  # a name printed with spaces between its characters: "国务院总理　李　强"
    while singles < len(tokens) and len(tokens[-1 - singles]) == 1:
        singles += 1
    last = "".join(tokens[-singles:]) if singles >= 2 else tokens[-1]
    match = _PERSON.match(last)
    name = match["name"] if match else ""
    if name.endswith("同志"):
        name = name[:-2]
    return name if 2 <= len(name) <= 4 and not _NOT_A_NAME.search(name) else ""


def document_type(title: str, subtitle: str = "") -> str:
    """The kind of document its title (or subtitle) names: 讲话, 工作报告, 通知, 意见, 提案, 条例…

    "关于…的决议" is a 决议 whatever it is about (a 决议 on the 工作报告)."""
    if (about := _ABOUT.search(title.strip())) and about["kind"] in DOCUMENT_TYPES:
        return str(about["kind"])
    for text in (title.strip(), subtitle.strip()):
        for name, pattern in _TYPES:
            if text and pattern.search(text):
                return name
    return ""


def document_fields(
    title: str,
    date: str | None,
    metadata: Mapping[str, str],
    paragraphs: Sequence[str] = (),
) -> DocumentFields:
    """The fields of a document from its title, date, metadata lines and paragraphs (see the module)."""
    subtitle = metadata.get("副标题", "")
    lead = [*paragraphs[:_LEAD_LINES]]
    closing = [*paragraphs[-_CLOSING_LINES:]] if paragraphs else []
    heads = [title, subtitle, metadata.get("发布信息", ""), metadata.get("讲话人", "")]
    # A paragraph names the document's own session only as a subtitle-like line; the body
    # speaks of other sessions ("落实六届七次全会明确的…").
    short_lead = [text for text in lead if len(text) <= _SUBTITLE_CHARS]
    session = next((s for text in [*heads, *short_lead] if (s := find_session(text))), "")
    date = date or ""
    year = int(date[:4]) if re.match(r"(19|20)\d{2}", date) else 0
    if not year and (national := session_year(" ".join([title, subtitle]))):
        year = int(national)
    month = int(date[5:7]) if len(date) >= 7 and date[5:7].isdigit() else 0
    numbers = find_document_numbers(metadata.get("文号", "")) or [
        n for n in find_document_numbers(title) if n.agency
    ]
    return DocumentFields(
        year=year,
        month=month,
        date=date if len(date) == 10 else "",
        session=session,
        meeting=_meeting([title, subtitle, *lead]),
        speaker=_speaker(title, metadata, lead, closing),
        authority=_authority(title, metadata),
        doc_number=str(numbers[0]) if numbers else "",
        doc_type=document_type(title, subtitle),
    )


def _meeting(texts: Sequence[str]) -> str:
    for text in texts:
        if match := _MEETING_DASH.match(text.strip()) or _MEETING.search(text):
            return match["meeting"].strip()
    return ""


def _speaker(title: str, metadata: Mapping[str, str], lead: list[str], closing: list[str]) -> str:
    """The speaker: the 讲话人 line, "XXX同志在…上的讲话" in the title or lead, a "——XXX" line, the 落款."""
    for line in metadata.get("讲话人", "").split("；"):
        if name := speaker_name(line):
            return name
    for text in [title, metadata.get("副标题", ""), *lead]:
        match = _SPEAKER_BEFORE.search(text)
        if match and (name := speaker_name(match["name"])) and (not text.startswith("在") or match.start()):
            return name
    for text in [*lead, *closing]:
        stripped = text.strip()
        if stripped.startswith("——") and (name := speaker_name(stripped)):
            return name
    for text in closing[-2:]:  # a speech signed by its speaker: "市政协主席 张三"
        stripped = text.strip()
        signed = len(stripped) <= 20 and not re.search(r"[。！？，]", stripped)
        if (
            signed
            and re.search(_TITLES, stripped)
            and not is_authority(stripped)
            and (name := speaker_name(stripped))
        ):
            return name
    return ""


def _authority(title: str, metadata: Mapping[str, str]) -> str:
    """The issuing authority: the 发文机关 line, else what stands before "关于" in the title."""
    for line in metadata.get("发文机关", "").split("；"):
        if line.strip():
            return re.sub(r"文件$", "", line.strip())
    before, about, _ = title.partition("关于")
    if about and before and is_authority(before):
        return before
    return ""
