"""Kinds of documents that must be read whole, and the account of what cleaning removed.

Each test builds its document here; the seeds and the shared corpora are tested elsewhere.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from qa.build.builder import build_index
from qa.ingest import read_document, read_folder
from qa.ingest.formats import extract
from qa.ingest.page import SUSPEND_SHARE, clean_page
from qa.passages.cutting import make_passages

BODY = [
    "为做好2024年提案工作，现将有关事项通知如下。",
    "一、提案提交时间为3月1日至3月31日，请各位委员按时提交。",
    "二、提案应当一事一案，内容具体，建议可行，避免空泛议论。",
    "三、提案办理情况将于年底在常委会议上通报，接受委员监督。",
]


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def paragraphs(path: Path) -> list[str]:
    return [p.text for p in read_document(path).paragraphs]


# --- no line breaks ----------------------------------------------------------------------------------


def test_an_official_document_exported_on_one_line_is_split_into_title_metadata_and_paragraphs(
    tmp_path: Path,
) -> None:
    line = (
        "市政协办公室关于做好2024年提案工作的通知 政协办字〔2024〕12号 各专委会、各位委员："
        + "".join(BODY)
        + "附件：2024年提案工作日程安排 市政协办公室 2024年2月20日"
    )
    document = read_document(write(tmp_path, "notice.txt", line))
    assert document.title == "市政协办公室关于做好2024年提案工作的通知"
    assert document.date == "2024-02-20"
    assert document.metadata["文号"] == "政协办字〔2024〕12号"
    assert document.metadata["发文机关"] == "市政协办公室"
    assert [p.text for p in document.paragraphs] == [*BODY, "附件：2024年提案工作日程安排"]
    moved = "".join(["政协办字〔2024〕12号", "市政协办公室", "2024年2月20日"])
    assert document.report.removed == {
        "moved-to-metadata": len(moved),
        "salutation": len("各专委会、各位委员："),
    }
    assert document.report.chars_kept == document.report.chars_read - len(moved) - len("各专委会、各位委员：")


def test_a_long_single_line_without_headings_or_a_final_stop_is_kept_whole(tmp_path: Path) -> None:
    sentence = "《战国无双3》是由光荣和ω-force开发的动作游戏，本作以三大故事为主轴"
    line = "，".join([sentence] * 20)  # ~700 characters, one line, no final full stop
    document = read_document(write(tmp_path, "DEV_0.txt", line))
    assert "".join(p.text for p in document.paragraphs) == line
    passages = make_passages(document)
    assert len(passages) >= 2 and "".join(p.text for p in passages) == line
    assert document.report.removed == {}


def test_page_extraction_that_glues_breadcrumb_fields_and_signature_to_the_body_is_taken_apart() -> None:
    glued = (
        "首页 > 通知公告 > 正文 发布时间：2024-03-01 09:30 来源：市政协提案委 各位委员："
        + "".join(BODY)
        + " 市政协提案委员会 2024年3月1日"
    )
    document = clean_page("\n".join(["关于做好2024年提案工作的通知", glued]), "x")
    assert [p.text for p in document.paragraphs] == BODY
    assert document.metadata["发布信息"] == "发布时间：2024-03-01 09:30；来源：市政协提案委"
    assert document.metadata["发文机关"] == "市政协提案委员会"
    assert document.date == "2024-03-01"
    assert [(r.rule, r.text) for r in document.report.removals if r.rule != "moved-to-metadata"] == [
        ("short-furniture", "首页 > 通知公告 > 正文"),
        ("salutation", "各位委员："),
    ]


# --- lines without a final full stop -------------------------------------------------------------------


def test_headings_list_items_attachments_and_the_signature_block_survive(tmp_path: Path) -> None:
    text = "\n".join(
        [
            "关于开展2024年度委员履职评价工作的通知",
            "各专委会：",
            BODY[0],
            "一、评价范围",
            "全体市政协委员",
            "二、评价方式",
            "委员自评、专委会评议、主席会议审定",
            "附件：1.委员履职评价表",
            "2.委员履职情况统计表",
            "市政协办公室",
            "二〇二四年三月五日",
        ]
    )
    document = read_document(write(tmp_path, "通知.txt", text))
    assert [p.text for p in document.paragraphs] == [
        BODY[0],
        "一、评价范围",
        "全体市政协委员",
        "二、评价方式",
        "委员自评、专委会评议、主席会议审定",
        "附件：1.委员履职评价表",
        "2.委员履职情况统计表",
    ]
    assert document.date == "2024-03-05"
    assert document.metadata == {
        "主送": "各专委会：",
        "发文机关": "市政协办公室",
        "日期": "二〇二四年三月五日",
    }
    sections = {p.text: p.section for p in make_passages(document)}
    assert any(section == "二、评价方式" for section in sections.values())


def test_the_stated_date_wins_over_the_signature_date(tmp_path: Path) -> None:
    text = "\n".join(
        ["在市政协常委会议上的讲话", "（2024年1月18日）", *BODY, "市政协办公室", "2024年1月20日"]
    )
    assert read_document(write(tmp_path, "a.txt", text)).date == "2024-01-18"


# --- spaced-out characters ---------------------------------------------------------------------------


def test_spaces_between_every_chinese_character_are_removed_before_cutting_words(tmp_path: Path) -> None:
    spaced = " ".join("政协委员要不断提高政治把握能力、调查研究能力和联系群众能力。")
    latin = "委员要学会使用 Python 和 Excel 处理数据。"
    title = "在委员培训班上的讲话"
    document = read_document(write(tmp_path, "a.txt", "\n".join([title, spaced, latin])))
    assert [p.text for p in document.paragraphs] == [
        "政协委员要不断提高政治把握能力、调查研究能力和联系群众能力。",
        latin,  # a sentence with a few Latin words keeps its spaces
    ]
    start = document.paragraphs[0]
    assert (
        start.offsets[1] == len(title) + 1 + 2
    )  # the second character still points at its place in the file


# --- tables ------------------------------------------------------------------------------------------


def test_html_table_is_a_line_per_row_with_each_cell_beside_its_header() -> None:
    html = (
        "<html><head><title>2024年协商计划</title></head><body><article><h1>2024年协商计划</h1>"
        "<p>经主席会议研究，2024年度协商议题安排如下，各专委会要提前做好调研准备工作。</p>"
        "<table><tr><th>议题</th><th>牵头专委会</th></tr>"
        "<tr><td>老旧小区加装电梯</td><td>社会和法制委员会</td></tr>"
        "<tr><td>发展银发经济</td><td>经济委员会</td></tr></table>"
        "<p>各牵头单位要在协商会前一个月报送调研报告初稿，确保协商质量和实效。</p>"
        "</article></body></html>"
    )
    lines = extract(html.encode(), ".html", "plan.html").text.splitlines()
    assert "议题：老旧小区加装电梯；牵头专委会：社会和法制委员会" in lines
    assert "议题：发展银发经济；牵头专委会：经济委员会" in lines
    assert lines[-1] == "各牵头单位要在协商会前一个月报送调研报告初稿，确保协商质量和实效。"


def test_a_table_row_is_never_taken_for_furniture_by_its_words(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("市政协2024年会员单位情况")
    document.add_paragraph(BODY[0])
    table = document.add_table(rows=2, cols=2)
    for row, cells in zip(table.rows, [["项目", "数量"], ["会员下载次数", "120"]], strict=True):
        for cell, text in zip(row.cells, cells, strict=True):
            cell.text = text
    buffer = io.BytesIO()
    document.save(buffer)
    (tmp_path / "a.docx").write_bytes(buffer.getvalue())
    assert "项目：会员下载次数；数量：120" in paragraphs(tmp_path / "a.docx")


# --- repeated furniture across a collection ------------------------------------------------------------


def site_page(number: int) -> str:
    return "\n".join(
        [
            "某某市政协门户网站",
            f"在市政协第{number}次常委会议上的讲话",
            BODY[number % 4],
            f"第{number}次会议要认真总结经验，扎实做好各项工作，不断提高履职水平。",
            "主办：某某市政协办公室 地址：某某市人民路1号",
        ]
    )


def test_a_line_above_or_below_the_body_of_many_documents_is_collection_furniture(tmp_path: Path) -> None:
    for number in range(1, 5):
        write(tmp_path, f"site/{number}.txt", site_page(number))
    report = read_folder(tmp_path / "site")
    for document in report.documents:
        texts = [p.text for p in document.paragraphs]
        assert not any("门户网站" in t or "主办单位" in t for t in texts)
        assert document.report.removed["collection-furniture"] == len(
            "某某市政协门户网站主办：某某市政协办公室地址：某某市人民路1号"
        )
    assert len(report.collection_furniture) == 2


def test_a_line_only_two_documents_share_is_kept(tmp_path: Path) -> None:
    for number in range(1, 3):
        write(tmp_path, f"site/{number}.txt", site_page(number))
    report = read_folder(tmp_path / "site")
    assert report.collection_furniture == frozenset()
    assert all(
        p.paragraphs[-1].text == "主办：某某市政协办公室 地址：某某市人民路1号" for p in report.documents
    )


def test_an_incremental_build_cleans_unchanged_documents_again_when_the_collection_furniture_changes(
    tmp_path: Path, fake_embedder
) -> None:
    seeds = tmp_path / "seeds"
    for number in range(1, 3):
        write(seeds, f"{number}.txt", site_page(number))
    build_index(seeds, tmp_path / "index", fake_embedder)
    write(seeds, "3.txt", site_page(3))
    manifest = build_index(seeds, tmp_path / "index", fake_embedder)
    assert manifest["build"]["documents_read"] == 3  # the two unchanged ones were read again
    text = (tmp_path / "index" / "passages.jsonl").read_text(encoding="utf-8")
    assert "门户网站" not in text and "主办单位" not in text
    full = build_index(seeds, tmp_path / "full", fake_embedder, full=True)
    assert manifest["documents"] == full["documents"]


# --- the account ---------------------------------------------------------------------------------------


def test_a_rule_that_would_remove_most_of_a_document_is_suspended_and_reported() -> None:
    text = "\n".join(
        [
            "在市政协常委会议上的讲话",
            BODY[0],
            "相关阅读",
            *[f"{line}这一条要长期坚持。" for line in BODY[1:] * 3],
        ]
    )
    document = clean_page(text, "x")
    assert [p.text for p in document.paragraphs] == text.splitlines()[1:]  # the prompt too
    assert document.report.suspended["end-of-content"] > SUSPEND_SHARE
    assert document.report.removed == {}


@pytest.mark.parametrize("name", sorted(p.name for p in (Path(__file__).parents[1] / "seeds").iterdir()))
def test_characters_read_are_kept_or_removed_by_a_named_rule(name: str) -> None:
    report = read_document(Path(__file__).parents[1] / "seeds" / name).report
    removed = sum(report.removed.values())
    elided = report.removed.get("elision", 0)  # "……略……" shortened to "……" counts whole
    assert report.chars_read <= report.chars_kept + removed <= report.chars_read + elided
    assert sum(len("".join(r.text.split())) for r in report.removals) == removed
    assert all(r.rule for r in report.removals)


# --- kinds found in real documents (gov.cn pages, pkulaw exports, PDFs and .docx of 公文) -------------


def test_numbered_list_items_without_a_body_of_their_own_stay_in_the_passages(tmp_path: Path) -> None:
    items = [
        "（一）依据法律、法规、规章和政策进行调解",
        "（二）在双方当事人自愿平等的基础上进行调解",
        "（三）尊重当事人的诉讼权利",
    ]
    text = "\n".join(
        [
            "人民调解委员会组织条例",
            "第六条 人民调解委员会的调解工作应当遵守以下原则：",
            *items,
            "第七条 人民调解委员会根据需要可以自设调解小组。",
        ]
    )
    passages = make_passages(read_document(write(tmp_path, "条例.txt", text)))
    indexed = "\n".join(p.text for p in passages)
    assert all(item in indexed for item in items)
    assert all(p.section is None for p in passages)  # an item is not the section of 第七条


def test_a_page_laid_out_in_tables_gives_its_form_as_metadata_and_its_cells_as_paragraphs() -> None:
    body = "".join(f"<p>{line}</p>" for line in BODY)
    html = (
        "<html><head><title>关于做好2024年提案工作的通知_政府信息公开</title></head><body>"
        "<table><tr><td>发文机关：</td><td>市政协办公室</td><td>成文日期：</td><td>2024年02月20日</td></tr>"
        "<tr><td>发文字号：</td><td>政协办字〔2024〕12号</td><td>主题分类：</td><td></td></tr></table>"
        "<table><tr><td>扫一扫在手机打开当前页</td></tr></table>"
        f"<table><tr><td><p>关于做好2024年提案工作的通知</p>{body}<p>市政协办公室</p><p>2024年2月20日</p>"
        + "<p>"
        + "各专委会要加强组织协调，确保提案工作各项任务按时完成。" * 3
        + "</p></td></tr></table>"
        "</body></html>"
    )
    extracted = extract(html.encode(), ".html", "notice.html")
    document = clean_page(extracted.text, "notice", extracted.title, extracted.kinds)
    assert document.title == "关于做好2024年提案工作的通知"
    assert document.date == "2024-02-20"
    assert "发文机关：市政协办公室；成文日期：2024年02月20日" in document.metadata["发布信息"]
    texts = [p.text for p in document.paragraphs]
    assert texts[: len(BODY)] == BODY and "扫一扫在手机打开当前页" not in texts


def test_a_document_number_a_sentence_cites_stays_in_the_sentence(tmp_path: Path) -> None:
    cited = "《国务院关于促进融资担保行业加快发展的意见》（国发〔2015〕43号）"
    sentence = f"各地区认真贯彻落实{cited}要求，取得积极成效。"
    line = "国务院办公厅关于有效发挥政府性融资担保基金作用的指导意见 国办发〔2019〕6号 " + sentence * 3
    document = read_document(write(tmp_path, "a.txt", line))
    assert document.metadata["文号"] == "国办发〔2019〕6号"
    assert document.paragraphs[0].text == sentence * 3


def test_a_title_wrapped_over_lines_is_joined_and_the_masthead_and_number_are_not_part_of_it(
    tmp_path: Path,
) -> None:
    text = "\n".join(
        [
            "国务院办公厅",
            "国办发〔2019〕6号",
            "国务院办公厅关于有效发挥政府性",
            "融资担保基金作用切实支持小微企业和",
            "“三农”发展的指导意见",
            "各省、自治区、直辖市人民政府，国务院各部委、各直属机构：",
            *BODY,
            "国务院办公厅",
            "2019年1月22日",
            "（此件公开发布）",
        ]
    )
    document = read_document(write(tmp_path, "a.txt", text))
    assert (
        document.title
        == "国务院办公厅关于有效发挥政府性融资担保基金作用切实支持小微企业和“三农”发展的指导意见"
    )
    assert document.metadata["文号"] == "国办发〔2019〕6号"
    assert document.metadata["发文机关"] == "国务院办公厅"  # masthead and signature, named once
    assert document.date == "2019-01-22"
    assert [p.text for p in document.paragraphs] == [*BODY, "（此件公开发布）"]


def test_a_known_title_the_page_repeats_wrapped_is_not_body() -> None:
    text = "\n".join(["关于做好2024年提案工作的通知", "关于做好2024年", "提案工作的通知", *BODY])
    document = clean_page(text, "x", known_title="关于做好2024年提案工作的通知")
    assert [p.text for p in document.paragraphs] == BODY


def test_promulgation_notes_under_a_title_are_metadata_and_give_the_date(tmp_path: Path) -> None:
    text = "\n".join(
        [
            "人民调解委员会组织条例",
            "（1989年6月17日中华人民共和国国务院令第37号发布）",
            "第一条 为了加强人民调解委员会的建设，制定本条例。",
        ]
    )
    document = read_document(write(tmp_path, "a.txt", text))
    assert document.date == "1989-06-17"
    assert [p.text for p in document.paragraphs] == ["第一条 为了加强人民调解委员会的建设，制定本条例。"]


def test_markdown_with_a_line_per_paragraph_keeps_its_paragraphs() -> None:
    markdown = "\n".join(BODY)  # single line breaks: soft breaks in CommonMark
    assert extract(markdown.encode(), ".md", "x.md").text.splitlines() == BODY


def test_database_export_headers_and_photo_captions_are_not_body(tmp_path: Path) -> None:
    text = "\n".join(
        [
            "【法宝引证码】 CLI.12.748997",
            "原文链接：https://www.example.com/lar/b64c9966173d552d009753b401d10c00bdfb.html",
            "在市政协全体会议上的讲话",
            "张三同志作工作报告。本报记者 李四 摄",
            *BODY,
        ]
    )
    document = read_document(write(tmp_path, "a.txt", text))
    assert [p.text for p in document.paragraphs] == BODY
    assert "CLI.12.748997" in document.metadata["发布信息"]
