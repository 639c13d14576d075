"""The kind of document a question names: "工作报告中…", "在…上的讲话", "通知要求…", "关于…的意见".

A type word is read only where the question uses it to name the document it asks about, never
where it is the topic or part of another word: "提高报告质量", "形成调研报告", "征求意见",
"意见建议", "总书记重要讲话", "党的二十大报告" (a report the archive quotes, not holds) name no
document. What names one:

* the word followed by where or what in it: "工作报告中", "报告里", "讲话中", "通知要求",
  "条例规定", "意见明确", "条例第十二条";
* the word after a 文号: "江政协办发〔2023〕21号通知";
* a title: "关于…的通知/意见/决定/决议", "《…条例》", "在…上的讲话/致辞".

``read_types`` gives the types as ``qa.ingest.fields.DOCUMENT_TYPES`` names them ("报告" stands for
every report, 工作报告 among them: ``type_matches``) with the places they were read from.
"""

from __future__ import annotations

import re

# A question's word for a type -> the type as documents are typed (``qa.ingest.fields``).
_WORDS = {
    "工作报告": "工作报告",
    "报告": "报告",
    "讲话": "讲话",
    "致辞": "讲话",
    "通知": "通知",
    "意见": "意见",
    "条例": "条例",
    "章程": "章程",
    "细则": "细则",
    "决议": "决议",
    "纪要": "纪要",
    "工作要点": "要点",
}
_TYPE = "|".join(sorted(_WORDS, key=len, reverse=True))
# Words before a type word that make it another thing than the archive's document: a report of
# a survey or an inspection, a leader's speech the documents quote, a party congress's report.
_NOT_BEFORE = r"(?<!调研)(?<!视察)(?<!考察)(?<!述职)(?<!研究)(?<!专题)(?<!请示)(?<!重要)(?<!大)(?<!征求)"
_WHERE = r"(?:中|里|内|当中)"
_SAYS = r"(?:要求|规定|指出|提出|强调|明确|提到|写道|写到|部署|说)"
_NAMED = re.compile(
    rf"{_NOT_BEFORE}(?P<word>{_TYPE})(?:{_WHERE}|{_SAYS})"
    rf"|(?P<rules>条例|章程|细则)第"  # "提案工作条例第十二条"
    rf"|(?<=[号\0])(?P<numbered>{_TYPE})"  # "江政协办发〔2023〕21号通知" (\0: a 文号 blanked)
)
_TITLE = re.compile(
    rf"关于[^，。？?！!；;“”]{{2,40}}的(?P<word>{_TYPE})"
    rf"|《[^》]{{0,60}}?(?P<quoted>{_TYPE})》"
    r"|在[^，。？?！!；;]{2,40}?上的(?P<speech>讲话|致辞)"
)


def read_types(question: str) -> tuple[tuple[str, ...], tuple[tuple[int, int], ...]]:
    """The document types ``question`` names (see the module) and the spans of their words."""
    found: list[str] = []
    spans: list[tuple[int, int]] = []
    for match in (*_TITLE.finditer(question), *_NAMED.finditer(question)):
        group = next(name for name, text in match.groupdict().items() if text)
        found.append(_WORDS[match[group]])
        spans.append(match.span(group))
    return tuple(dict.fromkeys(found)), tuple(sorted(set(spans)))


def type_matches(doc_type: str, types: tuple[str, ...]) -> bool:
    """Whether a document of ``doc_type`` is of one of ``types`` (a 工作报告 is a 报告)."""
    return bool(doc_type) and any(doc_type.endswith(kind) for kind in types)
