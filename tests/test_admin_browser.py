"""The 文档管理 tab end to end: ``app.py`` on its own copy of the seeds and index, with two logins.

The administrator uploads a Word document, rebuilds, edits its date, finds its passage in the
chat, removes it (typing its title) and rebuilds, restores it from the trash and rebuilds
again; the other user sees no tab and is refused when calling the upload handler directly.
The repository's ``seeds/`` and ``index/`` are never touched.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import INDEX, SEEDS, page_context
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect
from test_app_browser import (
    ANSWER_TIMEOUT_MS,
    DESKTOP,
    LATIN_WORD,
    ask,
    screenshot,
    serving,
)

from qa.ingest import SUPPORTED_SUFFIXES

ADMIN, STAFF = ("admin", "管理员的密码-1"), ("staff", "staff-pw-2")
TITLE = "关于口述史料抢救工程的讲话"
SENTENCE = "我们要把口述史料抢救工程做成政协文史工作的金字招牌，让亲历者的记忆完整留存下来。"
QUESTION = "口述史料抢救工程要做成什么？"
BUILD_TIMEOUT_MS = 180_000


def _folder(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_size for p in folder.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def admin_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """``app.py`` serving copies of the seeds and index, with an administrator and another login."""
    repo_before = (_folder(SEEDS), _folder(INDEX))
    root = tmp_path_factory.mktemp("admin-app")
    seeds, index = root / "seeds", root / "index"
    shutil.copytree(SEEDS, seeds)
    shutil.copytree(INDEX, index)
    logins = root / "logins.txt"
    logins.write_text("\n".join(":".join(login) for login in (ADMIN, STAFF)) + "\n", encoding="utf-8")
    env = {
        **os.environ,
        "QA_SEEDS_DIR": str(seeds),
        "QA_INDEX_DIR": str(index),
        "QA_AUTH_FILE": str(logins),
        "QA_ADMIN": ADMIN[0],
        "QA_FEEDBACK_FILE": str(root / "feedback.jsonl"),
    }
    env.pop("QA_AUTH", None)
    with serving(env, root, root / "app.log") as url:
        yield url, seeds
    assert (_folder(SEEDS), _folder(INDEX)) == repo_before, "the repository's seeds and index are untouched"


def logged_in(browser, url: str, login: tuple[str, str]):  # type: ignore[no-untyped-def]
    """A page of the app, logged in as ``login`` (late frames, as all pages of the browser tests)."""
    context = page_context(browser, viewport=DESKTOP, locale="zh-CN")
    response = context.request.post(f"{url}/login", form={"username": login[0], "password": login[1]})
    assert response.ok, response.text()
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.accept()))
    page.goto(url)
    page.wait_for_selector("#qa-question textarea", timeout=ANSWER_TIMEOUT_MS)
    return page


def shows(page, locator, text: str) -> None:  # type: ignore[no-untyped-def]
    """Wait until ``locator`` shows ``text``; on timeout fail with what it and the chosen document show."""
    try:
        locator.get_by_text(text).wait_for(timeout=ANSWER_TIMEOUT_MS)
    except PlaywrightTimeout:
        chosen = page.locator("#qa-admin-doc input").input_value()
        pytest.fail(f"waited for {text!r}; it shows {locator.inner_text()!r}, the chosen document {chosen!r}")


def rebuild(page) -> str:  # type: ignore[no-untyped-def]
    """Press 重建索引, see the progress, wait for the outcome; the status text."""
    status = page.locator("#qa-admin-status")
    page.click("#qa-admin-rebuild")
    status.get_by_text("正在重建索引").wait_for(timeout=ANSWER_TIMEOUT_MS)  # the progress
    page.wait_for_function(
        "/重建完成|重建失败/.test(document.querySelector('#qa-admin-status').innerText)",
        timeout=BUILD_TIMEOUT_MS,
    )
    return str(status.inner_text())


def test_the_administrator_uploads_edits_removes_by_title_and_restores_a_document(
    browser, admin_server, tmp_path: Path
) -> None:
    import docx

    url, seeds = admin_server
    speech = docx.Document()
    speech.add_paragraph(TITLE, style="Title")
    speech.add_paragraph(SENTENCE)
    file = tmp_path / "口述史料讲话.docx"
    speech.save(str(file))

    page = logged_in(browser, url, ADMIN)
    before = ask(page, QUESTION)
    assert SENTENCE[:12] not in before.inner_text(), "the seeds do not hold the new speech"

    page.get_by_role("tab", name="文档管理").click()
    documents = page.locator("#qa-admin-docs")
    documents.get_by_text("001_ec7618cb6664527d.txt").wait_for(timeout=ANSWER_TIMEOUT_MS)
    page.locator("#qa-admin-files input[type=file]").set_input_files(str(file))
    page.locator("#qa-admin-files").get_by_text(file.stem).wait_for(timeout=ANSWER_TIMEOUT_MS)
    page.click("#qa-admin-upload")
    result = page.locator("#qa-admin-result")
    shows(page, result, "已保存")
    assert TITLE in result.inner_text()
    assert (seeds / file.name).read_bytes() == file.read_bytes()
    row = documents.locator("tr", has_text=file.name)
    assert "新文件，待重建" in row.inner_text()

    status = rebuild(page)
    assert "重建完成" in status and "读取 1 篇" in status, status
    assert "已索引" in documents.locator("tr", has_text=file.name).inner_text()

    choose(page, file.name)
    report = page.locator("#qa-admin-report")
    report.get_by_text("读入").wait_for(timeout=ANSWER_TIMEOUT_MS)
    assert f"《{TITLE}》" in report.inner_text() and "保留" in report.inner_text()

    # The title, date and speaker edited on the page: stored beside the file, applied by the rebuild.
    # The fields show what was read once the choice's values reached them.
    page.locator("#qa-admin-meta-title [placeholder^='读取所得']").wait_for(timeout=ANSWER_TIMEOUT_MS)
    typed(page, "qa-admin-meta-date", "三月五日")
    # The dropdown, opened and left (Gradio sends its input event on the blur): what was typed stays.
    page.locator("#qa-admin-doc input").click()
    field(page, "qa-admin-meta-speaker").click()
    page.locator("#qa-admin-report").get_by_text("读入").wait_for(timeout=ANSWER_TIMEOUT_MS)
    page.wait_for_timeout(1500)
    expect(field(page, "qa-admin-meta-date")).to_have_value("三月五日")
    page.click("#qa-admin-meta-save")
    shows(page, result, "不是日期")
    assert not (seeds / ".qa-meta.json").exists(), "a date that is no date is not stored"
    typed(page, "qa-admin-meta-date", "2024年3月5日")
    typed(page, "qa-admin-meta-speaker", "王五")
    page.click("#qa-admin-meta-save")
    shows(page, result, "已保存")
    assert '"date": "2024-03-05"' in (seeds / ".qa-meta.json").read_text(encoding="utf-8")
    assert "待重建" in documents.locator("tr", has_text=file.name).inner_text()
    assert "已手工设定" in report.inner_text() and "王五" in report.inner_text()
    assert "重建完成" in rebuild(page)
    assert "2024年3月5日" in documents.locator("tr", has_text=file.name).inner_text()

    page.get_by_role("tab", name="问答").click()
    first = ask(page, QUESTION).locator(".qa-card").first
    assert SENTENCE[:20] in first.locator(".qa-text").inner_text()
    assert f"《{TITLE}》" in first.locator(".qa-source").inner_text()
    assert "2024年3月5日" in first.locator(".qa-source").inner_text(), "the edited date is the card's"
    assert any(TITLE in text for text in page.locator("#qa-docs").all_inner_texts()), "the panel lists it"

    # Removal: the choice names title, date and file; the title must be typed; the file goes to the trash.
    page.get_by_role("tab", name="文档管理").click()
    choose(page, file.name)
    prompt = page.locator("#qa-admin-confirm-prompt")
    prompt.get_by_text(file.name).wait_for(timeout=ANSWER_TIMEOUT_MS)
    # Under load the prompt can show a render from before the edit for a moment: wait for the date.
    prompt.get_by_text("2024年3月5日").wait_for(timeout=ANSWER_TIMEOUT_MS)
    assert f"《{TITLE}》" in prompt.inner_text() and "2024年3月5日" in prompt.inner_text()
    field(page, "qa-admin-confirm").fill("在市政协工作座谈会上的讲话")  # another document's title
    page.click("#qa-admin-remove")
    shows(page, result, "不符")
    assert (seeds / file.name).exists(), "a wrong title removes nothing"
    field(page, "qa-admin-confirm").fill(TITLE)
    page.locator("#qa-admin-doc").scroll_into_view_if_needed()
    screenshot(page, "admin.png", tmp_path)
    page.click("#qa-admin-remove")
    shows(page, result, "移入回收站")
    assert f"《{TITLE}》" in result.inner_text() and file.name in result.inner_text()
    assert not (seeds / file.name).exists()
    assert [p.read_bytes() for p in (seeds / ".trash").glob(f"*/{file.name}")] == [file.read_bytes()]
    assert "重建后从回答中消失" in documents.locator("tr", has_text=file.name).inner_text()
    status = rebuild(page)
    assert "从索引中移除 1 篇文档" in status and TITLE in status, status
    assert documents.locator("tr", has_text=file.name).count() == 0
    page.get_by_role("tab", name="问答").click()
    assert SENTENCE[:12] not in ask(page, QUESTION).inner_text()

    # The trash survived the rebuild; restoring puts the file and its edited date back.
    page.get_by_role("tab", name="文档管理").click()
    trash = page.locator("#qa-admin-trash")
    trash.get_by_text(TITLE).wait_for(timeout=ANSWER_TIMEOUT_MS)
    assert file.name in trash.inner_text() and "page:admin" in trash.inner_text()
    page.locator("#qa-admin-trash-pick input").click()
    page.get_by_role("option", name=re.compile(re.escape(file.name))).click()
    page.click("#qa-admin-restore")
    shows(page, result, "已恢复")
    assert (seeds / file.name).read_bytes() == file.read_bytes()
    assert "回收站是空的" in trash.inner_text()
    log = [json.loads(line) for line in (seeds / ".qa-log.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(e["action"], e["who"]) for e in log] == [
        ("meta", "page:admin"),
        ("remove", "page:admin"),
        ("restore", "page:admin"),
    ]
    assert "重建完成" in rebuild(page)
    page.get_by_role("tab", name="问答").click()
    first = ask(page, QUESTION).locator(".qa-card").first
    assert SENTENCE[:20] in first.locator(".qa-text").inner_text()
    assert "2024年3月5日" in first.locator(".qa-source").inner_text()
    page.context.close()


def choose(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """Pick the document whose choice (《title》 · date · file) names the file ``name``."""
    page.locator("#qa-admin-doc input").click()
    page.get_by_role("option", name=re.compile(re.escape(name))).click()


def field(page, elem_id: str):  # type: ignore[no-untyped-def]
    """The text field of the Gradio textbox ``elem_id``."""
    return page.locator(f"#{elem_id}").locator("textarea, input").first


def typed(page, elem_id: str, text: str) -> None:  # type: ignore[no-untyped-def]
    """Type ``text`` into the Gradio textbox ``elem_id`` and see that it holds it."""
    field(page, elem_id).fill(text)
    expect(field(page, elem_id)).to_have_value(text, timeout=ANSWER_TIMEOUT_MS)


def test_an_unreadable_upload_is_refused_on_the_page_with_the_reason(browser, admin_server) -> None:
    url, seeds = admin_server
    before = sorted(p.name for p in seeds.iterdir())
    page = logged_in(browser, url, ADMIN)
    page.get_by_role("tab", name="文档管理").click()
    page.locator("#qa-admin-files input[type=file]").set_input_files(
        {"name": "扫描件.pdf", "mimeType": "application/pdf", "buffer": b"not a pdf, only its name says so"}
    )
    page.locator("#qa-admin-files").get_by_text("扫描件").wait_for(timeout=ANSWER_TIMEOUT_MS)
    page.click("#qa-admin-upload")
    refused = page.locator("#qa-admin-result").get_by_text("未保存")
    refused.wait_for(timeout=ANSWER_TIMEOUT_MS)
    assert "不是 PDF 文件" in refused.inner_text()
    assert sorted(p.name for p in seeds.iterdir()) == before
    page.context.close()


def test_another_user_gets_no_tab_and_the_upload_handler_refuses_them(browser, admin_server) -> None:
    url, seeds = admin_server
    before = sorted(p.name for p in seeds.iterdir())
    page = logged_in(browser, url, STAFF)
    page.wait_for_timeout(1500)  # the load event that would show the tab has run
    tabs = page.locator("[role=tab]").all_inner_texts()
    assert "问答" in tabs and "文档管理" not in tabs
    assert page.locator("#qa-admin-docs").count() == 0 or not page.locator("#qa-admin-docs").is_visible()

    # Hidden is not enough: call the upload event as the page would, with a file uploaded to Gradio.
    request = page.context.request
    config = request.get(f"{url}/config").json()
    button = next(c["id"] for c in config["components"] if c["props"].get("elem_id") == "qa-admin-upload")
    event = next(d for d in config["dependencies"] if [button, "click"] in d["targets"])
    speech = "在会议上的讲话\n政协委员要提高履职能力。\n".encode()
    uploaded = request.post(
        f"{url}/gradio_api/upload",
        multipart={"files": {"name": "staff.txt", "mimeType": "text/plain", "buffer": speech}},
    ).json()[0]
    file = {"path": uploaded, "orig_name": "staff.txt", "meta": {"_type": "gradio.FileData"}}
    joined = request.post(
        f"{url}/gradio_api/queue/join",
        data={
            "data": [[file], True],
            "fn_index": event["id"],
            "session_hash": "staff-probe",
            "event_data": None,
            "trigger_id": button,
        },
    )
    assert joined.ok, joined.text()
    stream = request.get(f"{url}/gradio_api/queue/data?session_hash=staff-probe", timeout=60_000).text()
    assert '"msg":"process_completed"' in stream and '"success":false' in stream
    assert "只有管理员可以管理文档" in stream
    assert sorted(p.name for p in seeds.iterdir()) == before
    page.context.close()


def test_the_tab_is_chinese_whatever_the_browser_language(browser, admin_server) -> None:
    url, _ = admin_server
    context = browser.new_context(viewport=DESKTOP, locale="en-US")
    context.request.post(f"{url}/login", form={"username": ADMIN[0], "password": ADMIN[1]})
    page = context.new_page()
    page.goto(url)
    page.get_by_role("tab", name="文档管理").click()
    tab = page.locator("#qa-admin")
    tab.locator("#qa-admin-docs tr").first.wait_for(timeout=ANSWER_TIMEOUT_MS)
    page.wait_for_timeout(300)
    ours = ("#qa-admin-docs", "#qa-admin-status", "#qa-admin-result")  # file names are what they are
    text = tab.evaluate(
        "(tab, ours) => { const copy = tab.cloneNode(true);"
        " ours.forEach((s) => copy.querySelector(s)?.remove()); document.body.append(copy);"
        " const text = copy.innerText; copy.remove(); return text; }",
        list(ours),
    )
    # The formats it takes and the setting of the size limit (an administrator's words).
    intro = [suffix.lstrip(".") for suffix in SUPPORTED_SUFFIXES] + ["QA", "MAX", "DOCUMENT", "MB"]
    assert [w for w in LATIN_WORD.findall(text) if w not in intro] == []
    labels = tab.evaluate(
        "(tab) => [...tab.querySelectorAll('[aria-label], [title]')].filter((el) => el.offsetParent)"
        ".flatMap((el) => [el.getAttribute('aria-label'), el.getAttribute('title')]).filter(Boolean)"
    )
    assert [label for label in labels if LATIN_WORD.search(label)] == []
    context.close()
