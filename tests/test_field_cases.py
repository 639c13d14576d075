"""The field cases (``tests/field_cases/``, copied from shared/field-cases): kinds of documents
users load that were silently lost or garbled, each built into an index and asked about."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from qa.build.builder import build_index
from qa.errors import DocumentError
from qa.ingest import read_document, read_folder
from qa.retrieve.retriever import Retriever

CASES = Path(__file__).parent / "field_cases"


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory, embedder):
    """Build a case's documents into an index once; returns (manifest, retriever)."""
    built: dict[str, tuple[dict, Retriever]] = {}

    def build(case: str, folder: str = "seeds") -> tuple[dict, Retriever]:
        if (case, folder) not in built:
            index = tmp_path_factory.mktemp(case) / "index"
            manifest = build_index(CASES / case / folder, index, embedder)
            built[case, folder] = (manifest, Retriever(index, embedder=embedder))
        return built[case, folder]

    return build


def all_text(retriever: Retriever) -> str:
    return "\n".join(p.text for p in retriever.passages)


def test_a_utf16_text_file_with_a_bom_is_read_and_indexed(indexed) -> None:
    manifest, retriever = indexed("02-utf16-bom")
    assert manifest["skipped"] == {}
    hits = retriever.search("调查研究要坚持什么导向", k=1)
    assert hits and "问题导向" in hits[0].text


@pytest.mark.parametrize("encoding", ["utf-16-be", "utf-32-le", "utf-32-be", "utf-8-sig"])
def test_any_bom_marked_unicode_text_reads_like_its_utf16_original(tmp_path: Path, encoding: str) -> None:
    original = next((CASES / "02-utf16-bom" / "seeds").iterdir())
    text = original.read_bytes().decode("utf-16")
    bom = {"utf-16-be": b"\xfe\xff", "utf-32-le": b"\xff\xfe\x00\x00", "utf-32-be": b"\x00\x00\xfe\xff"}
    (tmp_path / "a.txt").write_bytes(bom.get(encoding, b"") + text.encode(encoding))
    expected = read_document(original)
    assert [p.text for p in read_document(tmp_path / "a.txt").paragraphs] == [
        p.text for p in expected.paragraphs
    ]


@pytest.mark.parametrize(
    ("question", "row"),
    [
        ("老旧小区加装电梯由哪个专委会牵头", "协商议题：推进老旧小区加装电梯；牵头专委会：城建环保委"),
        ("传统村落保护利用由哪个单位牵头", "协商议题：推动传统村落保护利用；牵头专委会：文史学习委"),
    ],
)
def test_docx_tables_are_indexed_wherever_they_stand_a_row_with_its_headers(
    indexed, question: str, row: str
) -> None:
    manifest, retriever = indexed("03-docx-table")
    assert manifest["skipped"] == {}
    hits = retriever.search(question, k=1)
    assert hits and row in hits[0].text
    text = all_text(retriever)
    assert "各牵头单位要在协商会前一个月报送调研报告初稿" in text  # the paragraph after the middle table
    assert "协商议题：加强中小学生心理健康教育；牵头专委会：教科卫体委；时间：九月" in text  # the last row


def test_markdown_sections_after_the_first_and_their_table_are_indexed(indexed) -> None:
    manifest, retriever = indexed("04-md-frontmatter-table")
    assert manifest["documents"]["提案报告.md"]["title"] == "市政协2023年提案工作情况报告"
    assert manifest["documents"]["提案报告.md"]["date"] == "2024-01-16"
    text = all_text(retriever)
    for row in ("项目：收到提案；数量：468件", "项目：经审查立案；数量：412件", "项目：并案处理；数量：21件"):
        assert row in text
    hits = retriever.search("提案办复率是多少", k=1)
    assert hits and "办复率；数量：100%" in hits[0].text
    assert hits[0].section == "二、主要数据"


def test_pdf_running_header_footer_and_page_numbers_go_and_the_split_paragraph_is_rejoined(indexed) -> None:
    manifest, retriever = indexed("08-pdf-running-header")
    text = all_text(retriever)
    for furniture in ("政协某某市委员会办公室编", "征求意见稿", "- 1 -", "- 2 -"):
        assert furniture not in text
    paragraph = (
        "在自身建设方面，我们持续推进机关作风建设，完善了机关内部管理制度，"
        "提高了服务委员、服务常委会的能力和水平。"
    )
    assert paragraph in text
    hits = retriever.search("自身建设方面做了哪些工作", k=1)
    assert hits and paragraph in hits[0].text
    report = manifest["documents"]["常委会报告.pdf"]["cleaning"]
    assert report["removed"]["pdf-running-header"] > 0 and report["removed"]["pdf-page-number"] > 0


@pytest.mark.parametrize("folder", ["seeds", "seeds_b"])
def test_big5_text_is_decoded_not_indexed_as_mojibake(folder: str) -> None:
    report = read_folder(CASES / "11-big5" / folder)
    assert report.skipped == {}
    (document,) = report.documents
    assert document.title == "在委員聯誼會上的講話"
    assert document.paragraphs[0].text.startswith("委員聯誼會要發揮聯繫港澳委員的橋樑作用")


def test_bytes_that_read_as_chinese_in_no_encoding_are_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "乱码.txt"
    path.write_bytes(bytes(range(0x81, 0xFF)) * 3)
    with pytest.raises(
        DocumentError, match=r"^乱码\.txt: cannot tell the encoding of this file .* save it as UTF-8"
    ):
        read_document(path)


def test_a_last_paragraph_without_a_full_stop_is_indexed_and_found(indexed) -> None:
    manifest, retriever = indexed("15-last-line-no-stop")
    assert manifest["documents"]["调研讲话.txt"]["cleaning"]["removed"] == {}
    hits = retriever.search("调研报告什么时候报送", k=1)
    assert hits and "调研报告要在八月底前报送市政协办公室，由主席会议审议后报送市委" in hits[0].text


def test_field_case_copies_are_byte_identical_to_the_shared_originals() -> None:
    # The checksums were taken from ../shared/field-cases; where that folder is present
    # (a session's machine, not every CI clone) the copies are compared to it as well.
    listed = {}
    for line in (Path(__file__).parent / "field_cases_sha256.txt").read_text("utf-8").splitlines():
        digest, name = line.split("  ", 1)
        listed[name] = digest
    copies = {str(p.relative_to(CASES)): p for p in CASES.rglob("*") if p.is_file()}
    assert sorted(copies) == sorted(listed)
    for name, copy in copies.items():
        assert hashlib.sha256(copy.read_bytes()).hexdigest() == listed[name], name
    shared = Path(__file__).resolve().parents[2] / "shared" / "field-cases"
    for name, copy in copies.items() if shared.is_dir() else ():
        assert copy.read_bytes() == (shared / name).read_bytes(), name
