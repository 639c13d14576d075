"""Official documents (公文): title, document number (文号), issuing authority and signature block.

The parts follow GB/T 9704-2012 "党政机关公文格式": a masthead with the issuing authority
("北京市财政局文件") and the document number ("京财金融〔2020〕251号") above the title
("关于……的通知"), the addressees ("各区财政局："), the body, attachments ("附件：1. …"), then
the signature block (落款): the issuing authority and the date the document was signed.
"""

from __future__ import annotations

import re

# 京财金融〔2020〕251号, 国办发[2021]3号, 政协办字（2023）第12号
DOCUMENT_NUMBER = re.compile(
    r"[\u4e00-\u9fff]{1,12}\s*[〔\[［【(（]\s*(19|20)\d{2}\s*[〕\]］】)）]\s*第?\s*\d{1,4}\s*号"
)
# "关于印发《……》的通知", "……实施方案", "……管理办法": the kinds of 公文 and normative documents.
OFFICIAL_KINDS = _KINDS = (
    "通知|通报|意见|办法|方案|决定|规定|细则|公告|通告|批复|请示|函|复函|纪要|决议|指引|措施|规划|纲要"
    "|条例|规则|制度|要点|报告"
)
# Without "关于…的" only the names that cannot be a section heading ("健全考核制度" can).
_KINDS_ALONE = (
    "通知|实施意见|指导意见|管理办法|实施办法|实施方案|工作方案|实施细则|公告|通告|批复|决议|条例|纲要"
)
OFFICIAL_TITLE = re.compile(rf"^.{{0,40}}关于.{{2,90}}的({_KINDS})$|^.{{4,60}}({_KINDS_ALONE})$")
# A masthead or signature line: an office, perhaps with "文件" after it, nothing else.
_AUTHORITY = re.compile(
    r"^[\u4e00-\u9fff（）()、\s]{2,60}(人民政府|政府|委员会|办公厅|办公室|局|厅|部|院|署|委|政协|协会|中心|党组)"
    r"(文件)?$"
)


def is_document_number(line: str) -> bool:
    """A line that is a document number and little else ("京财金融〔2020〕251号")."""
    match = DOCUMENT_NUMBER.search(line)
    return match is not None and len(line) - len(match.group()) <= 6


def is_official_title(line: str) -> bool:
    """A title of an official document: "关于……的通知", "……实施方案" (not a sentence)."""
    return len(line) <= 120 and not re.search(r"[。！？；;，,]", line) and bool(OFFICIAL_TITLE.match(line))


_ADDRESSEES = re.compile(
    r"^各[^。！？；;]{1,60}[:：]$|^[^。！？；;，,:：]{2,30}([、，,][^。！？；;，,:：]{2,30})+[:：]$"
)


def is_addressees(line: str) -> bool:
    """The addressees (主送机关) of an official document: "各区财政局：", "市委办公室、市政府办公室："."""
    return bool(_ADDRESSEES.match(line))


def is_authority(line: str) -> bool:
    """An issuing authority on a line of its own ("北京市财政局", "市政协办公室文件")."""
    return len(line) <= 60 and bool(_AUTHORITY.match(line.replace(" ", "")))
