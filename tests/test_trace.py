"""Formulation tracing (提法溯源): on the real seeds index, on tiny documents built here, in the CLI."""

from __future__ import annotations

import html
import importlib
import io
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from conftest import INDEX, FakeEmbedder

import qa
from qa.build.builder import build_index
from qa.cli.main import main
from qa.index.load import LoadedIndex, load_index
from qa.retrieve.retriever import Retriever
from qa.text.normalise import match_form
from qa.tools.trace import CONTEXT_CHARS, MAX_PHRASE_CHARS, Trace, candidates, trace_index
from qa.tools.wording import Letters, find
from qa.ui.citation import place
from qa.ui.trace import view as trace_view

VARIANT_PHRASE = "有事好商量、众人的事情由众人商量"  # seed 000 has it; seed 001 drops 情: 众人的事由众人商量


@pytest.fixture(scope="module")
def seeds() -> LoadedIndex:
    return load_index(INDEX)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three short speeches: dated 2021, dated 2023, undated; a heading, a variant, markup in the text."""
    folder = tmp_path_factory.mktemp("trace") / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text(
        "在县政协全体会议上的讲话\n2021年3月1日\n一、坚持有事好商量\n"
        "要坚持有事好商量，把协商民主贯穿履职全过程，推动政治协商、民主监督、参政议政各项工作取得新成效，"
        "使政协工作更好服务中心大局。\n"
        "大家有事多商量，遇事多商量，找到全社会意愿和要求的最大公约数，画出最大同心圆，凝聚起团结奋斗的强大力量。\n"
        "二、加强团结\n"
        "要坚持大团结大联合，<b>有事好商量</b>不是一句口号，而是人民政协的工作方式，要落实到每一次协商活动之中，久久为功。\n",
        encoding="utf-8",
    )
    (folder / "b.txt").write_text(
        "在市政协常委会议上的讲话\n2023年5月6日\n"
        "要围绕中心工作深入调查研究，坚持有事好商量、众人的事情由众人商量，积极建言献策，为党委政府科学决策提供参考。\n"
        "要加强提案办理协商，提高提案质量，推动提案成果转化运用，切实做到众人的事情由众人商量、有事好商量。\n",
        encoding="utf-8",
    )
    (folder / "c.txt").write_text(
        "在政协委员培训班上的讲话\n"
        "委员要懂政协、会协商、善议政，做到有事好商量，遇到问题多沟通、多协商，努力形成共识，凝聚各方面智慧和力量，推动工作落实。\n",
        encoding="utf-8",
    )
    index = folder.parent / "index"
    build_index(folder, index, FakeEmbedder())
    return index


@pytest.fixture(scope="module")
def tiny_retriever(tiny: Path) -> Retriever:
    return Retriever(tiny, embedder=FakeEmbedder())  # type: ignore[arg-type]


def brute_force(index: LoadedIndex, phrase: str) -> Counter[str]:
    """How often each document's passages hold ``phrase`` literally (``match_form``), read one by one."""
    form = match_form(phrase)
    counts: Counter[str] = Counter()
    for passage in index.passages:
        counts[passage.source] += match_form(passage.text).count(form)
    return +counts


def date_key(date: str | None) -> tuple[bool, str]:
    return (date is None, date or "")


# -- on the seeds ------------------------------------------------------------------------------


@pytest.mark.parametrize("phrase", ["专门协商机构", "两个确立", "懂政协", "政协委员"])
def test_every_use_is_found_in_date_order_with_undated_documents_last(
    seeds: LoadedIndex, phrase: str
) -> None:
    found = trace_index(seeds, phrase)
    expected = brute_force(seeds, phrase)
    assert found.total == sum(expected.values()) > 0
    assert Counter(o.source for o in found.occurrences) == expected
    keys = [date_key(o.doc_date) for o in found.occurrences]
    assert keys == sorted(keys)
    assert found.variants == () or all(v.is_variant for v in found.variants)


def test_undated_documents_come_after_dated_ones(seeds: LoadedIndex) -> None:
    dates = [o.doc_date for o in trace_index(seeds, "专门协商机构").occurrences]
    assert None in dates and dates[0] is not None
    assert dates[dates.index(None) :] == [None] * (len(dates) - dates.index(None))


def test_each_use_has_its_keyword_in_context_line_and_place(seeds: LoadedIndex) -> None:
    found = trace_index(seeds, "两个确立")
    assert found.total == 4
    for o in found.occurrences:
        passage = next(p for p in seeds.passages if p.passage_id == o.passage_id)
        text = passage.text.replace("\n", " ")
        assert text[o.start : o.end] == o.match and match_form(o.match) == match_form("两个确立")
        before, after = text[max(o.start - CONTEXT_CHARS, 0) : o.start], text[o.end : o.end + CONTEXT_CHARS]
        assert o.left == ("…" if o.start > CONTEXT_CHARS else "") + before
        assert o.right == after + ("…" if o.end + CONTEXT_CHARS < len(text) else "")
        assert (o.doc_title, o.doc_date, o.section, o.paragraph) == (
            passage.doc_title,
            passage.doc_date,
            passage.section,
            passage.paragraph,
        )


def test_counts_per_document_and_year_and_the_first_and_latest_use(seeds: LoadedIndex) -> None:
    found = trace_index(seeds, "两个确立")
    by_document = brute_force(seeds, "两个确立")
    assert {d.source: d.occurrences for d in found.per_document} == dict(by_document)
    dates = {d.source: d.date for d in seeds.documents}
    years = Counter((dates[s] or "")[:4] or None for s, n in by_document.items() for _ in range(n))
    assert {y.year: y.occurrences for y in found.per_year} == dict(years)
    dated = sorted(dates[s] for s in by_document if dates[s])
    assert found.first is not None and found.latest is not None
    assert (found.first.doc_date, found.latest.doc_date) == (dated[0], dated[-1])
    assert found.first.doc_date < found.latest.doc_date


def test_a_variant_is_found_and_kept_apart_marked_as_one(seeds: LoadedIndex) -> None:
    found = trace_index(seeds, VARIANT_PHRASE)
    assert [o.source for o in found.occurrences] == [s for s in brute_force(seeds, VARIANT_PHRASE)]
    assert all(not o.is_variant for o in found.occurrences)
    (variant,) = found.variants
    assert variant.is_variant and variant.kind == "deleted"
    assert variant.match == "有事好商量,众人的事由众人商量"
    assert variant.variant == "有事好商量众人的事由众人商量"
    assert variant.source not in {o.source for o in found.occurrences}
    (form,) = found.variant_forms
    assert (form.wording, form.count, form.first) == (variant.match, 1, variant.doc_date)
    assert {(d.source, d.occurrences, d.variants) for d in found.per_document} == {
        (found.occurrences[0].source, 1, 0),
        (variant.source, 0, 1),
    }


def test_words_in_another_order_are_a_variant(seeds: LoadedIndex) -> None:
    found = trace_index(seeds, "民主和团结")
    assert found.total == 0 and found.total_variants == 2
    assert {(v.kind, v.match) for v in found.variants} == {("reordered", "团结和民主")}
    assert found.message == "没有段落包含“民主和团结”，但有2处相近的表述。"


def test_punctuation_in_the_text_is_not_the_phrase(seeds: LoadedIndex) -> None:
    found = trace_index(seeds, "协商民主")
    assert all("、" not in o.match and "," not in o.match for o in (*found.occurrences, *found.variants))
    assert found.total == sum(brute_force(seeds, "协商民主").values())


def test_an_absent_phrase_gives_an_empty_trace_with_a_clear_message(seeds: LoadedIndex) -> None:
    found = trace_index(seeds, "红烧肉")
    assert (found.total, found.total_variants, found.occurrences, found.variants) == (0, 0, (), ())
    assert found.per_document == found.per_year == found.variant_forms == ()
    assert found.first is None and found.latest is None
    assert found.message == "没有段落包含“红烧肉”，也没有相近的表述。"


@pytest.mark.parametrize("typed", ["“两个确立”", "兩個確立", "两 个 确 立", "  『两个确立』 ", '"两个确立"'])
def test_quoted_traditional_and_spaced_input_is_read_like_a_question(seeds: LoadedIndex, typed: str) -> None:
    plain = trace_index(seeds, "两个确立")
    found = trace_index(seeds, typed)
    assert [(o.passage_id, o.start) for o in found.occurrences] == [
        (o.passage_id, o.start) for o in plain.occurrences
    ]
    assert not re.search(r"[“”『』\"\s]", found.phrase)


@pytest.mark.parametrize("phrase", ["", "党", "“”", "。。", "政" * (MAX_PHRASE_CHARS + 1)])
def test_a_phrase_of_fewer_than_two_or_more_than_fifty_characters_is_refused(
    seeds: LoadedIndex, phrase: str
) -> None:
    with pytest.raises(ValueError):
        trace_index(seeds, phrase)
    assert trace_view.problem(phrase)


def test_k_lists_the_earliest_uses_and_the_counts_still_cover_all(seeds: LoadedIndex) -> None:
    every = trace_index(seeds, "专门协商机构")
    cut = trace_index(seeds, "专门协商机构", k=3)
    assert cut.occurrences == every.occurrences[:3]
    assert (cut.total, cut.per_year, cut.latest) == (every.total, every.per_year, every.latest)


def test_only_passages_that_nearly_hold_the_phrase_are_compared(seeds: LoadedIndex) -> None:
    compared = candidates(seeds, "两个确立")
    holding = {i for i, p in enumerate(seeds.passages) if "两个确立" in p.text}
    assert holding <= set(compared.tolist()) and len(compared) < len(seeds.passages) / 4


# -- the matching rule -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("大家有事多商量，有事好商量。", [("有事多商量", "substituted"), ("有事好商量", "exact")]),
        ("有事好好商量", [("有事好好商量", "inserted")]),
        ("有事商量", [("有事商量", "deleted")]),
        ("凡事好商量", []),  # the first character changed: no longer anchored
        ("有事好商量好", [("有事好商量", "exact")]),
        ("有事好，商量", []),  # a mark the phrase does not have
    ],
)
def test_variants_keep_the_first_and_last_characters_and_differ_by_few_edits(
    text: str, expected: list[tuple[str, str]]
) -> None:
    within = Letters(text)
    spans = find(Letters("有事好商量"), within)
    assert [(within.chars[s.start : s.end], s.kind) for s in spans] == expected


def test_a_number_is_not_found_inside_a_longer_one() -> None:
    assert find(Letters("两个确立"), Letters("坚持十二个确立")) == []
    assert [s.kind for s in find(Letters("两个确立"), Letters("坚持两个确立"))] == ["exact"]


# -- on tiny documents: headings, reorderings, the public API, the export ----------------------


def test_a_heading_is_searched_once_and_reordered_clauses_are_a_variant(tiny: Path) -> None:
    index = load_index(tiny)
    found = trace_index(index, "有事好商量")
    assert [o.in_heading for o in found.occurrences].count(True) == 1
    heading = next(o for o in found.occurrences if o.in_heading)
    assert heading.section == "一、坚持有事好商量" and heading.match == "有事好商量"
    assert [o.source for o in found.occurrences] == ["a.txt"] * 3 + ["b.txt"] * 2 + ["c.txt"]
    assert [(v.match, v.kind) for v in found.variants] == [("有事多商量", "substituted")]
    clauses = trace_index(index, VARIANT_PHRASE)
    (swapped,) = clauses.variants
    assert (swapped.match, swapped.kind) == ("众人的事情由众人商量、有事好商量", "reordered")


def test_the_public_api_traces_the_default_index(
    tiny_retriever: Retriever, monkeypatch: pytest.MonkeyPatch
) -> None:
    search_module = importlib.import_module("qa.retrieve.defaults")
    monkeypatch.setattr(search_module, "default_retriever", lambda: tiny_retriever)
    found = qa.trace("有事好商量")
    assert isinstance(found, qa.Trace) and found.total == 6
    assert found == qa.trace("有事好商量", retriever=tiny_retriever)
    assert [y.year for y in found.per_year] == ["2021", "2023", None]


def test_the_page_escapes_document_text_and_names_each_use_with_its_passage(tiny: Path) -> None:
    found = trace_index(load_index(tiny), "有事好商量")
    page = trace_view.result_html(found)
    assert "<b>" not in page and "&lt;b&gt;" in page
    assert page.count('class="qa-trace-open"') == found.total + found.total_variants
    assert "首次使用：2021年3月1日" in page and "最近使用：2023年5月6日" in page
    assert "变体·改字" in page
    body = next(o for o in found.occurrences if not o.in_heading)
    # Numbered in the whole document as the reader and the citation number it, section beside it.
    assert f'<span class="qa-trace-place">{html.escape(place(body))}</span>' in page
    assert place(body).startswith(f"第{body.paragraph}")
    assert "全文第" not in page and "部分第" not in page


def test_the_reader_opens_on_the_use_with_the_phrase_marked(tiny: Path) -> None:
    index = load_index(tiny)
    use = trace_index(index, "有事好商量").occurrences[-1]
    view = trace_view.document_view(index, use.passage_id, "有事好商量")
    cited = re.search(r'<div class="qa-doc-p qa-doc-hit" id="[^"]*" data-passage-id="([^"]*)"', view)
    assert cited and html.unescape(cited.group(1)) == use.passage_id
    assert "<mark>有事好商量</mark>" in view


def test_the_trace_is_exported_as_sections_with_citations(tiny_retriever: Retriever) -> None:
    import docx

    from qa.tools.export import to_markdown

    found = trace_index(tiny_retriever.index, "有事好商量")
    overview, uses, variants = trace_view.trace_sections(found, tiny_retriever)
    assert "共出现6处" in overview.items[0].text
    assert [item.text.count("有事好商量") >= 1 for item in uses.items] == [True] * 6
    assert uses.items[0].text == "一、坚持有事好商量" and uses.items[0].note == ""
    # The heading is printed once; its source line names the document and says it is a heading.
    assert uses.items[0].source == "《在县政协全体会议上的讲话》（2021年3月1日），小标题"
    assert all(item.source.startswith("《") for item in uses.items)
    assert all(item.text not in item.source for item in uses.items)
    assert variants.items[0].note == "变体（改字）：有事多商量" and "有事多商量" in variants.items[0].text
    markdown = to_markdown("提法溯源", [overview, uses, variants], tiny_retriever.index.build_id)
    assert "有事多商量" in markdown
    made = trace_view.export_trace(found, tiny_retriever, "docx")
    assert re.fullmatch(r"提法溯源-\d{8}-\d{4}\.docx", made.name)
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(made.content)).paragraphs)
    assert "提法溯源：“有事好商量”" in text and "有事多商量" in text


# -- the command line --------------------------------------------------------------------------


def test_cli_prints_the_uses_with_their_context_then_the_variants_and_counts(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["trace", VARIANT_PHRASE, "--index", str(INDEX)]) == 0
    out = capsys.readouterr().out
    assert f"[{VARIANT_PHRASE}]" in out and "[有事好商量,众人的事由众人商量]" in out
    assert (
        out.index(f"[{VARIANT_PHRASE}]")
        < out.index("Variants")
        < out.index("[有事好商量,众人的事由众人商量]")
    )
    assert "Per document" in out and "Per year" in out


def test_cli_json_is_the_trace(capsys: pytest.CaptureFixture[str], seeds: LoadedIndex) -> None:
    assert main(["trace", "两个确立", "--json", "--index", str(INDEX)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data == json.loads(json.dumps(trace_index(seeds, "两个确立").to_json()))
    assert set(data) >= {"phrase", "occurrences", "variants", "per_document", "per_year", "first", "latest"}
    assert [o["match"] for o in data["occurrences"]] == ["两个确立"] * 4


def test_cli_refuses_a_one_character_phrase(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace", "党", "--index", str(INDEX)]) == 2
    assert "too short" in capsys.readouterr().err


def test_trace_records_are_typed_and_frozen(seeds: LoadedIndex) -> None:
    found: Trace = trace_index(seeds, "两个确立")
    with pytest.raises(AttributeError):
        found.total = 0  # type: ignore[misc]
