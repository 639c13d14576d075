"""The chat page's HTML: escaping, highlighting, attribution, citations and cards."""

from __future__ import annotations

import html
import re
from dataclasses import replace
from typing import Any

import pytest

from qa.passages.cutting import Passage
from qa.retrieve.hit import Hit
from qa.text.tokens import longest_terms
from qa.ui import reader, render
from qa.ui.chat.conversation import Conversation, Turn
from qa.ui.chat.service import question_for

TITLE = "在市政协全体会议上的讲话"
DATE = "2023年5月6日"
SECTION = "一、提高履职能力"
TEXT = "政协委员要不断提高履职能力。要加强学习，提高调查研究能力。"


def make_hit(text: str = TEXT, **overrides: Any) -> Hit:
    # text, score, title, date, source, section, section path, paragraph, paragraph end, id, start, end
    hit = Hit(text, 0.9, TITLE, DATE, "a.txt", SECTION, (SECTION,), 3, 3, "a.txt#3.1", 0, len(text))
    return replace(hit, **{"matched_terms": ("政协委员", "履职能力"), **overrides})


def make_passage(text: str, paragraph: int) -> Passage:
    hit = make_hit(text, paragraph=paragraph, paragraph_end=paragraph, passage_id=f"a.txt#{paragraph}.1")
    return Passage(**{name: getattr(hit, name) for name in Passage.__dataclass_fields__})


def marked(out: str) -> list[str]:
    return re.findall(r"<mark>(.*?)</mark>", out)


def without_tags(out: str) -> str:
    return re.sub(r"</?(mark|strong)>", "", out)


@pytest.mark.parametrize("text", ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>"])
def test_escape_leaves_no_html_tags(text: str) -> None:
    out = render.escape(text)
    assert "<" not in out and ">" not in out
    assert "&lt;" in out
    assert html.unescape(out) == text


@pytest.mark.parametrize(
    "text", ["[x](http://a)", "![i](http://a/p.png)", "`代码`", "*bold*", "$x$", "委员 **注意** `x`"]
)
def test_escape_removes_markdown_and_latex_syntax(text: str) -> None:
    out = render.escape(text)
    for char in "[]()!`*$":
        assert char not in out
    assert html.unescape(out) == text


def test_escape_turns_newlines_into_br() -> None:
    assert render.escape("第一行\n第二行\r\n第三行") == "第一行<br>第二行<br>第三行"


def test_escape_round_trips_chinese_text_with_full_width_punctuation() -> None:
    text = "政协委员要“懂政协、会协商、善议政”，提高履职能力！\n（2023.5）：要求有哪些？《讲话》—— 1-2 #3"
    assert html.unescape(render.escape(text)) == text.replace("\n", "<br>")


def test_escape_round_trips_ascii_quotes() -> None:
    # Fails at present: html.escape writes ' as &#x27; and the Markdown pass then turns its
    # '#' into &#35;, so the page shows the literal text "&#x27;".
    text = '委员\'s "意见"'
    assert html.unescape(render.escape(text)) == text


def test_longest_terms_drops_sub_words_of_longer_terms() -> None:
    terms = longest_terms(["政协委员", "政协", "委员", "履职能力", "履职", "提高"])
    assert sorted(terms) == sorted(["履职能力", "政协委员", "提高"])


def test_highlight_marks_longest_term_once_without_nesting() -> None:
    out = render.highlight("政协委员要提高履职能力", ["政协", "政协委员", "委员"])
    assert marked(out) == ["政协委员"]
    assert out.count("<mark>") == 1


def test_highlight_marks_every_occurrence_in_place() -> None:
    text = "提高履职能力，要不断提高。"
    out = render.highlight(text, ["提高"])
    assert marked(out) == ["提高", "提高"]
    assert without_tags(out) == render.escape(text)
    assert out.startswith("<mark>提高</mark>履职能力")


def test_highlight_marks_original_full_width_characters() -> None:
    out = render.highlight("２０２２年政协工作", ["2022"])
    assert marked(out) == ["２０２２"]
    assert without_tags(out) == "２０２２年政协工作"


def test_highlight_wraps_emphasised_sentence_in_strong() -> None:
    out = render.highlight("第一句话。第二句话很长很长。", [], ["第一句话。"])
    assert out == "<strong>第一句话。</strong>第二句话很长很长。"


def test_highlight_keeps_document_html_escaped() -> None:
    text = "委员<script>alert(1)</script>提高<b>能力</b>"
    out = render.highlight(text, ["提高", "script"], ["提高"])
    assert "<script" not in out and "<b>" not in out
    assert html.unescape(without_tags(out)) == text


def test_highlight_adds_no_mark_for_absent_terms() -> None:
    out = render.highlight("政协委员要提高履职能力", ["民主监督", "提案"])
    assert "<mark>" not in out
    assert out == render.escape("政协委员要提高履职能力")


def sentence(base: str, length: int) -> str:
    return (base * length)[: length - 1] + "。"


def test_emphasis_keeps_two_short_sentences_under_half() -> None:
    best, second, rest = sentence("协商", 20), sentence("议政", 20), sentence("团结", 60)
    assert render.emphasis(best + second + rest, [best, second]) == [best, second]


def test_emphasis_drops_second_sentence_when_both_exceed_half() -> None:
    best, second, rest = sentence("协商", 40), sentence("议政", 20), sentence("团结", 40)
    assert render.emphasis(best + second + rest, [best, second]) == [best]


def test_emphasis_keeps_best_sentence_between_half_and_seventy_percent() -> None:
    best, second = sentence("协商", 60), sentence("议政", 40)
    assert render.emphasis(best + second, [best, second]) == [best]


def test_emphasis_is_empty_when_best_sentence_is_most_of_passage() -> None:
    # Fails at present: the best sentence is skipped but the second best is then emphasised alone.
    best, second = sentence("协商", 80), sentence("议政", 20)
    assert render.emphasis(best + second, [best]) == []
    assert render.emphasis(best + second, [best, second]) == []


def test_attribution_joins_title_date_and_place_and_names_the_file_only_when_asked() -> None:
    assert render.attribution(make_hit()) == f"《{TITLE}》 · {DATE} · 第3段（{SECTION}部分）"
    assert render.attribution(make_hit(section_path=())) == f"《{TITLE}》 · {DATE} · 第3段 · {SECTION}"
    assert render.attribution(make_hit(), with_file=True).endswith(" · a.txt")
    assert render.attribution(make_hit(doc_date="2023-05-06")) == render.attribution(make_hit())


@pytest.mark.parametrize("missing", [None, ""])
def test_attribution_leaves_out_missing_date_and_section(missing: str | None) -> None:
    out = render.attribution(make_hit(doc_date=missing, section=missing, section_path=()))
    assert out == f"《{TITLE}》 · 第3段"
    assert " ·  · " not in out


def test_citation_gives_source_then_the_text_quoted_on_one_line() -> None:
    out = render.citation(make_hit("第一行内容\n  第二行内容\n"))
    assert out == f"《{TITLE}》（{DATE}），第3段（{SECTION}部分）：“第一行内容 第二行内容”"


def test_citation_without_date_has_no_empty_brackets() -> None:
    out = render.citation(make_hit(doc_date=None, section=None, section_path=()))
    assert out == f"《{TITLE}》，第3段：“{TEXT}”"


def fenced(out: str) -> re.Match[str]:
    match = re.search(r"^(`{3,})text\n(.*?)\n\1$", out, flags=re.DOTALL | re.MULTILINE)
    assert match is not None
    return match


def test_card_shows_rank_highlighted_text_attribution_and_citation() -> None:
    hit = make_hit()
    out = render.card(2, hit)
    assert '<div class="qa-rank">2</div>' in out
    assert "<mark>政协委员</mark>" in out and "<mark>履职能力</mark>" in out
    assert f'<div class="qa-source">{render.source_line(hit)}</div>' in out
    assert html.unescape(re.sub("<[^>]+>", "", render.source_line(hit))) == render.attribution(hit)
    assert fenced(out).group(2) == render.citation(hit)
    assert "上文已出现" not in out


def test_card_context_block_shows_neighbours_only_when_given() -> None:
    before, after = [make_passage("上一段讲团结。", 2)], [make_passage("下一段讲监督。", 4)]
    out = render.card(1, make_hit(), before, after)
    assert '<details class="qa-ctx">' in out
    assert "上一段讲团结。" in out and "下一段讲监督。" in out
    alone = render.card(1, make_hit())
    assert "qa-ctx" not in alone and alone.count("<details") == 1


def test_card_marks_passage_shown_before() -> None:
    assert "上文已出现" in render.card(1, make_hit(), shown_before=True)


def test_card_never_shows_script_from_id_title_or_text_as_html() -> None:
    hit = make_hit(
        "正文<script>alert(1)</script>",
        passage_id='a.txt#3.1"><script>alert(2)</script>',
        doc_title="<script>alert(3)</script>讲话",
        also_in=("<script>alert(4)</script>",),
    )
    out = render.card(1, hit, [make_passage("<script>alert(5)</script>", 2)])
    fence = fenced(out)
    # The citation is a Markdown code block, shown literally; everything else must be escaped.
    assert fence.group(2) == render.citation(hit)
    outside = out[: fence.start()] + out[fence.end() :]
    assert "<script" not in outside.lower()
    attribute = re.search(r'data-passage-id="([^"]*)"', out)
    assert attribute is not None and html.unescape(attribute.group(1)) == hit.passage_id


def test_code_block_fence_is_longer_than_backtick_runs_in_text() -> None:
    text = "见 ``` 与 ```` 之间"
    lines = render.code_block(text).split("\n")
    fence = lines[0].removesuffix("text")
    assert set(fence) == {"`"} and len(fence) > 4
    assert lines[1:] == [text, fence]
    assert render.code_block("没有反引号").split("\n")[0] == "```text"


def test_answer_without_cards_shows_no_result_and_hint() -> None:
    out = render.answer([])
    assert render.NO_RESULT in out
    assert render.NO_RESULT_HINT in html.unescape(out)
    assert "qa-card" not in out


def test_answer_with_cards_shows_escaped_note_and_cards() -> None:
    card = render.card(1, make_hit())
    out = render.answer([card], "<b>已结合上一问</b>")
    assert card in out
    assert "<b>" not in out and render.escape("<b>已结合上一问</b>") in out
    assert render.NO_RESULT not in out


def test_user_message_shows_no_tags() -> None:
    out = render.user_message("<b>x</b>")
    assert "<b>" not in out and "</b>" not in out
    assert "&lt;b&gt;x&lt;/b&gt;" in out


# -- why a passage matched, and the title that opens the reader -----------------------------


def test_explanation_by_meaning_says_once_that_no_word_is_shared() -> None:
    out = render.explanation(make_hit(matched_terms=(), found_by="meaning"))
    text = html.unescape(re.sub("<[^>]+>", "", out))
    assert text == "按语义匹配（无相同词语）"
    words = html.unescape(re.sub("<[^>]+>", "", render.explanation(make_hit(found_by="words"))))
    assert words.startswith("匹配词：") and "按词语匹配" in words


def test_source_line_title_is_a_button_carrying_the_passage_id() -> None:
    hit = make_hit(passage_id='a.txt#3.1"><script>x</script>', doc_title="<b>讲话</b>")
    out = render.source_line(hit)
    button = re.search(r'<button type="button" class="qa-open-doc" value="([^"]*)"[^>]*>(.*?)</button>', out)
    assert button is not None
    assert html.unescape(button.group(1)) == hit.passage_id
    assert html.unescape(button.group(2)) == "《<b>讲话</b>》"
    assert "<script" not in out and "<b>" not in out


# -- the reader: the whole document, the cited passage highlighted ---------------------------

INTRO_TEXT = "各位委员，今天召开会议。"
PART_ONE = "一、提高履职能力"
RUN_IN = "一是加强学习"


def doc_passage(
    paragraph: int, text: str, path: tuple[str, ...] = (), part: int = 0, parts: int = 0
) -> Passage:
    hit = make_hit(
        text,
        section=path[-1] if path else None,
        section_path=path,
        paragraph=paragraph,
        paragraph_end=paragraph,
        passage_id=f"a.txt#{paragraph}.{part or 1}",
        part=part,
        parts=parts,
    )
    return Passage(**{name: getattr(hit, name) for name in Passage.__dataclass_fields__})


DOCUMENT = [
    doc_passage(1, INTRO_TEXT),
    doc_passage(2, "政协委员要提高履职能力。", (PART_ONE,)),
    doc_passage(3, f"{RUN_IN}。委员要学习理论，提高履职能力。", (PART_ONE, RUN_IN)),
    doc_passage(4, "委员要深入调研。", (PART_ONE, RUN_IN)),
]


def reader_text(out: str) -> str:
    return html.unescape(re.sub("<[^>]+>", "", out))


def test_reader_shows_every_passage_in_order_and_highlights_the_cited_one() -> None:
    out = reader.document(DOCUMENT, "a.txt#3.1")
    text = reader_text(out)
    positions = [text.index(p.text) for p in DOCUMENT]
    assert positions == sorted(positions), "the passages in document order"
    assert f"《{TITLE}》" in text and DATE in text and "共4段" in text
    hits = re.findall(r'<div class="qa-doc-p qa-doc-hit" id="(qa-doc-\d+)"[^>]*aria-current="true"', out)
    assert hits == [reader.anchor(2)], "exactly the cited passage, third in the document"
    assert "第3段（所引段落）" in text
    assert out.count('class="qa-doc-p') == 4


def test_reader_outline_lists_each_heading_once_and_links_to_where_it_starts() -> None:
    out = reader.document(DOCUMENT, "a.txt#1.1")
    nav = re.search(r'<nav class="qa-outline".*?</nav>', out)
    assert nav is not None
    links = re.findall(r'<li class="qa-outline-(\d)"><a href="#([^"]+)"[^>]*>([^<]*)</a>', nav.group(0))
    # A heading on a line of its own is shown as a heading; a run-in one ("一是加强学习。委员…")
    # is already the start of its paragraph, so the outline links to that paragraph.
    assert links == [("1", f"{reader.anchor(1)}-h1", PART_ONE), ("2", reader.anchor(2), RUN_IN)]
    assert f'<h3 class="qa-doc-heading" id="{reader.anchor(1)}-h1">{PART_ONE}</h3>' in out
    assert out.count(PART_ONE) == 2 and "<h4" not in out
    assert "qa-outline" not in reader.document([doc_passage(1, INTRO_TEXT)], "a.txt#1.1")


def test_reader_marks_the_question_words_in_every_passage() -> None:
    out = reader.document(DOCUMENT, "a.txt#2.1", ["履职能力", "委员"])
    assert marked(out).count("履职能力") == 2
    assert marked(out).count("委员") == 4, "in every passage, the one before the first heading too"
    assert "<mark>各</mark>" not in out
    assert "<mark>" not in reader.document(DOCUMENT, "a.txt#2.1")


def test_reader_numbers_split_paragraph_pieces_as_citations_do() -> None:
    pieces = [doc_passage(5, "前半。", part=1, parts=2), doc_passage(5, "后半。", part=2, parts=2)]
    out = reader_text(reader.document(pieces, "a.txt#5.2"))
    assert "第5段之一" in out and "第5段之二（所引段落）" in out
    assert "共5段" in out  # paragraphs, not passages


def test_reader_escapes_document_text_headings_and_ids() -> None:
    bad = doc_passage(1, "<script>alert(1)</script>正文", ("<img src=x onerror=alert(2)>",))
    bad = replace(bad, passage_id='a.txt#1.1"><script>', doc_title="<script>alert(3)</script>")
    out = reader.document([bad], bad.passage_id)
    assert "<script" not in out.lower() and "<img" not in out.lower()
    assert "qa-doc-hit" in out
    assert "<script>alert(1)</script>正文" in reader_text(out)


def test_reader_without_the_passage_says_the_index_changed() -> None:
    assert reader.MISSING in reader_text(reader.missing())
    assert reader.MISSING in reader_text(reader.document([], "a.txt#1.1"))


def test_question_for_a_passage_is_what_its_answer_searched() -> None:
    conversation = Conversation(
        turns={
            1: Turn(
                "政协委员怎样提高履职能力？", "政协委员怎样提高履职能力？", ("a.txt#3.1", "a.txt#4.1"), 3
            ),
            3: Turn("那具体要怎么做？", "政协委员怎样提高履职能力？ 那具体要怎么做？", ("a.txt#4.1",), 3),
        }
    )
    assert question_for(conversation, "a.txt#4.1", 0) == "政协委员怎样提高履职能力？"
    assert question_for(conversation, "a.txt#4.1", 1).endswith("那具体要怎么做？")
    assert question_for(conversation, "a.txt#4.1", 7).endswith("那具体要怎么做？"), "the latest by default"
    assert question_for(conversation, "a.txt#3.1", 1) == "政协委员怎样提高履职能力？"
    assert question_for(conversation, "b.txt#1.1") == ""


# -- the page's own words: Chinese, with full-width punctuation ------------------------------


def test_page_text_uses_full_width_punctuation() -> None:
    from qa.ui import app
    from qa.ui.chat import service, tab

    texts = [
        app.INTRO,
        tab.HELP.replace("**", "").replace("\n- ", "\n"),
        render.NO_RESULT_HINT,
        *render.FOUND_BY_LABEL.values(),
        reader.MISSING,
        *service.EXAMPLES,
    ]
    for text in texts:
        assert not re.search(r"[\u4e00-\u9fff][,:;?!()]|[,:;?!()][\u4e00-\u9fff]", text), text
