"""Reading .md, .html, .docx and .pdf: body kept, title/date found, furniture and page debris dropped.

Every fixture is built here at test time: python-docx writes the .docx files and reportlab
(a dev dependency) writes PDFs with a real Chinese text layer in its built-in STSong-Light font.
"""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from qa.errors import DocumentError
from qa.ingest.blocks import Extracted
from qa.ingest.decode import decode_html
from qa.ingest.documents import Document, read_document, read_folder
from qa.ingest.formats import SUPPORTED_SUFFIXES, extract
from qa.ingest.pdf import pdf_paragraphs
from qa.passages.cutting import make_passages

TITLE = "在市政协十四届三次会议闭幕会上的讲话"
HEADING_1 = "一、深刻认识新时代人民政协的使命任务"
HEADING_2 = "二、切实提高履职能力和水平"
BODY_1 = (
    "过去一年，市政协坚持以习近平新时代中国特色社会主义思想为指导，围绕中心、服务大局，"
    "聚焦全市经济社会发展的重点难点问题，深入开展调查研究，积极建言资政，广泛凝聚共识。"
)
BODY_2 = "我们共收到提案四百二十六件，经审查立案三百八十九件，目前已全部办复，委员满意率达到百分之九十七。"
BODY_3 = (
    "各位委员要把学习作为一种责任、一种追求，不断提高政治把握能力、调查研究能力、联系群众能力和合作共事能力。"
)
SPEECH = [HEADING_1, BODY_1, BODY_2, HEADING_2, BODY_3]
BODY = [BODY_1, BODY_2, BODY_3]


def extract_text(data: bytes, suffix: str, source: str) -> str:
    return extract(data, suffix, source).text


def write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def read(tmp_path: Path, name: str, data: bytes) -> Document:
    return read_document(write(tmp_path, name, data))


def assert_speech_read(document: Document) -> None:
    """The body is kept whole and in order, and the headings become the passages' sections."""
    assert document.title == TITLE
    assert [p.text for p in document.paragraphs] == SPEECH
    passages = make_passages(document)
    assert next(p for p in passages if BODY_1 in p.text).section_path == (HEADING_1,)
    assert next(p for p in passages if BODY_3 in p.text).section_path == (HEADING_2,)


# --- fixtures built at test time ---------------------------------------------------------------------


def html_page(charset: str = "utf-8", date_meta: bool = False) -> str:
    paragraphs = "".join(f"<p>{text}</p>" for text in SPEECH)
    meta = '<meta name="PubDate" content="2024-01-18 16:30">' if date_meta else ""
    return f"""<!DOCTYPE html><html><head>
<meta http-equiv="Content-Type" content="text/html; charset={charset}">{meta}
<title>{TITLE}_政协要闻_某某市政协网</title><script>var tracker = "首页统计代码";</script></head>
<body><div class="top">今天是2025年3月1日 星期六</div>
<div class="nav"><a href="/">首页</a> | <a>政协要闻</a> | <a>领导讲话</a> | <a>提案工作</a></div>
<div class="crumb">当前位置：<a href="/">首页</a> &gt; 政协要闻 &gt; 正文</div>
<div class="article"><h1>{TITLE}</h1>
<div class="info">{"" if date_meta else "发布时间：2024-01-18 16:30"} 来源：市政协办公室 浏览：12</div>
<div class="content">{paragraphs}</div>
<p>上一篇：<a href="/1.html">市政协召开党组会议传达学习全国两会精神</a></p></div>
<div class="sidebar"><h3>相关阅读</h3><ul>
<li><a href="/a/1.html">市政协召开主席会议，专题协商推进城市更新和乡村振兴工作，听取有关部门意见</a></li>
<li><a href="/a/2.html">市政协委员深入基层开展“委员进社区”活动，倾听群众心声</a></li></ul>
<div class="ad">扫码关注某某市政协微信公众号</div></div>
<div class="footer"><p>版权所有：中国人民政治协商会议某某市委员会</p>
<p>备案号：京ICP备12345678号-1　技术支持：某某网络科技有限公司</p></div></body></html>"""


# Dropped by the extractor; "上一篇" inside the article container is left to cleaning.
FURNITURE = ["首页", "当前位置", "相关阅读", "委员进社区", "扫码关注", "版权所有", "ICP备", "统计代码"]


def make_docx(
    paragraphs: list[str],
    core_title: str = "",
    table: list[list[str]] | None = None,
    title_style: str = "",
) -> bytes:
    """A .docx of ``paragraphs``, after a paragraph in Word's Title style when ``title_style`` is given."""
    import docx

    document = docx.Document()
    document.core_properties.title = core_title
    if title_style:
        document.add_heading(title_style, level=0)  # level 0 is the "Title" style
    for text in paragraphs:
        if text == "<table>" and table:
            grid = document.add_table(rows=len(table), cols=len(table[0]))
            for r, row in enumerate(table):
                for c, value in enumerate(row):
                    grid.cell(r, c).text = value
        elif text in (HEADING_1, HEADING_2):
            document.add_heading(text, level=1)
        else:
            document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def make_pdf(
    paragraphs: list[str],
    *,
    per_line: int = 24,
    indent: str = "　　",
    meta_title: str = "",
    image_only: bool = False,
) -> bytes:
    """A PDF laid out like a printed speech: wrapped lines, indented paragraphs, "- n -" page numbers."""
    from reportlab.lib.pagesizes import A5
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A5)
    page.setTitle(meta_title)
    width, height = A5
    y, number = height - 50, 1
    if image_only:  # a "scan": shapes, no text
        page.rect(40, 40, width - 80, height - 80, fill=1)
        paragraphs = []
    for i, paragraph in enumerate(paragraphs):
        text = paragraph if i == 0 else indent + paragraph
        for start in range(0, len(text), per_line):
            if y < 50:
                page.setFont("STSong-Light", 9)
                page.drawCentredString(width / 2, 25, f"- {number} -")
                page.showPage()
                y, number = height - 50, number + 1
            page.setFont("STSong-Light", 12)
            page.drawString(40, y, text[start : start + per_line])
            y -= 18
    page.showPage()
    page.save()
    return buffer.getvalue()


# --- every format: body, title and sections ----------------------------------------------------------


def test_markdown_becomes_plain_paragraphs_with_front_matter_title_and_date(tmp_path: Path) -> None:
    markdown = f"""---
title: "{TITLE}"
date: 2024-01-18
---

## {HEADING_1}

{BODY_1[:30]}
{BODY_1[30:]}

**我们**共收到提案[四百二十六件](https://example.org/p)，经审查立案三百八十九件，目前已全部办复，委员满意率达到`百分之九十七`。

![会场照片](photo.jpg)

### {HEADING_2}

* {BODY_3}
"""
    document = read(tmp_path, "speech.md", markdown.encode())
    assert document.date == "2024-01-18"
    assert_speech_read(document)


def test_markdown_keeps_list_items_on_their_own_lines_and_ordered_numbers() -> None:
    text = extract_text(
        "1. 加强理论学习。\n2. 深化协商议政。\n\n- 一要学习\n- 二要实践\n".encode(), ".md", "x.md"
    )
    assert text.splitlines() == ["1. 加强理论学习。", "2. 深化协商议政。", "一要学习", "二要实践"]


def test_markdown_table_is_a_line_per_row_with_each_cell_beside_its_header() -> None:
    table = "| 提案类别 | 件数 |\n| --- | --- |\n| 经济建设 | 一百二十件 |\n"
    assert extract_text(table.encode(), ".md", "x.md").splitlines() == [
        "提案类别；件数",
        "提案类别：经济建设；件数：一百二十件",
    ]


def test_markdown_joins_wrapped_latin_words_with_a_space_and_chinese_without() -> None:
    text = extract_text("政协委员\n要学习 CPPCC\ncharter 内容。\n".encode(), ".markdown", "x.markdown")
    assert text == "政协委员要学习 CPPCC charter 内容。"


@pytest.mark.parametrize("charset", ["utf-8", "gb2312"])
def test_html_keeps_the_speech_drops_the_site_furniture_and_finds_the_title_and_date(
    tmp_path: Path, charset: str
) -> None:
    encoding = "gbk" if charset == "gb2312" else charset
    document = read(tmp_path, "speech.html", html_page(charset).encode(encoding))
    assert_speech_read(document)
    assert document.date == "2024-01-18"  # the info line under the title, not the date in the top bar
    text = "\n".join(p.text for p in document.paragraphs)
    assert not [word for word in [*FURNITURE, "上一篇"] if word in text]


def test_html_extraction_itself_drops_furniture_before_cleaning() -> None:
    text = extract_text(html_page().encode(), ".htm", "x.htm")
    assert text.splitlines()[:2] == [TITLE, "发布时间：2024-01-18"]
    assert text.splitlines()[2:] == [*SPEECH, "上一篇：市政协召开党组会议传达学习全国两会精神"]
    assert not [word for word in FURNITURE if word in text]


def test_html_date_comes_from_the_pubdate_meta_tag(tmp_path: Path) -> None:
    assert read(tmp_path, "x.html", html_page(date_meta=True).encode()).date == "2024-01-18"


def test_html_title_prefers_og_title_and_otherwise_drops_the_site_name_from_title_tag() -> None:
    page = html_page().replace(f"<h1>{TITLE}</h1>", "")
    assert extract_text(page.encode(), ".html", "x.html").splitlines()[0] == TITLE
    og = page.replace("<title>", '<meta property="og:title" content="政协工作报告"><title>')
    assert extract_text(og.encode(), ".html", "x.html").splitlines()[0] == "政协工作报告"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (html_page("gb2312").encode("gbk"), TITLE),  # declared in <meta http-equiv>
        (html_page("gbk").encode("gb18030"), TITLE),
        (html_page("utf-8").encode("gbk"), TITLE),  # the label lies: the bytes decide
        ("<html><body>中文</body></html>".encode("gbk"), "中文"),  # no label at all
    ],
    ids=["gb2312-label", "gbk-label", "wrong-utf8-label", "no-label"],
)
def test_decode_html_reads_gbk_pages_whatever_their_label_says(data: bytes, expected: str) -> None:
    assert expected in decode_html(data, "x.html")


def test_xhtml_page_with_an_xml_encoding_declaration_is_decoded_and_parsed() -> None:
    page = html_page("gb2312").replace("<!DOCTYPE html>", '<?xml version="1.0" encoding="gb2312"?>\n')
    assert extract_text(page.encode("gbk"), ".html", "x.html").splitlines()[:3] == [
        TITLE,
        "发布时间：2024-01-18",
        HEADING_1,
    ]


def test_docx_keeps_paragraphs_and_table_rows_in_order_with_the_title_from_core_properties(
    tmp_path: Path,
) -> None:
    table = [["提案类别", "件数"], ["经济建设", "一百二十件"]]
    data = make_docx([HEADING_1, BODY_1, "<table>", BODY_2, HEADING_2, BODY_3], TITLE, table)
    text = extract_text(data, ".docx", "x.docx")
    assert text.splitlines() == [
        TITLE,
        HEADING_1,
        BODY_1,
        "提案类别；件数",
        "提案类别：经济建设；件数：一百二十件",
        *SPEECH[2:],
    ]
    document = read(tmp_path, "speech.docx", make_docx(SPEECH, TITLE))
    assert_speech_read(document)


def test_docx_title_falls_back_to_the_first_paragraph(tmp_path: Path) -> None:
    assert_speech_read(read(tmp_path, "speech.docx", make_docx([TITLE, *SPEECH], core_title="")))


def test_docx_merged_cells_are_read_once() -> None:
    import docx

    document = docx.Document()
    grid = document.add_table(rows=1, cols=3)
    grid.cell(0, 0).merge(grid.cell(0, 2)).text = "合并单元格里的一句话。"
    buffer = io.BytesIO()
    document.save(buffer)
    assert extract_text(buffer.getvalue(), ".docx", "x.docx") == "合并单元格里的一句话。"


def test_pdf_lines_are_rejoined_into_paragraphs_across_pages_without_page_numbers(tmp_path: Path) -> None:
    data = make_pdf([TITLE, *SPEECH * 3], meta_title="Microsoft Word - 讲话稿.docx")
    text = extract_text(data, ".pdf", "x.pdf")
    assert "- 1 -" not in text and "- 2 -" not in text
    assert text.splitlines()[2:] == SPEECH * 3  # metadata title ("讲话稿"), then the title line
    assert_speech_read(read(tmp_path, "speech.pdf", make_pdf([TITLE, *SPEECH])))


def test_pdf_without_indentation_breaks_paragraphs_at_sentence_ends_and_short_lines() -> None:
    text = extract_text(make_pdf([TITLE, *SPEECH], indent=""), ".pdf", "x.pdf")
    assert text.splitlines() == [TITLE, *SPEECH]


def test_pdf_paragraphs_keep_a_line_the_body_repeats_on_every_page() -> None:
    pages = [
        ["页眉", f"第{n}页第一句。", "同一句反复出现的口号。", f"第{n}页最后一句。", "页脚"]
        for n in (1, 2, 3)
    ]
    assert pdf_paragraphs(pages) == [
        text
        for n in (1, 2, 3)
        for text in (f"第{n}页第一句。", "同一句反复出现的口号。", f"第{n}页最后一句。")
    ]


def test_pdf_paragraphs_drop_page_numbers_and_running_headers() -> None:
    header = "政协某某市委员会文件"
    pages = [[header, "第一页的最后一句话没有说", "完，接着说。", "- 1 -"]] + [
        [header, f"第{n}页的内容。", f"{n}"] for n in range(2, 5)
    ]
    assert pdf_paragraphs(pages) == [
        "第一页的最后一句话没有说完，接着说。",
        "第2页的内容。",
        "第3页的内容。",
        "第4页的内容。",
    ]


def test_pdf_paragraphs_of_an_indented_document_follow_the_indentation() -> None:
    # Full lines are 18-20 characters wide; a sentence may end at a line end inside a paragraph,
    # a paragraph may end on a full line, and a heading may not be indented.
    lines = [
        "　　第一段第一句话正好写满了一整行。",
        "第一段的第二句话接着写下去还没有完，",
        "到这里才完。",
        "　　第二段写满了整整一行而且在行末结束。",
        "二、不缩进的小标题",
        "　　第三段。",
    ]
    assert pdf_paragraphs([lines]) == [
        "第一段第一句话正好写满了一整行。第一段的第二句话接着写下去还没有完，到这里才完。",
        "第二段写满了整整一行而且在行末结束。",
        "二、不缩进的小标题",
        "第三段。",
    ]


# --- bad files: a specific reason naming the file ------------------------------------------------------


def _encrypted_pdf(user_password: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf([TITLE, *SPEECH]))))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="AES-256")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _empty_pdf() -> bytes:
    from pypdf import PdfWriter

    buffer = io.BytesIO()
    PdfWriter().write(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "make", "reason"),
    [
        (
            "sub/会议.docx",
            lambda: make_docx(SPEECH, TITLE)[:2000],
            r"is damaged or incomplete \(truncated\?\)",
        ),
        ("会议.docx", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "is damaged or incomplete"),
        ("空.docx", lambda: make_docx([]), "has no text"),
        ("0.docx", lambda: b"", r"is empty \(0 bytes\)"),
        ("sub/会议.pdf", lambda: "不是PDF文件".encode(), "is not a PDF file"),
        ("半截.pdf", lambda: make_pdf([TITLE, *SPEECH])[:900], "is not a readable PDF file"),
        (
            "扫描件.pdf",
            lambda: make_pdf([], image_only=True),
            r"has no text: no text layer, and OCR recognised none",
        ),
        ("空白.pdf", _empty_pdf, "has no pages"),
        ("加密.pdf", lambda: _encrypted_pdf("secret"), "is encrypted with a password"),
        ("空页.html", lambda: b"<html><head><title>x</title></head><body></body></html>", "no main text"),
        ("乱码.html", lambda: b"<html><body>\xff\xfe\xfd\xfc" * 4, "cannot tell the encoding"),
        ("乱码.md", lambda: b"\x80abc", "cannot tell the encoding"),
        ("x.xyz", lambda: b"{\\rtf1}", r"unsupported file type '\.xyz'"),
    ],
)
def test_a_bad_file_gives_a_document_error_naming_it_and_why(
    name: str, make: Callable[[], bytes], reason: str
) -> None:
    with pytest.raises(DocumentError, match=rf"^{name}: .*{reason}"):
        extract_text(make(), Path(name).suffix, name)


def test_a_pdf_protected_only_against_copying_is_read(tmp_path: Path) -> None:
    assert_speech_read(read(tmp_path, "speech.pdf", _encrypted_pdf(user_password="")))


# --- titles stored by the format, and the lines under the title of a printed speech -----------------------

# A title with none of the words (讲话, 发言, 会议上…) that cleaning looks for in a .txt page.
PLAIN_TITLE = "凝心聚力 共谋发展"
SUBTITLE = "——在市政协十四届三次会议闭幕会上的讲话"


@pytest.mark.parametrize("suffix", [".docx", ".pdf"])
def test_date_line_under_the_title_of_a_printed_speech_is_its_date(tmp_path: Path, suffix: str) -> None:
    paragraphs = [TITLE, "（2024年1月18日）", *SPEECH]
    data = make_docx(paragraphs) if suffix == ".docx" else make_pdf(paragraphs)
    document = read(tmp_path, f"speech{suffix}", data)
    assert document.date == "2024-01-18"
    assert_speech_read(document)  # the date line is not the first paragraph


def test_docx_title_style_paragraph_is_the_title_whatever_its_words(tmp_path: Path) -> None:
    data = make_docx(SPEECH, title_style=PLAIN_TITLE)
    extracted = extract(data, ".docx", "x.docx")
    assert (extracted.text, extracted.title) == ("\n".join([PLAIN_TITLE, *SPEECH]), PLAIN_TITLE)
    document = read(tmp_path, "speech.docx", data)
    assert document.title == PLAIN_TITLE
    assert [p.text for p in document.paragraphs] == SPEECH


def test_docx_title_style_title_takes_the_subtitle_and_leaves_speaker_and_date_out_of_the_body(
    tmp_path: Path,
) -> None:
    head = [SUBTITLE, "市政协主席 张三", "二〇二四年一月十八日"]
    document = read(tmp_path, "speech.docx", make_docx([*head, *SPEECH], title_style=PLAIN_TITLE))
    assert document.title == f"{PLAIN_TITLE}{SUBTITLE}"
    assert document.date == "2024-01-18"
    assert [p.text for p in document.paragraphs] == SPEECH


def test_docx_first_paragraph_in_normal_style_is_not_a_stored_title() -> None:
    assert extract(make_docx([PLAIN_TITLE, *SPEECH]), ".docx", "x.docx").title is None


def test_markdown_single_h1_heading_is_the_title_whatever_its_words(tmp_path: Path) -> None:
    markdown = "\n\n".join([f"# {PLAIN_TITLE}", f"## {HEADING_1}", BODY_1, BODY_2, f"## {HEADING_2}", BODY_3])
    assert extract(markdown.encode(), ".md", "x.md").title == PLAIN_TITLE
    document = read(tmp_path, "speech.md", markdown.encode())
    assert document.title == PLAIN_TITLE
    assert [p.text for p in document.paragraphs] == SPEECH


@pytest.mark.parametrize(
    "markdown",
    [
        f"# {PLAIN_TITLE}\n\n{BODY_1}\n\n# 第二个一级标题\n\n{BODY_2}",  # two "#" headings: sections
        f"# {HEADING_1}\n\n{BODY_1}",  # a numbered heading is a section
        f"{BODY_1}\n\n# {PLAIN_TITLE}\n\n{BODY_2}",  # not at the top
    ],
    ids=["two-h1", "numbered-h1", "h1-below-text"],
)
def test_markdown_h1_is_not_the_title_unless_it_opens_the_text_alone_and_unnumbered(markdown: str) -> None:
    assert extract(markdown.encode(), ".md", "x.md").title is None


def test_markdown_front_matter_title_wins_over_the_h1_heading() -> None:
    markdown = f"---\ntitle: {TITLE}\n---\n\n# {PLAIN_TITLE}\n\n{BODY_1}"
    assert extract(markdown.encode(), ".md", "x.md").title == TITLE


def test_html_og_title_is_the_title_whatever_its_words(tmp_path: Path) -> None:
    page = html_page().replace(f"<h1>{TITLE}</h1>", "")
    page = page.replace("<title>", f'<meta property="og:title" content="{PLAIN_TITLE}"><title>')
    assert extract(page.encode(), ".html", "x.html").title == PLAIN_TITLE
    document = read(tmp_path, "speech.html", page.encode())
    assert document.title == PLAIN_TITLE
    assert [p.text for p in document.paragraphs] == SPEECH


def test_pdf_metadata_title_is_not_a_stored_title() -> None:
    data = make_pdf([TITLE, *SPEECH], meta_title=PLAIN_TITLE)
    assert extract(data, ".pdf", "x.pdf").title is None


# --- a folder of every format ----------------------------------------------------------------------------


def test_read_folder_reads_every_format_with_relative_posix_sources(tmp_path: Path) -> None:
    folder = tmp_path / "seeds"
    plain = "\n".join([TITLE, "发布时间：2024-01-18", *SPEECH])
    write(folder, "a.txt", plain.encode("gb18030"))
    write(folder, "b.md", "\n\n".join([f"# {TITLE}", *SPEECH]).encode())
    write(folder, "sub/c.HTML", html_page("gb2312").encode("gbk"))
    write(folder, "sub/d.htm", html_page(date_meta=True).encode())
    write(folder, "sub/deeper/speech.docx", make_docx(SPEECH, TITLE))
    write(folder, "sub/deeper/e.pdf", make_pdf([TITLE, *SPEECH]))
    write(folder, "f.markdown", "\n\n".join([TITLE, *SPEECH]).encode())
    report = read_folder(folder)
    assert report.skipped == {}
    assert [d.source for d in report.documents] == [
        "a.txt", "b.md", "f.markdown", "sub/c.HTML", "sub/d.htm", "sub/deeper/e.pdf",
        "sub/deeper/speech.docx",
    ]  # fmt: skip
    for document in report.documents:
        assert_speech_read(document)


def test_supported_suffixes_cover_every_format() -> None:
    assert set(SUPPORTED_SUFFIXES) == {
        *(".txt", ".md", ".markdown", ".html", ".htm", ".docx", ".pdf"),
        *(".doc", ".dot", ".dotx", ".wps", ".wpt", ".rtf", ".odt"),
        *(".xlsx", ".xls", ".et", ".ett", ".ods", ".csv"),
        *(".pptx", ".ppt", ".dps", ".dpt", ".odp"),
        *(".mht", ".mhtml", ".ofd", ".zip"),
        *(".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp"),
    }


def test_importing_the_package_does_not_import_the_format_libraries() -> None:
    libraries = ("trafilatura", "docx", "pypdf", "markdown_it", "lxml")
    code = f"import sys, qa.ingest; print(sorted(set({libraries}) & set(sys.modules)))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"


def test_a_format_library_failing_on_a_malformed_file_is_a_document_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import qa.ingest.formats

    def explode(data: bytes, source: str) -> Extracted:
        raise KeyError("word/document.xml")

    monkeypatch.setitem(qa.ingest.formats._BY_CONTENT, "docx", explode)
    with pytest.raises(DocumentError, match=r"x\.docx: cannot be read as DOCX \(KeyError"):
        extract(make_docx(SPEECH, TITLE), ".docx", "x.docx")
