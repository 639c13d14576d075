"""Exports a writer keeps: Markdown and Word files of passages with their citations, and the
chat's ticked cards turned into them (grouped under their question, cited in the chosen style)."""

from __future__ import annotations

import io
import os
import re
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import docx
import pytest
from conftest import FakeEmbedder
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Mm
from markdown_it import MarkdownIt

from qa.build.builder import build_index
from qa.retrieve.gate import GateSettings
from qa.retrieve.hit import Hit
from qa.retrieve.retriever import Retriever
from qa.tools.export import ExportItem, ExportSection, escape_markdown, file_name, to_docx, to_markdown
from qa.ui import ChatService, Conversation, FeedbackLog, render
from qa.ui.citation import source
from qa.ui.sections import (
    ExportFile,
    export_chat,
    export_text,
    export_title,
    hits_section,
    parse_selection,
    save,
)

WHEN = datetime(2025, 3, 5, 9, 7)
BUILD = "fp1234@2025-03-01T08:00:00"
SECTIONS = [
    ExportSection(
        "政协委员怎样提高履职能力？",
        [
            ExportItem(
                "要提高履职能力。\n一是加强学习。",
                "《甲讲话》（2022年），第3段",
                "注意核对",
            ),
            ExportItem("二是深入调研。", "《乙讲话》，第5段"),
        ],
    ),
    ExportSection("如何加强政协党的建设？", [ExportItem("加强党的建设。", "《丙讲话》，第1段")]),
]


def in_order(text: str, parts: list[str]) -> bool:
    """Whether ``parts`` occur in ``text`` one after the other."""
    at = 0
    for part in parts:
        at = text.find(part, at)
        if at < 0:
            return False
        at += len(part)
    return True


def text_of(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


# -- Markdown ---------------------------------------------------------------------------------


def test_markdown_has_title_date_then_each_section_with_its_items_in_order_and_the_build_id_hidden() -> None:
    out = to_markdown("政协委员怎样提高履职能力？", SECTIONS, BUILD, WHEN)
    lines = out.splitlines()
    assert lines[0] == "# 政协委员怎样提高履职能力？"
    assert "导出时间：2025年3月5日 09:07" in out
    assert lines[-1] == f"<!-- 索引版本：{BUILD} -->"
    assert BUILD not in MarkdownIt("commonmark").render(out).replace(f"<!-- 索引版本：{BUILD} -->", "")
    order = [
        "## 政协委员怎样提高履职能力？",
        "> 要提高履职能力。",
        "> 一是加强学习。",
        "出处：《甲讲话》（2022年），第3段",
        "注：注意核对",
        "> 二是深入调研。",
        "出处：《乙讲话》，第5段",
        "## 如何加强政协党的建设？",
        "> 加强党的建设。",
        "出处：《丙讲话》，第1段",
    ]
    positions = [lines.index(line) for line in order]
    assert positions == sorted(positions)
    assert out.count("注：") == 1, "an item without a note gets no empty note"


def test_markdown_renders_the_passage_as_one_blockquote_with_its_lines_as_paragraphs() -> None:
    html = MarkdownIt("commonmark").render(to_markdown("题", SECTIONS, BUILD, WHEN))
    quotes = re.findall(r"<blockquote>(.*?)</blockquote>", html, flags=re.DOTALL)
    assert len(quotes) == 3
    assert re.findall(r"<p>(.*?)</p>", quotes[0]) == ["要提高履职能力。", "一是加强学习。"]
    assert re.findall(r"<h2>(.*?)</h2>", html) == ["政协委员怎样提高履职能力？", "如何加强政协党的建设？"]


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>政协",
        "![图](http://127.0.0.1:9/x.png) [链接](http://x) [引用][x] *强调* _下划_ `代码` <http://x>",
        "[x]: http://127.0.0.1:9/\n[x]",
        "# 不是标题\n1. 不是列表\n- 不是列表\n> 不是引用\n---\n| a | b |",
        "反斜杠 \\*仍是星号\\* 和 &amp; 实体",
    ],
)
def test_markdown_shows_syntax_in_text_title_and_citation_literally(text: str) -> None:
    sections = [ExportSection(text, [ExportItem(text, text, text)])]
    html = MarkdownIt("commonmark").enable("table").render(to_markdown(text, sections, BUILD, WHEN))
    for tag in (
        "<script",
        "<img",
        "<a ",
        "<em>",
        "<del>",
        "<strong>",
        "<code>",
        "<ol",
        "<ul",
        "<hr",
        "<table",
        "<h3",
    ):
        assert tag not in html, tag
    assert html.count("<h1>") == 1 and html.count("<h2>") == 1 and html.count("<blockquote>") == 1
    shown = MarkdownIt("commonmark").render(escape_markdown(text.replace("\n", " ")))
    import html as html_module

    assert html_module.unescape(text_of(shown)).strip() == text.replace("\n", " ")


def test_markdown_keeps_the_two_lines_of_a_gbt7714_source() -> None:
    source = "第3段\n甲讲话[Z]. 2022."
    out = to_markdown("题", [ExportSection("问", [ExportItem("要提高履职能力。", source)])], BUILD, WHEN)
    assert "出处：第3段\\\n甲讲话[Z]. 2022.\n" in out
    html = MarkdownIt("commonmark").render(out)
    assert "出处：第3段<br />\n甲讲话[Z]. 2022." in html


# -- Word ---------------------------------------------------------------------------------------


def read_docx(data: bytes) -> docx.document.Document:
    return docx.Document(io.BytesIO(data))


def test_docx_reads_back_title_date_headings_and_items_in_order_the_build_id_in_the_properties() -> None:
    document = read_docx(to_docx("政协委员怎样提高履职能力？", SECTIONS, BUILD, WHEN))
    rows = [(p.style.name, p.text) for p in document.paragraphs]
    assert rows == [
        ("Title", "政协委员怎样提高履职能力？"),
        ("Normal", "导出时间：2025年3月5日 09:07"),
        ("Heading 1", "政协委员怎样提高履职能力？"),
        ("摘录正文", "要提高履职能力。\n一是加强学习。"),
        ("引用出处", "出处：《甲讲话》（2022年），第3段"),
        ("备注", "注：注意核对"),
        ("摘录正文", "二是深入调研。"),
        ("引用出处", "出处：《乙讲话》，第5段"),
        ("Heading 1", "如何加强政协党的建设？"),
        ("摘录正文", "加强党的建设。"),
        ("引用出处", "出处：《丙讲话》，第1段"),
    ]
    assert document.core_properties.title == "政协委员怎样提高履职能力？"
    assert document.core_properties.identifier == BUILD and BUILD in document.core_properties.comments
    assert not any(BUILD in p.text for p in document.paragraphs)


@pytest.mark.parametrize(
    ("style", "east_asian", "latin"),
    [
        ("Normal", "宋体", "Times New Roman"),
        ("Title", "黑体", "Arial"),
        ("Heading 1", "黑体", "Arial"),
        ("Heading 2", "黑体", "Arial"),
        ("摘录正文", "宋体", "Times New Roman"),
        ("引用出处", "宋体", "Times New Roman"),
    ],
)
def test_docx_declares_east_asian_and_latin_fonts_on_its_styles(
    style: str, east_asian: str, latin: str
) -> None:
    document = read_docx(to_docx("题", SECTIONS, BUILD, WHEN))
    fonts = document.styles[style].element.rPr.find(qn("w:rFonts"))
    assert fonts is not None
    assert fonts.get(qn("w:eastAsia")) == east_asian
    assert fonts.get(qn("w:ascii")) == fonts.get(qn("w:hAnsi")) == latin
    # A theme font would override the declared one in Word.
    assert not [name for name in fonts.attrib if name.endswith("Theme") or name.endswith("theme")]
    assert document.styles[style].element.rPr.find(qn("w:lang")).get(qn("w:eastAsia")) == "zh-CN"


def test_docx_drops_characters_xml_cannot_hold_and_keeps_an_empty_section() -> None:
    sections = [
        ExportSection("问\x0b题", [ExportItem("正文\x00有控制符\x1f。", "出处\x08")]),
        ExportSection("空", []),
    ]
    texts = [p.text for p in read_docx(to_docx("标题\x01", sections, BUILD, WHEN)).paragraphs]
    assert texts[0] == "标题"
    assert "正文有控制符。" in texts and "出处：出处" in texts
    assert texts[texts.index("空") + 1] == "（无）"


def test_official_docx_is_laid_out_as_gbt_9704_sets_out() -> None:
    document = read_docx(to_docx("关于政协委员履职的摘编", SECTIONS, BUILD, WHEN, look="official"))
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    assert [round(m.mm) for m in margins] == [37, 35, 28, 26]  # a type area of 156 mm x 225 mm
    grid = section._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:type")) == "lines"
    pitch = int(grid.get(qn("w:linePitch")))
    assert pitch == 579 and 22 * pitch / 20 <= Mm(225).pt < 23 * pitch / 20  # 22 lines fit, not 23
    normal = document.styles["Normal"]
    spacing = normal.element.rPr.find(qn("w:spacing"))
    char_pitch = 16 + int(spacing.get(qn("w:val"))) / 20
    assert 28 * char_pitch <= Mm(156).pt < 29 * char_pitch  # 28 characters a line
    assert normal.font.size.pt == 16 and normal.paragraph_format.line_spacing.pt == pitch / 20
    assert normal.paragraph_format.line_spacing_rule == WD_LINE_SPACING.EXACTLY
    title = document.paragraphs[0]
    assert title.style.name == "Title" and title.text == "关于政协委员履职的摘编"
    assert (
        title.style.font.size.pt == 22 and title.style.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.CENTER
    )
    footer = section.footer.paragraphs[0]._p.xml
    assert "PAGE" in footer and "— " in footer


@pytest.mark.parametrize(
    ("style", "east_asian", "points"),
    [
        ("Normal", "仿宋_GB2312", 16),
        ("摘录正文", "仿宋_GB2312", 16),
        ("Title", "方正小标宋简体", 22),
        ("Heading 1", "黑体", 16),
        ("引用出处", "楷体_GB2312", 16),
    ],
)
def test_official_docx_declares_its_fonts_and_sizes(style: str, east_asian: str, points: int) -> None:
    document = read_docx(to_docx("题", SECTIONS, BUILD, WHEN, look="official"))
    fonts = document.styles[style].element.rPr.find(qn("w:rFonts"))
    assert fonts.get(qn("w:eastAsia")) == east_asian and fonts.get(qn("w:hint")) == "eastAsia"
    assert document.styles[style].font.size.pt == points


def test_official_docx_has_no_export_time_or_build_id_in_its_body_and_each_passage_once() -> None:
    document = read_docx(to_docx("题", SECTIONS, BUILD, WHEN, look="official"))
    body = "\n".join(p.text for p in document.paragraphs)
    assert "导出时间" not in body and "索引版本" not in body and BUILD not in body
    assert document.core_properties.identifier == BUILD
    for section in SECTIONS:
        for item in section.items:
            assert body.count(item.text) == 1


def test_unknown_word_look_is_refused() -> None:
    with pytest.raises(ValueError, match="official"):
        to_docx("题", SECTIONS, BUILD, WHEN, look="fancy")  # type: ignore[arg-type]


def test_file_name_carries_the_date_and_minute() -> None:
    assert file_name("docx", WHEN) == "政协讲话问答-导出-20250305-0907.docx"
    assert file_name(".md", WHEN) == "政协讲话问答-导出-20250305-0907.md"


# -- hits as sections -----------------------------------------------------------------------------

TEXT = "政协委员要不断提高履职能力。"
HEADING = "一、提高履职能力"


def make_hit(**overrides: object) -> Hit:
    hit = Hit(
        TEXT,
        0.9,
        "在县政协全体会议上的讲话",
        "2023-05-06",
        "a.txt",
        HEADING,
        (HEADING,),
        5,
        5,
        "a.txt#5.1",
        0,
        14,
    )
    return replace(hit, **overrides)  # type: ignore[arg-type]


def test_hits_section_gives_each_hits_text_once_then_its_source_in_the_chosen_style() -> None:
    hits = [
        make_hit(),
        make_hit(
            text="要坚持大团结大联合,做好统战工作。", passage_id="a.txt#7.2", paragraph=7, part=2, parts=2
        ),
    ]
    plain = hits_section("怎样提高履职能力？", hits, "plain")
    assert plain.heading == "怎样提高履职能力？"
    # One punctuation style: the excerpt's half-width comma full-width, as in its source line.
    assert [item.text for item in plain.items] == [TEXT, "要坚持大团结大联合，做好统战工作。"]
    assert (
        plain.items[0].source == "《在县政协全体会议上的讲话》（2023年5月6日），第5段（一、提高履职能力部分）"
    )
    assert plain.items[1].source.endswith("，第7段之二（一、提高履职能力部分）")
    gbt = hits_section("怎样提高履职能力？", hits, "gbt7714")
    assert gbt.items[0].source == "第5段（一、提高履职能力部分）\n在县政协全体会议上的讲话[Z]. 2023."
    assert all(TEXT not in item.source for item in (*plain.items, *gbt.items))
    assert [item.note for item in plain.items] == ["", ""]


def test_hits_section_notes_missing_words_and_the_same_formulation_elsewhere() -> None:
    hit = make_hit(damaged=True, suspected_gaps=("加强的建设",), also_in=("另一篇讲话",))
    note = hits_section("问", [hit]).items[0].note
    assert "原文疑似缺字，引用前请核对" in note and "“加强的建设”" in note
    assert "相同表述亦见于 《另一篇讲话》" in note


def test_card_has_a_checkbox_carrying_its_escaped_passage_id() -> None:
    out = render.card(1, make_hit(passage_id='a"><script>.txt#5.1'))
    box = re.search(r'<input type="checkbox" class="qa-pick-box" value="([^"]*)">', out)
    assert box is not None and "<script>" not in box.group(1)
    assert "选入导出" in out


# -- the chat's ticked cards ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> ChatService:
    folder = tmp_path_factory.mktemp("seeds")
    (folder / "a.txt").write_text(
        "在县政协全体会议上的讲话\n发布时间:2023年5月6日\n一、提高履职能力\n"
        "政协委员要不断提高政治把握能力、调查研究能力、联系群众能力和合作共事能力。\n"
        "要加强学习培训，提高履职能力和水平。\n"
        "二、加强团结\n要坚持大团结大联合，努力寻求最大公约数、画出最大同心圆。\n",
        encoding="utf-8",
    )
    (folder / "b.txt").write_text(
        "在市政协常委会议上的讲话\n要围绕中心工作深入调查研究，积极建言献策，为党委政府科学决策提供参考。\n"
        "要加强提案办理协商，提高提案质量，推动提案成果转化运用。\n",
        encoding="utf-8",
    )
    index = tmp_path_factory.mktemp("index") / "index"
    build_index(folder, index, FakeEmbedder())
    retriever = Retriever(index, embedder=FakeEmbedder(), gate=GateSettings(dense_margin=2.0))
    return ChatService(retriever, FeedbackLog(tmp_path_factory.mktemp("fb") / "feedback.jsonl"))


@pytest.fixture(scope="module")
def chat(service: ChatService) -> Conversation:
    first = service.respond("怎样提高履职能力", 2, None, Conversation())
    return service.respond("如何做好提案工作", 2, None, first)


def shown(chat: Conversation, answer: int) -> list[Hit]:
    return list(chat.turns[sorted(chat.turns)[answer]].hits)


def quote(text: str) -> str:
    """How a passage stands in the Markdown export: a blockquote, a paragraph per line."""
    return "\n>\n".join(f"> {line.strip()}" for line in text.splitlines() if line.strip())


def picked(*cards: tuple[int, str]) -> str:
    return "[" + ",".join(f'[{answer}, "{pid}"]' for answer, pid in cards) + "]"


def test_an_answer_keeps_the_hits_it_showed(chat: Conversation) -> None:
    for turn in chat.turns.values():
        assert turn.hits and tuple(h.passage_id for h in turn.hits) == turn.passage_ids


def test_ticked_cards_are_exported_under_their_question_in_the_chosen_style(
    chat: Conversation, service: ChatService
) -> None:
    first, second = shown(chat, 0), shown(chat, 1)
    # Ticked in another order than shown: the export follows the chat.
    selection = picked((1, second[0].passage_id), (0, first[-1].passage_id), (0, first[0].passage_id))
    made = export_chat(chat, selection, "gbt7714", "md", "unused", WHEN)
    assert made is not None and made.name == "政协讲话问答-导出-20250305-0907.md"
    out = made.content.decode("utf-8")
    build_id = service.retriever.index.build_id
    assert (
        out.startswith("# 怎样提高履职能力；如何做好提案工作\n") and build_id in out and "unused" not in out
    )
    expected = ["## 怎样提高履职能力", quote(first[0].text), quote(first[-1].text), "## 如何做好提案工作"]
    expected.append(quote(second[0].text))
    assert in_order(out, expected)
    assert not in_order(out, [quote(first[-1].text), quote(first[0].text)])
    assert out.count("[Z]") == 3 and "（2023年5月6日）" not in out  # GB/T 7714, not the plain style
    assert out.count("\n> ") == sum(
        len(quote(h.text).split("\n>\n")) for h in (first[0], first[-1], second[0])
    )


def test_ticked_cards_export_as_word_with_plain_citations(chat: Conversation) -> None:
    hit = shown(chat, 1)[0]
    made = export_chat(chat, picked((1, hit.passage_id)), "plain", "docx", "", WHEN)
    assert made is not None and made.name.endswith("-20250305-0907.docx")
    texts = [p.text for p in read_docx(made.content).paragraphs]
    assert texts[0] == "如何做好提案工作" and texts[2] == "如何做好提案工作"
    assert texts[3] == export_text(hit.text)
    assert texts[4] == "出处：" + source(hit, "plain")
    body = "\n".join(texts)
    first_sentence = export_text(hit.text).splitlines()[0][:20]
    assert body.count(first_sentence) == 1, "each passage printed once"


def test_a_passage_shown_twice_is_exported_under_the_answer_whose_card_was_ticked(chat: Conversation) -> None:
    twice = next(h for h in shown(chat, 1) if h.passage_id in chat.turns[1].passage_ids)
    for answer, question in ((0, "怎样提高履职能力"), (1, "如何做好提案工作")):
        made = export_chat(chat, picked((answer, twice.passage_id)), "plain", "md", "", WHEN)
        assert made is not None and f"## {question}\n\n{quote(twice.text)}" in made.content.decode("utf-8")


def test_a_card_is_found_in_the_answer_that_showed_it_when_the_answer_number_is_off(
    chat: Conversation,
) -> None:
    only_first = next(h for h in shown(chat, 0) if h.passage_id not in chat.turns[3].passage_ids)
    made = export_chat(chat, picked((7, only_first.passage_id)), "plain", "md", "", WHEN)
    assert made is not None
    assert f"## 怎样提高履职能力\n\n{quote(only_first.text)}" in made.content.decode("utf-8")


@pytest.mark.parametrize("selection", ["", "[]", "not json", '[[0, "gone.txt#1.1"]]', '[["0", 5]]', "{}"])
def test_nothing_ticked_or_nothing_still_shown_exports_nothing(chat: Conversation, selection: str) -> None:
    assert export_chat(chat, selection, "plain", "docx", "", WHEN) is None
    assert export_chat(Conversation(), selection, "plain", "md", "", WHEN) is None


def test_parse_selection_keeps_well_formed_entries_once() -> None:
    assert parse_selection('[[0, "a#1.1"], [0, "a#1.1"], [1, "b#2.1"], [1], "x"]') == [
        (0, "a#1.1"),
        (1, "b#2.1"),
    ]


def test_a_title_of_many_questions_names_the_first() -> None:
    assert export_title(["问一", "问一"]) == "问一"
    assert (
        export_title(["怎样提高履职能力" * 5, "如何做好提案工作" * 5]) == "怎样提高履职能力" * 5 + "等2个问题"
    )


def test_save_keeps_the_name_never_overwrites_and_removes_old_exports(tmp_path: Path) -> None:
    made = ExportFile("政协讲话问答-导出-20250305-0907.md", b"# x\n")
    first, second = save(made, tmp_path), save(replace(made, content=b"# y\n"), tmp_path)
    assert first.name == second.name == made.name and first != second
    assert first.read_bytes() == b"# x\n" and second.read_bytes() == b"# y\n"
    old = time.time() - 7200
    os.utime(first.parent, (old, old))
    save(made, tmp_path)
    assert not first.exists() and second.exists()
