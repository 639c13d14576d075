"""The archive as an office keeps it (issue 18): .doc/.wps/.rtf/.odt, spreadsheets, slides, .mht,
OFD and .zip, password-protected and truncated files, Word's automatic numbering.

The files are the committed corpus of ``tests/fixtures/formats`` (fictional documents made by
``generator/make_corpus.py``, with ``corpus/questions.json``) and four OFD files of
github:ofdrw/ofdrw; archives, zip bombs and broken files are made here. The LibreOffice tests
need Debian's LibreOffice, which ``make test`` installs (``make office``).
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from qa.errors import DocumentError
from qa.ingest.archive import read_archive
from qa.ingest.convert import soffice
from qa.ingest.documents import read_data, read_document, read_folder
from qa.ingest.formats import extract
from qa.ingest.sheets import header_row
from qa.passages.cutting import make_passages, paragraphs_with_headings

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "formats"
CORPUS = FIXTURES / "corpus"
OFDRW = FIXTURES / "ofdrw"
# Outside CI a developer without LibreOffice sees these skipped; under CI (`make test` installs
# it) a missing LibreOffice fails them instead.
needs_libreoffice = pytest.mark.skipif(
    soffice() is None and not os.environ.get("CI"),
    reason="LibreOffice is not installed: run `make office` (make test does)",
)


def text_of(name: str) -> str:
    path = CORPUS / name
    return extract(path.read_bytes(), path.suffix, name).text


# -- spreadsheets ----------------------------------------------------------------------------------


def test_an_xlsx_row_keeps_each_cell_beside_its_header_found_below_a_title_row() -> None:
    extracted = extract((CORPUS / "proposals_2024.xlsx").read_bytes(), ".xlsx", "proposals_2024.xlsx")
    lines = extracted.text.splitlines()
    assert lines[0] == "提案办理情况"  # the sheet's name, a heading
    assert extracted.kinds[0] == "heading"
    assert "政协青川市第十四届委员会第三次会议提案办理情况一览表" in lines  # the title row, not the header
    row = next(line for line in lines if "20240045" in line)
    # 承办单位 is one cell merged over the rows of 20240012 and 20240045: carried into both
    assert row.startswith("案号：20240045；标题：关于加强城市排水防涝设施建设的提案；")
    assert "承办单位：市住房城乡建设局" in row
    assert "统计" in lines and "办理结果：A类；件数：4" in lines  # the second sheet


@pytest.mark.parametrize(
    ("name", "row", "cell"),
    [
        ("proposals_2023.xls", "20230019", "办理结果：A类"),
        ("proposals_2022.et", "关于推进县域医共体建设的提案", "提案人：邓子豪"),
    ],
)
def test_an_excel_97_workbook_and_a_wps_et_are_read_by_xlrd_with_merged_cells(
    name: str, row: str, cell: str
) -> None:
    extracted = extract((CORPUS / name).read_bytes(), Path(name).suffix, name)
    assert extracted.reading.reader.startswith("xlrd ")
    line = next(line for line in extracted.text.splitlines() if row in line)
    assert cell in line


def test_a_gbk_csv_as_excel_saves_it_is_read_row_by_row() -> None:
    lines = text_of("members_gbk.csv").splitlines()
    assert lines[0] == "姓名；性别；界别；工作单位及职务；所在专门委员会"
    chen = next(line for line in lines if line.startswith("姓名：陈雨桐"))
    assert "界别：科学技术界" in chen and "所在专门委员会：教科卫体委员会" in chen


def test_the_header_row_is_the_first_that_fills_the_columns_with_labels() -> None:
    rows = [["2024年提案一览"], ["案号", "标题", "承办单位"], ["1", "关于…的提案", "市水利局"]]
    assert header_row(rows) == 1
    assert header_row([["1", "2", "3"], ["4", "5", "6"]]) == 0


# -- slides -----------------------------------------------------------------------------------------


def test_slides_keep_titles_text_and_speaker_notes_with_their_slide_numbers(tmp_path: Path) -> None:
    document = read_document(CORPUS / "training.pptx")
    assert document.reading.page_unit == "slide" and document.reading.reader.startswith("python-pptx")
    passages = make_passages(document)
    notes = next(p for p in passages if "委员每年至少提交1件提案" in p.text)
    assert "备注：" in notes.text  # the fact is in the speaker notes only
    assert notes.page >= 2 and notes.page_label.endswith("张幻灯片")
    assert {p.page for p in passages} >= {1, 2}


# -- Word: numbering, old formats through LibreOffice -------------------------------------------------


def test_word_automatic_numbers_are_written_as_word_shows_them() -> None:
    banfa = text_of("regulation_banfa.docx").splitlines()
    assert "第三章 履职积分" in banfa
    assert any(line.startswith("第十二条 委员年度履职积分低于60分的") for line in banfa)
    assert any(
        line.startswith("第十五条 本办法自2024年3月1日起施行") for line in banfa
    )  # no restart per chapter
    assert any(line.startswith("（三）参加视察、调研和考察活动") for line in banfa)
    plan = text_of("work_plan_numbering.docx").splitlines()
    for label, words in [
        ("八、", "做好社情民意信息工作"),
        ("十二、", "组织开展委员履职能力提升培训"),
        ("第九十八次 ", "主席会议"),
        ("第一○○次 ", "主席会议"),
        ("丙、", "文史委员会牵头"),
        ("贰、", "预算资金三百一十万元"),
        ("⑤", "完成调研报告"),
        ("三、", "海峽文化論壇"),
    ]:
        assert any(line.startswith(label) and words in line for line in plan), label


def test_a_numbered_article_is_a_passage_of_its_own_and_can_be_found_by_its_number() -> None:
    passages = make_passages(read_document(CORPUS / "regulation_banfa.docx"))
    article = next(p for p in passages if "第十二条" in p.text)
    assert article.text.startswith("第十二条 委员年度履职积分低于60分的")
    assert "第十一条" not in article.text and "第十三条" not in article.text


@needs_libreoffice
@pytest.mark.parametrize(
    ("name", "words"),
    [
        (
            "regulation_legacy.doc",
            "第八条 承办单位一般应当在收到提案之日起三个月内办理完毕",
        ),  # numbering kept
        ("minutes.wps", "市政协主席林振华在市政协机关主持召开十四届第二十三次主席会议"),  # a .doc inside
        ("proposal_guide.wpt", "提案正文字数一般不超过2500字"),
        ("research.rtf", "现存城墙遗址3.8公里"),
        ("reply_letter.odt", "2024年已在全市38所中小学设立非遗传承教学点"),
    ],
)
def test_old_and_foreign_word_files_are_read_through_libreoffice(name: str, words: str) -> None:
    document = read_document(CORPUS / name)
    assert document.reading.reader.startswith("LibreOffice ") and "python-docx" in document.reading.reader
    assert any(words in p.text for p in document.paragraphs)


@needs_libreoffice
def test_a_ppt_is_read_through_libreoffice_with_its_notes() -> None:
    document = read_document(CORPUS / "consult_legacy.ppt")
    assert document.reading.page_unit == "slide" and "python-pptx" in document.reading.reader
    assert any("锦江社区通过三轮协商新增停车位420个" in p.text for p in document.paragraphs)


def test_random_bytes_named_wps_are_refused_without_a_conversion() -> None:
    junk = bytes((i * 37 + 11) % 256 for i in range(4096))
    with pytest.raises(DocumentError, match=r"^x\.wps: is not a Word or WPS document \(its bytes"):
        extract(junk, ".wps", "x.wps")


def test_a_docx_that_is_really_an_old_doc_or_rtf_is_read_as_what_it_is() -> None:
    data = (CORPUS / "news.mht").read_bytes()  # a saved web page named .doc: common in old archives
    assert "开展暗访检查9次" in extract(data, ".doc", "x.doc").text


def test_a_hung_conversion_is_killed_with_its_whole_process_group(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # An soffice that never finishes and leaves a child behind, as a hung LibreOffice does: the
    # real one, started warm, sometimes converts within the 1 s deadline (a flaky test).
    fake = tmp_path / "bin" / "soffice"
    fake.parent.mkdir()
    # The child keeps no pipe of ours open: only killing the group ends it before the check.
    script = '#!/bin/bash\nbash -c "sleep 120; true" "$@" >/dev/null 2>&1 &\nsleep 60\n'
    fake.write_text(script, encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("QA_CONVERT_TIMEOUT", "1")
    with pytest.raises(DocumentError, match=r"^r\.doc: LibreOffice did not finish converting it within 1 s"):
        extract((CORPUS / "report_legacy.doc").read_bytes(), ".doc", "r.doc")
    left = subprocess.run(["pgrep", "-f", "qa-convert-"], capture_output=True, text=True).stdout.split()
    assert left == [], "no soffice of this conversion outlives it"


# -- saved pages, OFD -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("news.mht", "开展暗访检查9次，发现问题线索27条"),
        ("member_profile.mhtml", "累计开展义诊260余场，服务群众1.8万人次"),
    ],
)
def test_a_saved_page_is_decoded_by_its_charset_and_transfer_encoding(name: str, words: str) -> None:
    extracted = extract((CORPUS / name).read_bytes(), Path(name).suffix, name)
    assert words in extracted.text
    assert extracted.reading.reader.startswith("email (MIME) → trafilatura")


def test_an_ofd_is_read_page_by_page_in_reading_order_with_its_metadata() -> None:
    document = read_document(CORPUS / "notice_plan.ofd")
    assert document.title == "政协青川市委员会办公室关于印发《政协青川市委员会2024年度协商计划》的通知"
    assert document.metadata["文号"] == "青政协办发〔2024〕5号"
    body = "\n".join(p.text for p in document.paragraphs)
    assert (
        "2024年全年安排协商议题16项，其中专题议政性常委会议2次、专题协商会5次" in body
    )  # lines joined in order
    assert {page for _, page in document.reading.pages} == {1, 2}
    assert "于每次协商活动结束后15个工作日内报送协商成果" in body


@pytest.mark.parametrize(("name", "words", "pages"), [
    ("ofdrw-converter__n.ofd", "你院《关于给张阿三同志辞职的请示》（路中医发〔2011〕10号）收悉。", 2),
    ("ofdrw-converter__testPathFillOpacity.ofd", "你区需尽快落实南货场铁路涵洞下穿建设方案", 1),
    ("ofdrw-crypto__hello.ofd", "中国一向是所谓“闭关主义”，自己不去，别人也不许来。", 2),
    ("ofdrw-converter__999.ofd", "发票号码：12235358", 5),
])  # fmt: skip
def test_real_ofd_files_are_read_and_their_seals_ignored(name: str, words: str, pages: int) -> None:
    extracted = extract((OFDRW / name).read_bytes(), ".ofd", name)
    assert words in extracted.text
    assert len({page for _, page in extracted.reading.pages}) == pages
    assert "iOFD" not in extracted.text  # the writing software is no issuing authority


# -- archives ------------------------------------------------------------------------------------------


def test_a_zip_from_windows_is_read_member_by_member_with_gbk_names(tmp_path: Path) -> None:
    shutil.copy(CORPUS / "archive_2024.zip", tmp_path)
    report = read_folder(tmp_path)
    assert [d.source for d in report.documents] == [
        "archive_2024.zip/2024年档案/一季度/市政协十四届第二十一次主席会议纪要.txt",
        "archive_2024.zip/2024年档案/二季度/社情民意/社情民意信息（第15期）.docx",
        "archive_2024.zip/2024年档案/说明.txt",
    ]
    assert report.skipped == {} and set(report.archives) == {"archive_2024.zip"}


def zip_of(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


SPEECH = "各位委员：市政协今年共收到提案六百一十二件，立案五百四十八件，办复率百分之百。".encode()


def test_a_member_that_climbs_out_is_refused_and_an_unsupported_one_listed(tmp_path: Path) -> None:
    (tmp_path / "a.zip").write_bytes(
        zip_of({"../evil.txt": SPEECH, "ok/讲话.txt": SPEECH, "ok/x.exe": b"MZ"})
    )
    report = read_folder(tmp_path)
    assert [d.source for d in report.documents] == ["a.zip/ok/讲话.txt"]
    assert "climbs out of the archive" in report.skipped["a.zip/../evil.txt"]
    assert "unsupported file type '.exe'" in report.skipped["a.zip/ok/x.exe"]
    assert not (tmp_path.parent / "evil.txt").exists()


def test_a_zip_bomb_is_refused_by_name_and_the_rest_of_the_folder_indexed(tmp_path: Path) -> None:
    (tmp_path / "bomb.zip").write_bytes(zip_of({"ok.txt": SPEECH, "zeros.txt": b"\0" * (40 * 2**20)}))
    (tmp_path / "good.txt").write_bytes(SPEECH)
    report = read_folder(tmp_path)
    assert [d.source for d in report.documents] == ["good.txt"]
    assert report.skipped["bomb.zip"].startswith("bomb.zip: refused as a zip bomb: its member zeros.txt")
    assert not any(name.startswith("bomb.zip/") for name in report.skipped)


def test_a_nested_archive_is_read_and_members_are_named_by_their_whole_path(tmp_path: Path) -> None:
    inner = zip_of({"会议/讲话.txt": SPEECH})
    (tmp_path / "outer.zip").write_bytes(zip_of({"2023/inner.zip": inner}, zipfile.ZIP_STORED))
    assert [item.name for item in read_archive(tmp_path / "outer.zip", "outer.zip")] == [
        "2023/inner.zip/会议/讲话.txt"
    ]


def test_an_archive_is_not_stale_after_its_build_and_its_members_are_reused(
    tmp_path: Path, fake_embedder
) -> None:
    from qa.build.builder import build_index
    from qa.index.load import stale_reasons

    seeds, index = tmp_path / "seeds", tmp_path / "index"
    seeds.mkdir()
    shutil.copy(CORPUS / "archive_2024.zip", seeds)
    (seeds / "bad.zip").write_bytes(zip_of({"x.exe": b"MZ", "讲话.txt": SPEECH}))
    first = build_index(seeds, index, fake_embedder)
    assert "bad.zip/x.exe" in first["skipped"] and "bad.zip/讲话.txt" in first["documents"]
    assert stale_reasons(index, seeds) == []
    again = build_index(seeds, index, fake_embedder)
    assert again["build"]["documents_reused"] == 4 and again["build"]["documents_read"] == 0
    (seeds / "bad.zip").write_bytes(zip_of({"讲话.txt": SPEECH + "新增一句。".encode()}))
    assert stale_reasons(index, seeds) == ["changed document bad.zip"]


# -- protected and damaged files ----------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "reason"), [
    ("locked_member_form.docx", "is password-protected; save an unprotected copy"),
    ("locked_attendance.doc", "is password-protected; save an unprotected copy"),
    ("locked_budget.pdf", "is encrypted with a password"),
    ("truncated_study_plan.docx", r"is damaged or incomplete \(truncated\?\)"),
    ("truncated_archive_rules.doc", r"is damaged or incomplete \(truncated\?\)"),
    ("truncated_reception.pdf", "is not a readable PDF file"),
])  # fmt: skip
def test_protected_and_truncated_files_are_named_with_their_reason_and_the_rest_indexed(
    tmp_path: Path, name: str, reason: str
) -> None:
    shutil.copy(CORPUS / name, tmp_path)
    shutil.copy(CORPUS / "members_gbk.csv", tmp_path)
    report = read_folder(tmp_path)
    assert [d.source for d in report.documents] == ["members_gbk.csv"]
    assert list(report.skipped) == [name]
    assert pytest.importorskip("re").search(rf"^{name}: {reason}", report.skipped[name])


def test_an_encrypted_xlsx_or_pptx_is_password_protected_too() -> None:
    import msoffcrypto.format.ooxml

    for name in ("proposals_2024.xlsx", "training.pptx"):
        locked = io.BytesIO()
        msoffcrypto.format.ooxml.OOXMLFile(io.BytesIO((CORPUS / name).read_bytes())).encrypt("pw", locked)
        with pytest.raises(DocumentError, match="is password-protected"):
            extract(locked.getvalue(), Path(name).suffix, name)


# -- large documents ---------------------------------------------------------------------------------------


def test_the_size_limit_is_one_setting_and_every_message_gives_the_same_number(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qa.errors import AdminError
    from qa.tools.documents import DocumentManager

    monkeypatch.setenv("QA_MAX_DOCUMENT_MB", "1")
    big = tmp_path / "big.txt"
    big.write_bytes(SPEECH * (int(1.5 * 2**20) // len(SPEECH)))
    (tmp_path / "seeds").mkdir()
    shutil.copy(big, tmp_path / "seeds")
    skipped = read_folder(tmp_path / "seeds").skipped["big.txt"]
    assert "is 1.5 MB, over the 1 MB limit" in skipped
    with pytest.raises(AdminError, match=r"文件大小 1\.5 MB，超过 1 MB 的上限"):
        DocumentManager(tmp_path / "seeds", tmp_path / "index").upload("big2.txt", big)


def test_a_large_docx_full_of_photos_is_read_without_its_images(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("年鉴正文：2023年全市政协委员共提交提案612件。")
    photo = tmp_path / "photo.png"
    from PIL import Image

    Image.frombytes("RGB", (1400, 1400), os.urandom(1400 * 1400 * 3)).save(photo)  # ~6 MB, incompressible
    document.add_picture(str(photo))
    out = io.BytesIO()
    document.save(out)
    assert len(out.getvalue()) > 5 * 2**20
    assert "共提交提案612件" in read_data(out.getvalue(), "年鉴.docx").paragraphs[0].text


# -- one-line notices -------------------------------------------------------------------------------------


def test_a_one_line_notice_without_spaces_has_its_title_number_and_signature_found(tmp_path: Path) -> None:
    line = (
        "青川市卫生健康委员会关于做好健康申报证明办理工作的通知青卫发〔2020〕12号各区卫生健康局：为做好办理工作，"
        "现就有关事项通知如下：（一）办理对象为返岗复工人员。（十）健康申报证明从2月17日开始办理，至疫情解除为止。"
        "青川市卫生健康委员会2020年2月16日"
    )
    document = read_document(_write(tmp_path / "n.txt", line))
    assert document.title == "青川市卫生健康委员会关于做好健康申报证明办理工作的通知"
    assert document.metadata["文号"] == "青卫发〔2020〕12号" and document.date == "2020-02-16"
    moved = document.report.removed["moved-to-metadata"]
    assert moved == len("青卫发〔2020〕12号青川市卫生健康委员会2020年2月16日")
    assert document.report.chars_kept + sum(document.report.removed.values()) == document.report.chars_read


def test_a_document_that_would_be_all_metadata_keeps_its_text_as_body(tmp_path: Path) -> None:
    document = read_document(_write(tmp_path / "m.txt", "市政协主席 林振华\n2024年2月20日"))
    assert [p.text for p in document.paragraphs] == ["市政协主席 林振华", "2024年2月20日"]
    assert "moved-to-metadata" not in document.report.removed


def test_a_numbered_item_that_is_a_whole_sentence_is_not_a_heading() -> None:
    from qa.ingest.tracked import TrackedText

    item = "（十）健康申报证明从2月17日开始办理，至新冠肺炎疫情解除为止。"
    paragraphs = paragraphs_with_headings([TrackedText.from_source(item)])
    assert [(p.text.text, p.headings) for p in paragraphs] == [(item, ())]
    heading = paragraphs_with_headings(
        [TrackedText.from_source(t) for t in ("（一）加强组织领导。", "各单位要高度重视。")]
    )
    assert heading[0].headings == ("（一）加强组织领导",)


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# -- accounting -----------------------------------------------------------------------------------------


def test_the_document_panel_says_how_many_files_were_not_read_with_the_list_one_click_away() -> None:
    from qa.ui.chat.service import skipped_html

    html = skipped_html(
        {"a.doc": "a.doc: is password-protected; save an unprotected copy", "b<.xyz": "b<.xyz: x"}
    )
    assert "另有 2 个文件未能读取" in html and html.startswith('<details class="qa-skipped">')
    assert "已加密，请另存为无密码副本" in html and "<b>b&lt;" in html
    assert skipped_html({}) == ""


def test_an_uploaded_zip_is_checked_member_by_member(tmp_path: Path) -> None:
    from qa.tools.documents import DocumentManager

    manager = DocumentManager(tmp_path / "seeds", tmp_path / "index")
    done = manager.upload("档案.zip", CORPUS / "archive_2024.zip")
    assert done.title == "压缩包：3 篇文档" and (tmp_path / "seeds" / "档案.zip").is_file()
