"""One-line notices and news items, as a government site's export gives them (issue 18's last
item): the title found, publication fields accounted for as metadata, the body kept, and no
item of the notice taken for a heading. The notices are written here for the purpose."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.ingest import read_document
from qa.ingest.report import chars
from qa.passages.cutting import make_passages

TITLE = "关于做好新冠肺炎疫情期间健康申报工作的通知"
AUTHORITY = "青川市卫生健康委员会"
ITEM = "（十）健康申报证明从2月17日开始办理，至新冠肺炎疫情解除为止。"
BODY = f"为切实做好疫情防控工作，现就有关事项通知如下。{ITEM}特此通知。"
ADDRESSEES = "各区卫生健康局、各有关单位："

NOTICES = {
    "glued, with a number": f"{AUTHORITY}{TITLE}青卫发〔2020〕12号{ADDRESSEES}{BODY}{AUTHORITY}2020年2月16日",
    "glued, without a number": f"{AUTHORITY}{TITLE}{ADDRESSEES}{BODY}{AUTHORITY}2020年2月16日",
    "spaced": f"{AUTHORITY} {TITLE} 青卫发〔2020〕12号 {ADDRESSEES}{BODY} {AUTHORITY} 2020年2月16日",
    "after a breadcrumb": f"首页 > 政务公开 > 通知公告 {AUTHORITY}{TITLE} 发布时间：2020-02-16 "
    f"来源：市卫健委 {ADDRESSEES}{BODY}",
    "bracketed fields": f"【发布日期：2020-02-16】【来源：{AUTHORITY}】【字体：大 中 小】{TITLE} "
    f"{ADDRESSEES}{BODY}",
}


def read(tmp_path: Path, text: str, name: str = "notice.txt"):  # type: ignore[no-untyped-def]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return read_document(path)


@pytest.mark.parametrize("kind", list(NOTICES))
def test_a_one_line_notice_gives_its_title_and_date_and_keeps_its_body(tmp_path: Path, kind: str) -> None:
    document = read(tmp_path, NOTICES[kind])
    assert document.title.endswith(TITLE) and document.title in (TITLE, AUTHORITY + TITLE), document.title
    assert document.date == "2020-02-16"
    body = "".join(p.text for p in document.paragraphs)
    assert ITEM in body and "为切实做好疫情防控工作" in body
    assert "发布" not in body and "来源" not in body and "字体" not in body
    report = document.report
    assert report.chars_kept + sum(report.removed.values()) == report.chars_read, (
        "every character accounted for"
    )


@pytest.mark.parametrize("kind", list(NOTICES))
def test_a_numbered_item_that_is_a_whole_sentence_is_in_a_passage_and_heads_nothing(
    tmp_path: Path, kind: str
) -> None:
    passages = make_passages(read(tmp_path, NOTICES[kind]))
    assert any(ITEM in p.text for p in passages)
    assert all(not any("健康申报证明" in h for h in p.section_path) for p in passages)
    assert any(p.text == "特此通知。" or p.text.endswith("特此通知。") for p in passages)


def test_bracketed_publication_fields_are_metadata_and_the_font_switch_is_furniture(tmp_path: Path) -> None:
    document = read(tmp_path, NOTICES["bracketed fields"])
    fields = f"【发布日期：2020-02-16】【来源：{AUTHORITY}】"
    assert document.metadata["发布信息"] == fields.replace("】【", "】；【")
    moved = fields + ADDRESSEES  # the addressees are metadata too (the title is the title)
    assert document.report.removed["moved-to-metadata"] == chars(moved)
    assert document.report.removed["short-furniture"] == chars("【字体：大 中 小】")
    assert all(p.text not in ("【", "】") and not p.text.startswith("中 小") for p in document.paragraphs)


def test_a_news_item_that_is_all_publication_fields_keeps_its_text_as_body(tmp_path: Path) -> None:
    news = (
        "发布日期：2020-03-02 信息来源：青川市人民政府 3月1日，市长张三主持召开市政府常务会议，研究部署春耕"
    )
    document = read(tmp_path, news, "news.txt")
    assert [p.text for p in document.paragraphs] == [news], "kept whole, not skipped"
    assert document.date == "2020-03-02"
    fields = "【发布日期：2020-03-02】【来源：青川市人民政府办公室】"
    text = (
        "3月1日，市长张三主持召开市政府常务会议，研究部署春季农业生产和复工复产工作，"
        "会议强调要统筹推进疫情防控和经济社会发展，抓好农资供应和技术服务，确保不误农时"
    )
    document = read(tmp_path, fields + text, "long-news.txt")
    assert [p.text for p in document.paragraphs] == [text]
    assert document.report.removed == {"moved-to-metadata": chars(fields)}
