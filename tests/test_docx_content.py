"""Word contents python-docx's ``paragraph.text`` misses: text boxes, footnotes and endnotes, headers.

Every .docx is built here: python-docx writes the document, and where it has no API (text
boxes, notes) the XML is added with lxml and the notes parts with python-docx's package API.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from qa.ingest.blocks import Removal
from qa.ingest.documents import read_document
from qa.ingest.formats import extract

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NSDECLS = (
    f'xmlns:w="{W_NS}" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'xmlns:v="urn:schemas-microsoft-com:vml"'
)
FOOTNOTES_RT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes"
ENDNOTES_RT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/endnotes"
FOOTNOTES_CT = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
ENDNOTES_CT = "application/vnd.openxmlformats-officedocument.wordprocessingml.endnotes+xml"

ANCHOR = "过去一年，市政协坚持围绕中心、服务大局，深入开展调查研究，积极建言资政，广泛凝聚共识。"
AFTER = "各位委员要把学习作为一种责任、一种追求，不断提高政治把握能力和调查研究能力。"
BOX_1 = "专栏：全年共收到提案四百二十六件，立案三百八十九件。"
BOX_2 = "委员满意率达到百分之九十七。"
FOOTNOTE_A = "数据来源：市政协提案委员会二〇二四年工作报告。"
FOOTNOTE_B = "立案标准见《政协某某市委员会提案工作条例》第十二条。"
ENDNOTE = "本讲话稿根据录音整理，未经本人审阅。"
SEPARATOR_TEXT = "（续前页）"


def paragraphs_xml(*texts: str) -> str:
    return "".join(f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>" for text in texts)


def drawing_text_box(*texts: str) -> str:
    """A DrawingML text box: what Word 2010 and later write inside ``mc:Choice``."""
    return (
        '<w:drawing><wp:anchor><a:graphic><a:graphicData uri="wps"><wps:wsp><wps:txbx>'
        f"<w:txbxContent>{paragraphs_xml(*texts)}</w:txbxContent>"
        "</wps:txbx></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing>"
    )


def vml_text_box(*texts: str) -> str:
    """A VML text box: what older Word writes, and Word's ``mc:Fallback`` for the same box."""
    box = f"<w:txbxContent>{paragraphs_xml(*texts)}</w:txbxContent>"
    return f"<w:pict><v:shape><v:textbox>{box}</v:textbox></v:shape></w:pict>"


def add_run_xml(paragraph: Any, inner: str) -> None:
    from lxml import etree

    paragraph._p.append(etree.fromstring(f"<w:r {NSDECLS}>{inner}</w:r>"))


def save(document: Any) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def lines_of(data: bytes) -> list[str]:
    return extract(data, ".docx", "x.docx").text.split("\n")


def add_notes_part(document: Any, name: str, notes: list[tuple[str, str | None, str]]) -> None:
    """A footnotes or endnotes part of ``(id, w:type or None, text)`` notes, related to the body."""
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part

    body = "".join(
        f'<w:{name} w:id="{id_}"{f" w:type={chr(34)}{type_}{chr(34)}" if type_ else ""}>'
        f'<w:p><w:r><w:{name}Ref/></w:r><w:r><w:t xml:space="preserve"> {text}</w:t></w:r></w:p></w:{name}>'
        for id_, type_, text in notes
    )
    blob = f'<w:{name}s xmlns:w="{W_NS}">{body}</w:{name}s>'.encode()
    rt, ct = (FOOTNOTES_RT, FOOTNOTES_CT) if name == "footnote" else (ENDNOTES_RT, ENDNOTES_CT)
    part = Part(PackURI(f"/word/{name}s.xml"), ct, blob, document.part.package)
    document.part.relate_to(part, rt)


def refer(paragraph: Any, name: str, id_: str) -> None:
    add_run_xml(paragraph, f'<w:{name}Reference w:id="{id_}"/>')


def document_with_notes() -> Any:
    """Body refers to footnote 7 before footnote 3 (ids out of file order), and to one endnote."""
    import docx

    document = docx.Document()
    first = document.add_paragraph(ANCHOR)
    refer(first, "footnote", "7")
    second = document.add_paragraph(AFTER)
    refer(second, "footnote", "3")
    refer(second, "endnote", "2")
    add_notes_part(
        document,
        "footnote",
        [
            ("-1", "separator", ""),
            ("0", "continuationNotice", SEPARATOR_TEXT),
            ("3", None, FOOTNOTE_B),
            ("7", "normal", FOOTNOTE_A),
            ("9", None, "  "),
        ],
    )
    add_notes_part(document, "endnote", [("0", "separator", ""), ("2", None, ENDNOTE)])
    return document


def test_text_box_in_alternate_content_is_read_once_right_after_its_anchor_paragraph() -> None:
    import docx

    document = docx.Document()
    anchor = document.add_paragraph(ANCHOR)
    add_run_xml(
        anchor,
        "<mc:AlternateContent>"
        f'<mc:Choice Requires="wps">{drawing_text_box(BOX_1, BOX_2)}</mc:Choice>'
        f"<mc:Fallback>{vml_text_box(BOX_1, BOX_2)}</mc:Fallback>"
        "</mc:AlternateContent>",
    )
    document.add_paragraph(AFTER)
    extracted = extract(save(document), ".docx", "x.docx")
    assert extracted.text.split("\n") == [ANCHOR, BOX_1, BOX_2, AFTER]
    assert extracted.kinds == {}  # text box paragraphs are plain text


def test_vml_text_box_alone_and_a_text_box_inside_a_table_cell_are_read() -> None:
    import docx

    document = docx.Document()
    add_run_xml(document.add_paragraph(ANCHOR), vml_text_box(BOX_1))
    table = document.add_table(rows=1, cols=1)
    table.cell(0, 0).text = "专栏"
    add_run_xml(table.cell(0, 0).paragraphs[0], drawing_text_box(BOX_2))
    assert lines_of(save(document)) == [ANCHOR, BOX_1, "专栏", BOX_2]  # a one-cell table is text, not a row


def test_only_the_fallback_is_read_when_the_choice_has_no_text_box() -> None:
    import docx

    document = docx.Document()
    add_run_xml(
        document.add_paragraph(ANCHOR),
        '<mc:AlternateContent><mc:Choice Requires="wps"><w:drawing/></mc:Choice>'
        f"<mc:Fallback>{vml_text_box(BOX_1)}</mc:Fallback></mc:AlternateContent>",
    )
    assert lines_of(save(document)) == [ANCHOR, BOX_1]


def test_footnotes_then_endnotes_come_last_in_reference_order_with_their_marks_as_notes() -> None:
    extracted = extract(save(document_with_notes()), ".docx", "x.docx")
    lines = extracted.text.split("\n")
    assert lines == [ANCHOR, AFTER, f"注1：{FOOTNOTE_A}", f"注2：{FOOTNOTE_B}", f"尾注1：{ENDNOTE}"]
    offsets = [extracted.text.index(line) for line in lines[2:]]
    assert [extracted.kinds.get(offset) for offset in offsets] == ["note", "note", "note"]
    assert SEPARATOR_TEXT not in extracted.text  # separator-type notes are not content


def test_headers_and_footers_of_every_kind_are_removals_not_text() -> None:
    import docx

    document = docx.Document()
    document.settings.odd_and_even_pages_header_footer = True
    document.add_paragraph(ANCHOR)
    first = document.sections[0]
    first.different_first_page_header_footer = True
    first.header.paragraphs[0].text = "某某市政协办公室"
    first.footer.paragraphs[0].text = "内部资料 注意保存"
    first.first_page_header.paragraphs[0].text = "机密"
    first.even_page_footer.paragraphs[0].text = "某某市政协办公室"  # repeated: recorded once
    second = document.add_section()
    second.header.is_linked_to_previous = False
    second.header.paragraphs[0].text = "附件"
    document.add_paragraph(AFTER)
    extracted = extract(save(document), ".docx", "x.docx")
    assert extracted.text.split("\n") == [ANCHOR, AFTER]
    assert {removal.rule for removal in extracted.removed} == {"docx-header-footer"}
    assert sorted(removal.text for removal in extracted.removed) == sorted(
        ["某某市政协办公室", "内部资料 注意保存", "机密", "附件"]
    )


def test_read_document_keeps_a_footnote_as_a_paragraph_and_reports_the_header_as_removed(
    tmp_path: Path,
) -> None:
    document = document_with_notes()
    document.sections[0].header.paragraphs[0].text = "某某市政协办公室"
    path = tmp_path / "speech.docx"
    path.write_bytes(save(document))
    read = read_document(path)
    texts = [paragraph.text for paragraph in read.paragraphs]
    assert f"注1：{FOOTNOTE_A}" in texts
    assert texts[-1] == f"尾注1：{ENDNOTE}"
    assert read.report.removed["docx-header-footer"] == len("某某市政协办公室")
    assert Removal("docx-header-footer", "某某市政协办公室") in read.report.removals
    assert all("某某市政协办公室" not in text for text in texts)
