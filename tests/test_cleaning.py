"""Cleaning scraped pages: site furniture, end-of-content prompts, page fragments, title and date.

Also the offset bookkeeping (``TrackedText``) that cleaning relies on to point back at the file.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from qa.ingest.cleaning import (
    find_date,
    is_boilerplate,
    is_navigation,
    join_page_fragments,
    strip_repeated_title,
)
from qa.ingest.page import CleanDocument, clean_page
from qa.ingest.tracked import TrackedText, source_lines

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
SEED_FILES = sorted(p.name for p in SEEDS.glob("*.txt"))

TITLE = "在县政协常委会议上的讲话"
SPEECH = [
    "今年以来,县政协围绕中心、服务大局,认真履行政治协商、民主监督、参政议政职能,取得了新的成效。",
    "要加强调查研究,提高建言资政质量,为县委县政府科学决策提供参考。",
    # Long lines that only mention ad/menu words inside a sentence (> 60 characters).
    "要加强科技创新平台建设,为中小企业转型升级提供强有力的技术支持,帮助企业破解融资难、用工难、"
    "市场开拓难等突出问题,切实优化营商环境。",
    "要畅通群众诉求表达渠道,对群众举报反映的突出问题要及时核查、依法处理、限期整改,"
    "把矛盾化解在基层、把问题解决在萌芽状态,切实维护群众合法权益。",
    "要坚持团结民主,广泛凝聚共识,努力寻求最大公约数、画出最大同心圆,为全县发展汇聚强大正能量。",
]
FURNITURE = [
    "首 页 | 政协要闻 | 主席讲话 | 提案工作",
    "开通VIP会员,海量范文免费下载",
    "会员群:12345678 免费QQ群:87654321",
    "上传人:王** 文档编号:686744 上传时间:2023-12-09 格式:DOCX 页数:3",
    "第1页 / 共3页",
    "某文档.docx_第2页",
]
FOOTER = [
    "预览结束,如果喜欢就下载吧!",
    "要加强提案办理协商,提高提案质量,推动提案成果转化运用。",  # prose after the end: not speech
    "展开阅读全文",
    "相关阅读",
    "在市政协全会上的讲话(另一篇文章的链接)",
    "copyright@ 2008-2023 某某文库 版权所有",
    "经营许可证编号:宁ICP备2022001189号-2",
    "公安备案号:51040202000207",
    "技术支持 四川志林信息技术有限公司       您是第 16884505 位访问者",
]
FURNITURE_MARKERS = [
    "首 页",
    "政协要闻",
    "提案工作",
    "会员",
    "QQ群",
    "下载",
    "上传",
    "文档编号",
    "686744",
    "页数",
    "第1页",
    "共3页",
    "docx",
    "第2页",
    "预览",
    "阅读全文",
    "相关阅读",
    "另一篇文章",
    "提案成果转化运用",
    "copyright",
    "版权",
    "ICP",
    "公安备案",
    "访问者",
    "16884505",
    "志林",
]


def synthetic_page() -> str:
    """A scraped page: menus, ads and metadata above the speech, prompts and footers below."""
    return "\n".join([*FURNITURE[:3], TITLE, *FURNITURE[3:], "各位委员、同志们:", *SPEECH, *FOOTER])


def cleaned(lines: list[str], fallback_title: str = "fallback") -> CleanDocument:
    return clean_page("\n".join(lines), fallback_title)


def texts(document: CleanDocument) -> list[str]:
    return [p.text for p in document.paragraphs]


def seed_text(name: str) -> str:
    return (SEEDS / name).read_text(encoding="utf-8")


# --- boilerplate removal -------------------------------------------------------------------------


def test_clean_page_leaves_no_menu_ad_metadata_page_marker_or_footer_text() -> None:
    document = clean_page(synthetic_page(), "fallback")
    for paragraph in texts(document):
        for marker in FURNITURE_MARKERS:
            assert marker.lower() not in paragraph.lower(), (marker, paragraph)


def test_clean_page_keeps_every_speech_paragraph_intact_and_in_order() -> None:
    document = clean_page(synthetic_page(), "fallback")
    assert texts(document) == SPEECH


def test_clean_page_drops_the_salutation_line() -> None:
    document = clean_page(synthetic_page(), "fallback")
    assert not any("同志们" in p for p in texts(document))


@pytest.mark.parametrize(
    "prompt", ["预览结束,如果喜欢就下载吧!", "全部预览完了", "展开阅读全文", "相关阅读", "上一篇"]
)
def test_everything_after_an_end_of_content_prompt_is_dropped(prompt: str) -> None:
    after = "要加强民主监督,推动党委政府决策部署落地落实,切实提高监督实效。"
    document = cleaned([TITLE, *SPEECH[:2], prompt, after, SPEECH[4]])
    assert texts(document) == SPEECH[:2]


@pytest.mark.parametrize("word", ["技术支持", "举报", "下载", "会员", "订阅", "二维码"])
def test_long_speech_line_that_mentions_an_ad_word_is_not_boilerplate(word: str) -> None:
    line = (
        f"要坚持问题导向,围绕群众反映强烈的{word}相关问题深入调查研究,提出务实管用的意见建议,"
        "推动有关部门建立健全长效机制,切实把好事办好、实事办实,让人民群众有更多获得感。"
    )
    assert len(line) > 60
    assert not is_boilerplate(line)
    assert texts(cleaned([TITLE, SPEECH[0], line, SPEECH[1]])) == [SPEECH[0], line, SPEECH[1]]


@pytest.mark.parametrize(
    "line",
    [
        "技术支持 四川志林信息技术有限公司",
        "举报",
        "开通会员立享全部资料",
        "免费QQ群:123456",
        "扫码关注公众号",
        "发布时间:2024-12-27 来源:市政协",
        "2025-03-12 09:18:15 妙笔智库",
    ],
)
def test_short_line_with_an_ad_or_metadata_word_is_boilerplate(line: str) -> None:
    assert is_boilerplate(line)


@pytest.mark.parametrize(
    "line",
    [
        "未经本网书面特别授权,请勿转载或建立镜像,违者依法必究",
        "© 版权所有2004,中国人民政治协商会议攀枝花市委员会",
        "公安备案号:51040202000207     互联网信息服务备案编号:蜀ICP备13003462号-1",
        "蜀ICP备13003462号-1",
        "您是第 16884505 位访问者",
        "第2页 / 共3页",
        "座谈发言.docx_第3页",
    ],
)
def test_footer_and_page_marker_lines_are_boilerplate(line: str) -> None:
    assert is_boilerplate(line)


def test_copyright_furniture_counts_even_on_a_long_line() -> None:
    line = "本站为文档C2C交易模式,即用户上传的文档直接被用户下载,本站只是中间服务平台," * 2
    assert len(line) > 60
    assert is_boilerplate(line)


def test_speech_sentences_are_not_boilerplate() -> None:
    for line in SPEECH:
        assert not is_boilerplate(line), line


@pytest.mark.parametrize(
    "line",
    [
        "首 页 | 政协要闻 | 主席讲话 | 提案工作",
        "首页 | 政协要闻 | 主席讲话 | 提案工作 | 规章制度",
        "首页 新闻 通知 公告",
    ],
)
def test_menu_bars_are_navigation(line: str) -> None:
    assert is_navigation(line)


@pytest.mark.parametrize(
    "line",
    [
        "要坚持团结民主,广泛凝聚共识。",
        "政协 委员 要 提高 履职 能力。",
        "在县政协常委会议上的讲话",
        "各位委员 | 同志们",
    ],
)
def test_prose_titles_and_two_item_lines_are_not_navigation(line: str) -> None:
    assert not is_navigation(line)


@pytest.mark.parametrize("name", SEED_FILES)
def test_real_seed_paragraphs_contain_no_boilerplate_markers(name: str) -> None:
    markers = [
        "ICP",
        "版权",
        "访问者",
        "预览",
        "阅读全文",
        "上传",
        "会员",
        "首页",
        "首 页",
        "第1页",
        "共3页",
        "mbgs777",
        "QQ群",
        "相关阅读",
        "相关资源",
        "猜你喜欢",
        "公安备案",
        "copyright",
        "©",
        "本站",
        "打印本页",
        "当前位置",
        "资源描述",
        "免费",
        "订阅",
        "小编",
        ".docx",
        "文档编号",
        "发布时间",
        "技术支持 四川",
        "妙笔智库",
    ]
    document = clean_page(seed_text(name), name)
    assert document.paragraphs
    for paragraph in texts(document):
        for marker in markers:
            assert marker.lower() not in paragraph.lower(), (marker, paragraph[:40])


@pytest.mark.parametrize(
    ("name", "first_start", "last_end"),
    [
        (
            "000_c94c20506ab01715.txt",
            "全面建成小康社会和“十三五”规划收官近在咫尺",
            "奋力谱写中华民族伟大复兴中国梦×篇章作出新的更大贡献！",
        ),
        ("001_ec7618cb6664527d.txt", "这次会议的主要任务是", "推进XX高质量发展作出新的更大贡献!"),
        ("002_918bf7343061484a.txt", "今天,我们召开全的建设工作会议", "效能是的建设的重要内容 ……"),
        (
            "003_e9d8012ddcf1e712.txt",
            "习近平总书记主持召开新时代推动东北全面振兴座谈会",
            "体现政协担当、贡献政协力量。",
        ),
        (
            "004_d709b2b97a0ad8c6.txt",
            "本次常委会议在大家的共同努力下",
            "确保会议有较高出勤率,全力以赴开好这次会议。",
        ),
    ],
)
def test_real_seed_body_runs_from_the_first_to_the_last_speech_sentence(
    name: str, first_start: str, last_end: str
) -> None:
    paragraphs = texts(clean_page(seed_text(name), name))
    assert paragraphs[0].startswith(first_start)
    assert paragraphs[-1].endswith(last_end)


# --- page fragments, word counts, repeated titles --------------------------------------------------


def test_seed_003_page_fragments_are_stitched_back_into_sentences() -> None:
    name = "003_e9d8012ddcf1e712.txt"
    source = seed_text(name)
    assert "科学精准推\n\n2、进,创新打造" in source  # the cut the page made
    paragraphs = texts(clean_page(source, name))
    assert any("科学精准推进,创新打造" in p for p in paragraphs)
    assert not any(re.match(r"\d{1,3}、", p) for p in paragraphs)
    assert not any(re.search(r"\d{1,3}、", p) for p in paragraphs)  # no fragment number left inside


def test_seed_003_word_count_and_repeated_title_are_removed_from_the_body() -> None:
    name = "003_e9d8012ddcf1e712.txt"
    paragraphs = texts(clean_page(seed_text(name), name))
    assert not any("1857字" in p for p in paragraphs)
    assert not any("座谈发言" in p for p in paragraphs)
    assert paragraphs[0].startswith("习近平总书记主持召开")


FRAGMENTED = [
    TITLE,
    f"1、{TITLE}(1857字)今年以来,县政协坚持围绕中心、服务大局,科学精准推",
    "2、进,创新打造履职品牌,推动各项工作提质增效,切实发挥专门协商机构作",
    "3、用,努力以高质量履职助力全县高质量发展。",
    "要做好以下三项工作:",
    "1、加强调查研究,提高建言资政质量。",
    "2、加强民主监督,推动决策部署落地落实。",
    "3、加强团结联谊,广泛凝聚各方共识。",
]


def test_numbered_fragments_cut_mid_sentence_are_joined_without_their_numbers() -> None:
    paragraphs = texts(cleaned(FRAGMENTED))
    assert paragraphs[0] == (
        "今年以来,县政协坚持围绕中心、服务大局,科学精准推进,创新打造履职品牌,推动各项工作提质增效,"
        "切实发挥专门协商机构作用,努力以高质量履职助力全县高质量发展。"
    )


def test_a_genuine_numbered_list_ending_in_full_stops_is_not_joined() -> None:
    paragraphs = texts(cleaned(FRAGMENTED))
    assert paragraphs[-3:] == FRAGMENTED[-3:]


def test_word_count_marker_and_repeated_title_are_removed_from_the_first_paragraph() -> None:
    first = texts(cleaned(FRAGMENTED))[0]
    assert "1857字" not in first
    assert TITLE not in first


def test_join_page_fragments_keeps_offsets_of_the_joined_characters() -> None:
    source = "1、科学精准推\n2、进,创新打造。\n3、完善格局。"
    joined, numbers = join_page_fragments(source_lines(source))
    assert [line.text for line in joined] == ["科学精准推进,创新打造。完善格局。"]
    assert numbers == ["1、", "2、", "3、"]
    assert all(source[o] == c for o, c in zip(joined[0].offsets, joined[0].text, strict=True))


def test_a_single_numbered_line_is_left_alone() -> None:
    lines = source_lines("1、科学精准推\n要加强团结。")
    assert [line.text for line in join_page_fragments(lines)[0]] == ["1、科学精准推", "要加强团结。"]


def test_strip_repeated_title_ignores_spaces_and_punctuation() -> None:
    title = "座谈发言:以高质量履职助推发展——座谈会 五个六"
    line = TrackedText.from_source("座谈发言:以高质量履职助推发展座谈会五个六,习近平总书记指出。", 7)
    stripped = strip_repeated_title(line, title)
    assert stripped.text == "习近平总书记指出。"
    assert stripped.start == 7 + line.text.index("习")


@pytest.mark.parametrize(
    ("line", "title"),
    [
        ("座谈发言:以高质量履职推动工作。", "座谈发言:以高质量履职助推发展"),  # diverges
        ("讲话稿全文如下。", "讲话稿"),  # title too short to recognise safely
        ("座谈发言", "座谈发言:以高质量履职助推发展"),  # only a prefix
    ],
)
def test_strip_repeated_title_leaves_lines_that_do_not_repeat_the_whole_title(line: str, title: str) -> None:
    tracked = TrackedText.from_source(line)
    assert strip_repeated_title(tracked, title) == tracked


# --- title and date ------------------------------------------------------------------------------


def test_title_comes_from_the_title_line_and_date_from_the_metadata() -> None:
    document = clean_page(synthetic_page(), "fallback")
    assert document.title == TITLE
    assert document.date == "2023-12-09"


def test_file_name_is_the_title_when_the_page_has_none() -> None:
    document = cleaned(SPEECH[:2], fallback_title="县政协主席发言.docx")
    assert document.title == "县政协主席发言"
    assert texts(document) == SPEECH[:2]


NOTES = ["（讨论稿）", "（摘要）", "(征求意见稿)", "（2024年1月18日）", "〔草案〕", "【发言稿】", "(合成)"]


@pytest.mark.parametrize("note", NOTES)
def test_a_title_ending_with_a_bracketed_note_is_the_title_and_the_date_under_it_is_found(note: str) -> None:
    document = cleaned([TITLE + note, "2024年1月18日", *SPEECH[:2]])
    assert document.title == TITLE + note
    assert document.date == "2024-01-18"
    assert texts(document) == SPEECH[:2]


@pytest.mark.parametrize(
    "line",
    [
        "在县政协常委会议上的讲话取得了成效。（掌声）",
        "在县政协常委会议上的讲话（这是一段很长的括号说明文字并不是标题的附注）",
    ],
)
def test_a_line_whose_words_before_the_brackets_are_prose_or_whose_brackets_run_long_is_not_a_title(
    line: str,
) -> None:
    document = cleaned([line, *SPEECH[:2]], fallback_title="县政协发言.docx")
    assert document.title == "县政协发言"


def test_a_breadcrumb_above_the_title_is_not_taken_as_the_title() -> None:
    document = cleaned(["当前位置:首页 > 政协要闻 > 主席讲话", TITLE, "发布时间:2024年5月6日", *SPEECH[:2]])
    assert document.title == TITLE
    assert texts(document) == SPEECH[:2]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("发布时间:2024年12月27日", "2024-12-27"),
        ("2025-03-12 09:18:15 妙笔智库", "2025-03-12"),
        ("上传时间:2023-12-09 格式:DOCX", "2023-12-09"),
        ("2019.5.6", "2019-05-06"),
        ("2022年在市委政协工作会议上讲话", "2022"),
        ("在市政协工作座谈会上的讲话", None),
        ("编号 2024-13-45", None),
        ("", None),
    ],
)
def test_find_date_returns_iso_date_else_year_else_none(text: str, expected: str | None) -> None:
    assert find_date(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("二〇二四年一月十八日", "2024-01-18"),
        ("二○二三年十二月三十一日", "2023-12-31"),  # ○ (a circle), not 〇
        ("二零二四年十月二十日", "2024-10-20"),
        ("（一九九九年九月九日）", "1999-09-09"),
        ("二〇二四年十三月一日", None),  # no such month
        ("二〇二四年二月三十九日", None),  # no such day
        ("二〇二四年一月", None),  # no day: not a full date, and the year is not in digits
    ],
)
def test_find_date_reads_dates_written_in_chinese_numerals(text: str, expected: str | None) -> None:
    assert find_date(text) == expected


# --- printed speeches: stored title, lines under the title, closing words -----------------------------

# A title with none of the words (讲话, 发言, 会议上…) that mark a title line on a page.
PLAIN_TITLE = "凝心聚力 共谋发展"


def test_a_known_title_is_the_title_whatever_its_words_and_its_line_is_not_body() -> None:
    heading = "一、提高政治站位"  # not prose: kept only because the body starts under the title line
    document = clean_page("\n".join([PLAIN_TITLE, heading, *SPEECH[:2]]), "fallback", known_title=PLAIN_TITLE)
    assert document.title == PLAIN_TITLE
    assert texts(document) == [heading, *SPEECH[:2]]


def test_a_known_title_finds_its_line_whatever_the_spaces_and_punctuation() -> None:
    document = clean_page("\n".join(["凝心聚力，共谋发展", *SPEECH[:2]]), "fallback", known_title=PLAIN_TITLE)
    assert document.title == PLAIN_TITLE
    assert texts(document) == SPEECH[:2]


@pytest.mark.parametrize(
    "line", ["（2024年1月18日，北京）", "2024年1月18日", "二〇二四年一月十八日", "（二○二四年一月十八日）"]
)
def test_a_date_line_under_the_title_is_the_date_and_not_body(line: str) -> None:
    document = cleaned([TITLE, line, *SPEECH[:2]])
    assert document.date == "2024-01-18"
    assert texts(document) == SPEECH[:2]


@pytest.mark.parametrize(
    "line",
    ["市政协主席 张三", "（市委书记：李四）", "县政协副主席 王五、赵六", "市政协主席 张三（2024年1月18日）"],
)
def test_a_speaker_line_under_the_title_is_not_body(line: str) -> None:
    document = cleaned([TITLE, line, *SPEECH[:2]])
    assert texts(document) == SPEECH[:2]
    assert document.date == ("2024-01-18" if "2024" in line else None)


@pytest.mark.parametrize(
    ("subtitle", "expected"),
    [
        ("——在市政协十届三次会议上的讲话", f"{PLAIN_TITLE}——在市政协十届三次会议上的讲话"),
        ("（在市政协十届三次会议上的发言）", f"{PLAIN_TITLE}——在市政协十届三次会议上的发言"),
        ("在市政协十届三次会议上的讲话", f"{PLAIN_TITLE}——在市政协十届三次会议上的讲话"),
    ],
)
def test_a_subtitle_under_the_title_is_joined_to_it_and_not_body(subtitle: str, expected: str) -> None:
    lines = [PLAIN_TITLE, subtitle, "市政协主席 张三", "（2024年1月18日）", *SPEECH[:2]]
    document = clean_page("\n".join(lines), "fallback", known_title=PLAIN_TITLE)
    assert (document.title, document.date) == (expected, "2024-01-18")
    assert texts(document) == SPEECH[:2]


def test_a_subtitle_that_repeats_the_title_is_not_joined_twice() -> None:
    title = "在市政协十届三次会议上的讲话"
    document = cleaned([title, f"（{title}）", *SPEECH[:2]])
    assert document.title == title
    assert texts(document) == SPEECH[:2]


def test_a_dashed_subtitle_line_taken_as_the_title_loses_its_dash() -> None:
    document = cleaned(["——在市政协十届三次会议上的讲话", *SPEECH[:2]])
    assert document.title == "在市政协十届三次会议上的讲话"


def test_a_sentence_that_opens_with_a_date_under_the_title_stays_body() -> None:
    sentence = "2024年1月18日，市政协召开十届三次会议，听取和审议常委会工作报告。"
    document = cleaned([TITLE, sentence, *SPEECH[:2]])
    assert texts(document) == [sentence, *SPEECH[:2]]
    assert document.date is None  # a date inside the speech is not the speech's date


def test_a_date_line_inside_the_speech_stays_body() -> None:
    document = cleaned([TITLE, SPEECH[0], "（2024年1月18日）", SPEECH[1]])
    assert texts(document) == [SPEECH[0], "（2024年1月18日）", SPEECH[1]]


def test_a_fragment_under_the_title_that_names_the_meeting_is_body_not_a_subtitle() -> None:
    fragment = f"1、{TITLE}(1857字)今年以来,县政协坚持围绕中心"
    document = cleaned([TITLE, fragment, "2、、服务大局,认真履行职能。", *SPEECH[:2]])
    assert document.title == TITLE
    assert texts(document)[0].startswith("今年以来,县政协坚持围绕中心")


@pytest.mark.parametrize(
    "line",
    [
        "市政协主席 张三同志指出，要把学习作为一种责任、一种追求。",
        "主席：各位委员，同志们，今天我们召开市政协常委会议。",
        "张三：同志们，今天召开常委会议，主要任务是总结工作。",
    ],
)
def test_a_speech_paragraph_that_opens_with_a_name_under_the_title_is_not_a_speaker_line(line: str) -> None:
    assert texts(cleaned([TITLE, line, *SPEECH[:2]])) == [line, *SPEECH[:2]]


@pytest.mark.parametrize("closing", ["谢谢大家！", "谢谢！", "同志们，谢谢各位！", "感谢大家。"])
def test_a_short_closing_right_after_the_last_sentence_is_kept(closing: str) -> None:
    footers = FOOTER[5:]  # copyright, ICP and visitor-counter lines after the closing
    assert texts(cleaned([TITLE, *SPEECH[:2], closing, *footers])) == [*SPEECH[:2], closing]


LINKS = ["市政协召开主席会议专题协商城市更新工作", "市政协委员深入基层开展委员进社区活动"]


@pytest.mark.parametrize(
    "between",
    [["（责任编辑：王五）", "打印本页"], [*LINKS, "打印本页"]],
    ids=["furniture", "link-list-with-furniture"],
)
def test_thanks_after_furniture_or_links_below_the_speech_is_not_kept(between: list[str]) -> None:
    document = cleaned([TITLE, *SPEECH[:2], *between, "谢谢大家！"])
    assert texts(document) == SPEECH[:2]
    assert ("page-footer", "谢谢大家！") in [(r.rule, r.text) for r in document.report.removals]


def test_short_lines_below_the_speech_with_no_furniture_near_are_kept() -> None:
    # Without a footer that marks them as a site's link list, lines without a full stop
    # are a document's last words (a heading, a list, a signature): kept.
    assert texts(cleaned([TITLE, *SPEECH[:2], *LINKS, "谢谢大家！"])) == [*SPEECH[:2], *LINKS, "谢谢大家！"]


def test_a_last_paragraph_without_a_full_stop_is_kept() -> None:
    thanks = "感谢各位委员一年来的辛勤付出和积极建言"  # no sentence end, not a short closing
    assert texts(cleaned([TITLE, *SPEECH[:2], thanks])) == [*SPEECH[:2], thanks]


@pytest.mark.parametrize(
    ("number", "words"),
    [
        ("（二）", "强化技术支持"),
        ("三、", "完善举报受理机制"),
        ("第三部分 ", "加强会员联络"),
        ("二要", "订阅学习党报党刊"),
    ],
)
def test_a_numbered_heading_with_a_furniture_word_is_not_boilerplate(number: str, words: str) -> None:
    heading = number + words
    assert is_boilerplate(words)  # the same words unnumbered read as an ad or a menu
    assert not is_boilerplate(heading)
    assert texts(cleaned([TITLE, SPEECH[0], heading, SPEECH[1]])) == [SPEECH[0], heading, SPEECH[1]]


@pytest.mark.parametrize(
    "line", ["二、版权所有，未经授权请勿转载。", "一、本站所有资源均来自网络，如有侵权请联系删除"]
)
def test_a_numbered_copyright_footer_is_still_boilerplate(line: str) -> None:
    assert is_boilerplate(line)


@pytest.mark.parametrize(
    "line",
    [
        "一是要方便委员下载学习资料，及时掌握政策动态。",
        "一是要建好用好委员履职服务平台，方便广大政协委员随时随地下载学习资料、提交提案和社情民意信息，"
        "切实提高履职的便捷度和实效性。",
    ],
    ids=["short", "long"],
)
def test_a_prose_line_opening_with_yi_shi_that_mentions_download_stays(line: str) -> None:
    assert texts(cleaned([TITLE, SPEECH[0], line, SPEECH[1]])) == [SPEECH[0], line, SPEECH[1]]


def test_a_numbered_heading_that_mentions_a_speech_is_not_the_title() -> None:
    document = cleaned(["一、深入学习贯彻重要讲话精神", *SPEECH[:2]])
    assert document.title == "fallback"


# --- offsets (TrackedText) -------------------------------------------------------------------------


def maps_to(source: str, tracked: TrackedText) -> bool:
    """Every character of ``tracked`` is the source character at its recorded offset."""
    return len(tracked.text) == len(tracked.offsets) and all(
        source[o] == c for o, c in zip(tracked.offsets, tracked.text, strict=True)
    )


def test_from_source_numbers_characters_from_the_given_start() -> None:
    tracked = TrackedText.from_source("政协委员", 10)
    assert tuple(tracked.offsets) == (10, 11, 12, 13)
    assert (tracked.start, tracked.end) == (10, 14)


def test_sub_deleting_a_span_keeps_offsets_of_the_surviving_characters() -> None:
    source = "要加强(略去)调查研究。"
    tracked = TrackedText.from_source(source).sub(r"\(略去\)")
    assert tracked.text == "要加强调查研究。"
    assert tuple(tracked.offsets) == (0, 1, 2, 7, 8, 9, 10, 11)
    assert maps_to(source, tracked)
    assert (tracked.start, tracked.end) == (0, len(source))


def test_sub_replacement_characters_take_the_offset_where_the_match_began() -> None:
    source = "甲乙 …略… 丙丁"
    tracked = TrackedText.from_source(source, 100).sub(r"\s*…+\s*略\s*…+\s*", "……")
    assert tracked.text == "甲乙……丙丁"
    assert tuple(tracked.offsets) == (100, 101, 102, 102, 107, 108)


def test_sub_without_a_match_changes_nothing() -> None:
    tracked = TrackedText.from_source("政协委员", 3)
    assert tracked.sub("不存在") == tracked


def test_split_drops_separators_and_keeps_offsets() -> None:
    source = "一是协商|二是监督||三是议政"
    pieces = list(TrackedText.from_source(source).split(r"\|"))
    assert [p.text for p in pieces] == ["一是协商", "二是监督", "", "三是议政"]
    assert [p.start for p in pieces if p.text] == [0, 5, 11]
    assert all(maps_to(source, p) for p in pieces)


def test_join_concatenates_text_and_offsets() -> None:
    source = "一是协商,二是监督"
    tracked = TrackedText.from_source(source)
    joined = TrackedText.join([tracked[5:], tracked[:4]])
    assert joined.text == "二是监督一是协商"
    assert tuple(joined.offsets) == (5, 6, 7, 8, 0, 1, 2, 3)
    assert maps_to(source, joined)


def test_strip_removes_outer_whitespace_and_shifts_start_and_end() -> None:
    source = "  政协委员。 \t"
    stripped = TrackedText.from_source(source).strip()
    assert stripped.text == "政协委员。"
    assert (stripped.start, stripped.end) == (2, 7)
    assert maps_to(source, stripped)


def test_strip_with_chars_and_strip_of_blank_text() -> None:
    assert tuple(TrackedText.from_source(",;政协;").strip(",;").offsets) == (2, 3)
    blank = TrackedText.from_source("   ", 5).strip()
    assert (blank.text, tuple(blank.offsets), blank.start, blank.end) == ("", (), 0, 0)


def test_source_lines_point_into_text_with_crlf_line_ends() -> None:
    source = "首页\r\n\r\n在会议上的讲话\r\n要加强团结。"
    lines = source_lines(source)
    assert [line.text for line in lines] == ["首页", "在会议上的讲话", "要加强团结。"]
    assert all(source[line.start : line.end] == line.text for line in lines)


def test_chained_operations_keep_every_character_pointing_at_its_source() -> None:
    source = "  1、科学精准推(1857字)\n2、进 …略… 创新打造。  \n"
    lines = [line.strip().sub(r"[(（]\d+字[)）]") for line in source_lines(source)]
    joined = TrackedText.join(line.sub(r"^\d、") for line in lines).sub(r"\s*…+\s*略\s*…+\s*", "……")
    assert joined.text == "科学精准推进……创新打造。"
    for char, offset in zip(joined.text, joined.offsets, strict=True):
        assert source[offset] == char or (char == "…" and "略" in source[offset : offset + 6])


@pytest.mark.parametrize("source", [synthetic_page(), "\n".join(FRAGMENTED)], ids=["furniture", "fragments"])
def test_cleaned_paragraph_characters_point_at_their_source_characters(source: str) -> None:
    document = clean_page(source, "fallback")
    assert len(document.paragraphs) >= 4
    assert all(maps_to(source, p) for p in document.paragraphs)


@pytest.mark.parametrize("name", SEED_FILES)
def test_real_seed_paragraph_characters_point_at_their_source_characters(name: str) -> None:
    source = seed_text(name)
    for paragraph in clean_page(source, name).paragraphs:
        assert list(paragraph.offsets) == sorted(paragraph.offsets)
        for char, offset in zip(paragraph.text, paragraph.offsets, strict=True):
            # The only rewritten characters are the "……" that stand for an elided "……略……".
            assert source[offset] == char or (char == "…" and "略" in source[offset : offset + 12])
