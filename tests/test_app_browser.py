"""End to end: start ``app.py`` on a free port, drive it in headless Chromium, call its API.

Chromium is Debian's (``make browser`` installs it); Playwright only drives it.
Screenshots go to ``QA_SCREENSHOT_DIR`` when set (``make screenshot`` refreshes docs/).
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import REPO, page_context
from playwright.sync_api import expect

from qa.ui.sections import export_text

ANSWER_TIMEOUT_MS = 30_000
DESKTOP = {"width": 1400, "height": 1000}
PHONE = {"width": 390, "height": 844}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(env: dict[str, str], cwd: Path, log: Path) -> Iterator[str]:
    """``app.py`` running in its own process with ``env``; yields its base URL once it answers."""
    port = _free_port()
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, str(REPO / "app.py"), "--port", str(port)],
            cwd=cwd,
            env={**env, "GRADIO_ANALYTICS_ENABLED": "False"},
            stdout=out,
            stderr=out,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while True:
        if process.poll() is not None:
            pytest.fail(f"app.py exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"app.py did not answer on {url} within 180 s:\n{log.read_text()}")
        time.sleep(0.5)
    try:
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="module")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The chat page running in its own process: (base URL, feedback file)."""
    feedback = tmp_path_factory.mktemp("feedback") / "feedback.jsonl"
    log = tmp_path_factory.mktemp("app") / "app.log"
    with serving({**os.environ, "QA_FEEDBACK_FILE": str(feedback)}, REPO, log) as url:
        yield url, feedback


@pytest.fixture
def page(browser, app_server):  # type: ignore[no-untyped-def]
    url, _ = app_server
    context = page_context(browser, viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(url)
    page.wait_for_selector("#qa-question textarea", timeout=ANSWER_TIMEOUT_MS)
    yield page
    context.close()


def ask(page, question: str):  # type: ignore[no-untyped-def]
    """Type ``question``, press the button and return the locator of the new answer."""
    answers = page.locator(".qa-answer")
    before = answers.count()
    page.fill("#qa-question textarea", question)
    page.click("#qa-ask")
    page.wait_for_function(
        f"document.querySelectorAll('.qa-answer').length > {before}", timeout=ANSWER_TIMEOUT_MS
    )
    return answers.nth(before)


def screenshot(page, name: str, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    folder = Path(os.environ.get("QA_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    page.wait_for_timeout(600)  # the page scrolls to a new answer 150 ms after it arrives
    page.screenshot(path=str(path))
    assert path.stat().st_size > 10_000, "the screenshot is empty"
    return path


def test_question_shows_the_passage_with_its_attribution_and_highlights(page, tmp_path: Path) -> None:
    answer = ask(page, "政协委员怎样提高履职能力?")
    first = answer.locator(".qa-card").first
    assert "要提高履职能力" in first.locator(".qa-text").inner_text()
    source = first.locator(".qa-source").inner_text()
    for part in (
        "《2022年在市委政协工作会议上讲话》",
        "三是切实强化政协委员责任担当",
        "第31段（二、把握工作重点",
    ):
        assert part in source
    assert ".txt" not in source, "the source line names the document, not its file"
    assert first.locator(".qa-text mark", has_text="履职能力").count() >= 1
    assert first.locator(".qa-text strong").count() >= 1, "the best sentence is emphasised"
    assert answer.locator(".qa-card").count() == 3
    page.wait_for_timeout(600)  # the page scrolls the chat to the start of the new answer
    assert first.locator(".qa-rank").is_visible()
    glance = answer.locator(".qa-glance")
    assert glance.is_visible() and glance.bounding_box()["y"] < first.bounding_box()["y"], "above the cards"
    assert "一句话回答" in glance.inner_text() and "——《" in glance.inner_text()
    screenshot(page, "chat-answer.png", tmp_path)
    first.locator("details.qa-ctx summary").click()
    assert first.locator(".qa-ctx-other").first.is_visible(), "context opens inside the chat"
    first.locator("details.qa-cite summary").click()
    citation = first.locator(".qa-cite pre")
    citation.wait_for(state="visible")
    plain = "《2022年在市委政协工作会议上讲话》（2022年），第31段（二、把握工作重点"
    assert citation.text_content().startswith(plain)
    first.locator(".qa-ctx").scroll_into_view_if_needed()
    screenshot(page, "chat-context.png", tmp_path)


def test_the_chosen_citation_style_is_what_the_card_copies(page) -> None:
    page.locator("#qa-cite-style").get_by_text("GB/T 7714").click()
    first = ask(page, "政协委员怎样提高履职能力?").locator(".qa-card").first
    first.locator("details.qa-cite summary").click()
    citation = first.locator(".qa-cite pre")
    citation.wait_for(state="visible")
    assert citation.text_content().strip().endswith("\n2022年在市委政协工作会议上讲话[Z]. 2022.")
    assert "不详" not in citation.text_content()


def test_passages_of_the_speech_published_with_words_removed_carry_the_warning(page) -> None:
    answer = ask(page, "政协党组织生活要落实哪些制度?")
    cards = answer.locator(".qa-card")
    damaged = [cards.nth(i) for i in range(cards.count()) if "2025年全市政协" in cards.nth(i).inner_text()]
    clean = [cards.nth(i) for i in range(cards.count()) if "2025年全市政协" not in cards.nth(i).inner_text()]
    assert damaged, "seed 002 answers this question"
    for card in damaged:
        warning = card.locator(".qa-damaged").first
        assert warning.is_visible() and "原文疑似缺字，引用前请核对" in warning.inner_text()
    for card in clean:
        assert card.locator(".qa-damaged").count() == 0


def test_follow_up_and_out_of_domain_question_in_one_conversation(page, tmp_path: Path) -> None:
    ask(page, "政协委员怎样提高履职能力?")
    follow_up = ask(page, "那具体要怎么做?")
    assert "结合上一个问题理解为" in follow_up.locator(".qa-note").inner_text()
    assert follow_up.locator(".qa-card").count() == 3
    nothing = ask(page, "红烧肉怎么做?")
    assert "未找到相关内容" in nothing.inner_text()
    assert nothing.locator(".qa-card").count() == 0
    screenshot(page, "chat-no-result.png", tmp_path)
    page.click("#qa-new")
    page.wait_for_function("document.querySelectorAll('.qa-answer').length === 0", timeout=ANSWER_TIMEOUT_MS)
    alone = ask(page, "那具体要怎么做?")
    assert "未找到相关内容" in alone.inner_text(), "a new conversation forgets the previous topic"


def test_a_year_in_the_question_is_applied_said_and_dropped_with_one_click(page, tmp_path: Path) -> None:
    drop = page.locator("#qa-chat").get_by_role("button", name="不按限定，在全部文件中检索")
    answer = ask(page, "2022年的讲话说怎样提高履职能力?")
    assert "已按2022年的文件检索" in answer.locator(".qa-note").inner_text()
    sources = answer.locator(".qa-source").all_inner_texts()
    assert sources and all("2022年" in source for source in sources)
    assert page.locator("#qa-years").is_visible() and page.locator("#qa-speakers").is_visible()
    screenshot(page, "chat-constraint.png", tmp_path)
    drop.click(timeout=ANSWER_TIMEOUT_MS)
    page.wait_for_function(
        "!([...document.querySelectorAll('.qa-answer')].at(-1).innerText.includes('已按2022年'))",
        timeout=ANSWER_TIMEOUT_MS,
    )
    assert page.locator(".qa-answer").count() == 1, "the constrained answer is replaced"


def test_a_follow_up_is_asked_again_alone_with_one_click(page) -> None:
    alone = page.locator("#qa-chat").get_by_role("button", name="只按本问题检索")
    ask(page, "如何加强政协党的建设？")
    assert alone.count() == 0, "a question read on its own offers nothing to take back"
    follow_up = ask(page, "那具体要怎么做？")
    assert "结合上一个问题理解为" in follow_up.locator(".qa-note").inner_text()
    alone.click(timeout=ANSWER_TIMEOUT_MS)
    page.wait_for_function(
        "[...document.querySelectorAll('.qa-answer')].at(-1).innerText.includes('未结合上一个问题')",
        timeout=ANSWER_TIMEOUT_MS,
    )
    answers = page.locator(".qa-answer")
    assert answers.count() == 2, "the follow-up's answer is replaced, not followed by another"
    assert page.locator(".qa-question").count() == 2
    again = answers.last.inner_text()
    assert "结合上一个问题理解为" not in again
    assert "未找到相关内容" in again, "the question alone names nothing to search for"
    assert alone.count() == 0
    ask(page, "在民主监督方面呢？")
    alone.wait_for(state="visible", timeout=ANSWER_TIMEOUT_MS)
    ask(page, "协商民主")
    alone.wait_for(state="detached", timeout=ANSWER_TIMEOUT_MS)


def test_injected_markup_is_shown_as_text_and_never_runs(page) -> None:
    question = "<img src=x onerror=alert(1)><script>alert(2)</script> ![i](http://127.0.0.1:9/x.png) 政协"
    answer = ask(page, question)
    page.wait_for_timeout(500)
    assert page.dialogs == []
    user = page.locator(".qa-question").last
    assert "<img src=x onerror=alert(1)>" in user.inner_text()
    assert page.locator("#qa-chat img[src='x'], #qa-chat script, #qa-chat img[src*='x.png']").count() == 0
    assert answer.is_visible()


def test_slider_sets_the_number_of_passages(page) -> None:
    slider_box = page.locator("#qa-k input[type='number']")
    slider_box.fill("1")
    slider_box.press("Enter")
    answer = ask(page, "如何加强政协党的建设?")
    assert answer.locator(".qa-card").count() == 1


def test_like_button_appends_the_rating_to_the_feedback_file(page, app_server) -> None:
    _, feedback = app_server
    before = feedback.read_text(encoding="utf-8").count("\n") if feedback.exists() else 0
    ask(page, "怎样提高协商议政质量?")
    page.locator("#qa-chat button[aria-label='赞']").last.click()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if feedback.exists() and feedback.read_text(encoding="utf-8").count("\n") > before:
            break
        time.sleep(0.2)
    records = [json.loads(line) for line in feedback.read_text(encoding="utf-8").splitlines()]
    assert len(records) == before + 1
    assert records[-1]["rating"] == "like"
    assert records[-1]["question"] == "怎样提高协商议政质量?"
    assert records[-1]["passage_ids"] and records[-1]["build_id"]


def test_document_panel_lists_the_indexed_documents(page) -> None:
    manifest = json.loads((REPO / "index" / "manifest.json").read_text(encoding="utf-8"))
    rows = page.locator("#qa-docs tbody tr")
    # The panel is filled by the page's load event, after the question box is there.
    expect(rows).to_have_count(len(manifest["documents"]), timeout=ANSWER_TIMEOUT_MS)
    panel = page.locator("#qa-docs").inner_text()
    assert all(doc["title"] in panel for doc in manifest["documents"].values())
    assert f"{manifest['passage_count']} 段" in panel


def test_gradio_client_calls_the_search_endpoint(app_server) -> None:
    from gradio_client import Client

    url, _ = app_server
    client = Client(url, verbose=False)
    result = client.predict("政协委员怎样提高履职能力?", 2, None, None, api_name="/search")
    assert [p["rank"] for p in result["passages"]] == [1, 2]
    top = result["passages"][0]
    assert top["section"] == "三是切实强化政协委员责任担当" and top["paragraph"] == 31
    assert (
        top["doc_title"] == "2022年在市委政协工作会议上讲话" and top["source"] == "001_ec7618cb6664527d.txt"
    )
    empty = client.predict("How do I bake bread?", 3, None, None, api_name="/search")
    assert empty["passages"] == [] and empty["message"].startswith("未找到")


def test_search_endpoint_refuses_bad_arguments_with_specific_errors(app_server) -> None:
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    client = Client(app_server[0], verbose=False)
    with pytest.raises(AppError, match="empty"):
        client.predict("   ", 3, None, None, api_name="/search")
    with pytest.raises(AppError, match="between 1 and 10"):
        client.predict("政协委员", 50, None, None, api_name="/search")
    with pytest.raises(AppError, match="Unknown document"):
        client.predict("政协委员", 3, ["../../etc/passwd"], None, api_name="/search")


@pytest.mark.parametrize(
    "path",
    [
        "/gradio_api/file=/etc/passwd",
        "/gradio_api/file=../../../../etc/passwd",
        f"/gradio_api/file={REPO / 'seeds' / '000_c94c20506ab01715.txt'}",
        f"/gradio_api/file={REPO / 'pyproject.toml'}",
    ],
)
def test_no_file_outside_the_app_can_be_downloaded(app_server, path: str) -> None:
    url, _ = app_server
    try:
        with urllib.request.urlopen(url + path, timeout=10) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, body = exc.code, b""
    assert b"root:" not in body and b"[project]" not in body
    assert status >= 400, f"{path} answered {status}"


def test_a_long_question_in_the_page_is_cut_and_answered(page) -> None:
    answer = ask(page, "政协委员怎样提高履职能力" * 166)  # 1,992 characters; more is refused
    assert "问题过长" in answer.locator(".qa-note").inner_text()
    assert answer.locator(".qa-card").count() == 3


# -- the page a speechwriter keeps open: layout, language, contrast, the reader -------------

# Whatever the browser's language, Gradio's own labels must not show through. The one Latin
# name left on the page is the embedding model's, in the index panel.
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")
FORMAT_NAMES = re.compile(r"\b(Word|Markdown)\b")  # the export's file formats, named as everyone names them
CONTRAST = """(selectors) => {
  const rgba = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const channel = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgba(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || c[3] > 0.5) return c;
    }
    return [255, 255, 255];
  };
  return Object.fromEntries(selectors.map((selector) => {
    const el = document.querySelector(selector);
    if (!el) return [selector, null];
    const [a, b] = [luminance(rgba(getComputedStyle(el).color)), luminance(background(el))];
    return [selector, (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)];
  }));
}"""
# Elements of the chat that scroll on their own (more than 4 px hidden), as "class client/scroll".
INNER_SCROLL_BOXES = """(root) => [root, ...root.querySelectorAll('*')]
  .filter((el) => el.scrollHeight > el.clientHeight + 4)
  .filter((el) => /(auto|scroll)/.test(getComputedStyle(el).overflowY))
  .map((el) => `${el.className} ${el.clientHeight}/${el.scrollHeight}`)"""


@contextmanager
def open_page(browser, url: str, viewport: dict[str, int], locale: str = "zh-CN"):  # type: ignore[no-untyped-def]
    context = page_context(browser, viewport=viewport, locale=locale)
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("#qa-question textarea", timeout=ANSWER_TIMEOUT_MS)
    try:
        yield page
    finally:
        context.close()


def in_view(page, selector: str) -> bool:  # type: ignore[no-untyped-def]
    box = page.locator(selector).bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


def test_desktop_chat_has_no_inner_scroll_box_and_keeps_the_question_box_in_view(browser, app_server) -> None:
    with open_page(browser, app_server[0], DESKTOP) as page:
        slider_box = page.locator("#qa-k input[type='number']")
        slider_box.fill("10")
        slider_box.press("Enter")
        answer = ask(page, "政协委员怎样提高履职能力?")
        assert answer.locator(".qa-card").count() == 10
        page.wait_for_timeout(600)
        assert page.evaluate(INNER_SCROLL_BOXES, page.locator("#qa-chat").element_handle()) == []
        page_height = page.evaluate("document.scrollingElement.scrollHeight")
        assert page_height > DESKTOP["height"] + 1000, "the page itself scrolls"
        assert in_view(page, "#qa-ask") and in_view(page, "#qa-question textarea")
        tops = [box["y"] for box in (c.bounding_box() for c in answer.locator(".qa-card").all()) if box]
        assert sum(0 <= top < DESKTOP["height"] for top in tops) >= 3, "several cards in one window"
        assert page.locator("#qa-chat button[title='滚动到最新回答']").count() == 0, "no ↓ over the cards"


def test_phone_shows_the_question_box_and_cards_as_wide_as_the_screen(browser, app_server, tmp_path) -> None:
    with open_page(browser, app_server[0], PHONE) as page:
        assert in_view(page, "#qa-ask") and in_view(page, "#qa-question textarea"), "no scrolling to ask"
        answer = ask(page, "政协委员怎样提高履职能力?")
        page.wait_for_timeout(600)
        assert in_view(page, "#qa-ask"), "the question box stays at the bottom of the screen"
        text = answer.locator(".qa-card .qa-text").first
        width = text.bounding_box()["width"]
        font = float(text.evaluate("el => parseFloat(getComputedStyle(el).fontSize)"))
        characters = width / font
        assert width >= 0.85 * PHONE["width"] and characters >= 18, f"{width} px, {characters:.0f} characters"
        chat, side = page.locator("#qa-chat").bounding_box(), page.locator("#qa-side").bounding_box()
        assert side["y"] >= chat["y"] + chat["height"], "the side panel goes under the chat"
        assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"], "no sideways scroll"
        screenshot(page, "chat-phone.png", tmp_path)
        answer.locator(".qa-open-doc").first.click()
        page.locator("#qa-reader .qa-doc-hit").wait_for(timeout=ANSWER_TIMEOUT_MS)
        assert page.locator("#qa-reader").bounding_box()["width"] == PHONE["width"], "a full-width reader"


def test_page_is_chinese_whatever_the_browser_language(browser, app_server) -> None:
    model = json.loads((REPO / "index" / "manifest.json").read_text(encoding="utf-8"))["model"]["name"]
    with open_page(browser, app_server[0], DESKTOP, locale="en-US") as page:
        assert page.evaluate("document.documentElement.lang") == "zh-CN"
        ask(page, "政协委员怎样提高履职能力?")
        page.locator("#qa-chat button[aria-label='赞']").last.click()
        toast = page.locator("[data-testid='toast-body']").first
        toast.wait_for(timeout=ANSWER_TIMEOUT_MS)
        page.wait_for_timeout(300)
        assert toast.inner_text().split()[0] == "提示"
        text = FORMAT_NAMES.sub("", page.evaluate("document.body.innerText").replace(model, ""))
        assert LATIN_WORD.findall(text) == []
        labels = page.evaluate(
            "[...document.querySelectorAll('[aria-label], [title]')].filter((el) => el.offsetParent)"
            ".flatMap((el) => [el.getAttribute('aria-label'), el.getAttribute('title')]).filter(Boolean)"
        )
        assert [label for label in labels if LATIN_WORD.search(label)] == []
        assert page.locator("footer").count() == 0 or not page.locator("footer").is_visible()
        liked = page.locator("#qa-chat button[aria-label='已赞']").last.bounding_box()
        disliked = page.locator("#qa-chat button[aria-label='踩']").last.bounding_box()
        assert liked["x"] < disliked["x"], "赞 comes before 踩"


def test_notes_a_reader_must_see_have_aa_contrast(page) -> None:
    ask(page, "政协委员怎样提高履职能力?")
    follow_up = ask(page, "那具体要怎么做?")
    follow_up.locator("details.qa-ctx summary").first.click()
    ratios = page.evaluate(CONTRAST, [".qa-note", ".qa-why", ".qa-why mark", ".qa-ctx-other", ".qa-seen"])
    if ratios[".qa-seen"] is None:  # no passage of the first answer came back
        del ratios[".qa-seen"]
    assert all(ratio is not None and ratio >= 4.5 for ratio in ratios.values()), ratios


def test_card_title_opens_the_whole_document_on_the_cited_paragraph(browser, app_server, tmp_path) -> None:
    manifest = json.loads((REPO / "index" / "manifest.json").read_text(encoding="utf-8"))
    with open_page(browser, app_server[0], DESKTOP) as page:
        answer = ask(page, "政协委员怎样提高履职能力?")
        title = answer.locator(".qa-card").first.locator(".qa-open-doc")
        passage_id = title.get_attribute("value")
        title.click()
        hit = page.locator("#qa-reader .qa-doc-hit")
        hit.wait_for(timeout=ANSWER_TIMEOUT_MS)
        page.wait_for_timeout(500)
        assert hit.get_attribute("data-passage-id") == passage_id
        source = passage_id.rpartition("#")[0]
        assert page.locator("#qa-reader .qa-doc-p").count() == manifest["documents"][source]["passages"]
        assert in_view(page, "#qa-reader .qa-doc-hit"), "the cited paragraph is scrolled into view"
        assert hit.locator("mark", has_text="履职能力").count() >= 1, "the question's words are marked"
        assert page.locator("#qa-reader .qa-outline a").count() >= 3
        ratios = page.evaluate(CONTRAST, ["#qa-reader .qa-reader-meta", "#qa-reader .qa-doc-n"])
        assert all(ratio >= 4.5 for ratio in ratios.values()), ratios
        screenshot(page, "chat-reader.png", tmp_path)
        page.keyboard.press("Escape")
        page.locator("#qa-reader").wait_for(state="detached", timeout=ANSWER_TIMEOUT_MS)
        page.wait_for_timeout(200)
        assert page.evaluate("document.activeElement.value") == passage_id, "focus goes back to the title"
        assert answer.locator(".qa-card").first.locator("details.qa-ctx").count() == 1, "查看上下文 stays"


def export_download(page, button: str):  # type: ignore[no-untyped-def]
    """Click an export button and return the file the browser saves (Playwright's ``Download``)."""
    with page.expect_download(timeout=ANSWER_TIMEOUT_MS) as saved:
        page.click(button)
    return saved.value


def test_ticked_cards_are_exported_as_word_and_markdown_with_their_citations(page, tmp_path: Path) -> None:
    import docx

    manifest = json.loads((REPO / "index" / "manifest.json").read_text(encoding="utf-8"))
    build_id = f"{manifest['fingerprint']}@{manifest['created']}"
    cards = ask(page, "政协委员怎样提高履职能力?").locator(".qa-card")
    assert cards.count() == 3
    ticked = [cards.nth(2), cards.nth(0)]  # ticked out of order: the export follows the answer
    for card in ticked:
        card.locator(".qa-pick-box").check()
    screenshot(page, "chat-export.png", tmp_path)
    lines = [
        [line.strip() for line in card.locator(".qa-text").inner_text().splitlines() if line.strip()]
        for card in reversed(ticked)
    ]
    citations = [card.locator(".qa-cite pre").text_content().strip() for card in reversed(ticked)]
    titles = [card.locator(".qa-open-doc").inner_text().strip("《》") for card in reversed(ticked)]
    left_out = cards.nth(1).locator(".qa-text").inner_text().splitlines()[0].strip()
    assert all(citation.startswith("《") for citation in citations), "the cards cite in the plain style"

    word = export_download(page, "#qa-export-docx")
    assert re.fullmatch(r"政协讲话问答-导出-\d{8}-\d{4}\.docx", word.suggested_filename)
    paragraphs = [(p.style.name, p.text) for p in docx.Document(word.path()).paragraphs]
    texts = [text for _, text in paragraphs]
    assert paragraphs[0][0] == "Title" and "政协委员怎样提高履职能力" in texts[0]
    assert any(re.fullmatch(r"导出时间：\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d", text) for text in texts)
    assert not any(build_id in text or "索引版本" in text for text in texts), "no technical id in the body"
    assert docx.Document(word.path()).core_properties.identifier == build_id
    assert ("Heading 1", texts[0]) in paragraphs, "the passages stand under their question"
    at = [texts.index(export_text("\n".join(passage))) for passage in lines]
    assert at[0] < at[1], "in the order of the answer"
    for start, citation in zip(at, citations, strict=True):
        assert texts[start + 1] == "出处：" + citation[: citation.index("：“")], (
            "the source line, no second copy"
        )
    body = "\n".join(texts)
    assert all(body.count(export_text(passage[0])) == 1 for passage in lines), "each passage once"
    assert not any(left_out in text for text in texts), "an unticked card is not exported"

    page.locator("#qa-cite-style").get_by_text("GB/T 7714").click()
    markdown = export_download(page, "#qa-export-md")
    assert re.fullmatch(r"政协讲话问答-导出-\d{8}-\d{4}\.md", markdown.suggested_filename)
    out = Path(markdown.path()).read_text(encoding="utf-8")
    assert out.startswith("# 政协委员怎样提高履职能力") and build_id in out and "导出时间：" in out
    unescaped = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", out)
    quoted = ["\n>\n".join(f"> {export_text(line)}" for line in passage) for passage in lines]
    assert quoted[0] in unescaped and quoted[1] in unescaped
    assert unescaped.index(quoted[0]) < unescaped.index(quoted[1])
    for title in titles:  # the style chosen now, not the cards' own
        assert f"{title}[Z]." in unescaped and "不详" not in unescaped
    assert not any(citation in unescaped for citation in citations)
    assert left_out not in unescaped


def test_exporting_with_no_card_ticked_says_so_and_saves_nothing(page) -> None:
    box = ask(page, "政协委员怎样提高履职能力?").locator(".qa-card").first.locator(".qa-pick-box")
    box.check()
    assert export_download(page, "#qa-export-md").suggested_filename.endswith(".md")
    box.uncheck()  # the file made a moment ago is not saved again
    downloads: list[object] = []
    page.on("download", lambda download: downloads.append(download))
    page.click("#qa-export-docx")
    page.get_by_text("尚未选择段落").first.wait_for(timeout=ANSWER_TIMEOUT_MS)
    page.wait_for_timeout(1000)
    assert downloads == []


def trace(page, phrase: str):  # type: ignore[no-untyped-def]
    """Open the 提法溯源 tab, trace ``phrase`` and return the locator of its result."""
    page.get_by_role("tab", name="提法溯源").click()
    page.fill("#qa-trace-phrase textarea", phrase)
    page.click("#qa-trace-go")
    result = page.locator("#qa-trace-result .qa-trace")
    result.wait_for(timeout=ANSWER_TIMEOUT_MS)
    return result


def test_tracing_a_formulation_lists_every_use_in_date_order_with_counts(page, tmp_path: Path) -> None:
    result = trace(page, "两个确立")
    uses = result.locator(".qa-trace-uses .qa-trace-occ")
    assert uses.count() == 4
    for i in range(uses.count()):
        assert uses.nth(i).locator(".qa-kwic mark").inner_text() == "两个确立"
        assert len(uses.nth(i).locator(".qa-kwic").inner_text()) > len("两个确立") + 20, "with its context"
    shown = result.locator(".qa-trace-date").all_inner_texts()
    dates = [tuple(int(n) for n in re.findall(r"\d+", text)) for text in shown]
    assert dates == sorted(dates), "in date order"
    summary = result.locator(".qa-trace-summary").inner_text()
    assert "共出现4处，见于3篇文档" in summary
    assert "首次使用：2023年12月9日" in summary and "最近使用：2025年3月12日" in summary
    years = result.locator(".qa-trace-years tbody tr").all_inner_texts()
    assert [row.split()[:2] for row in years] == [["2023年", "1"], ["2024年", "1"], ["2025年", "2"]]
    assert result.locator(".qa-trace-docs tbody tr").count() == 3
    screenshot(page, "trace.png", tmp_path)


def test_a_traced_variant_is_listed_apart_and_a_use_opens_the_reader_on_its_passage(page) -> None:
    result = trace(page, "有事好商量、众人的事情由众人商量")
    exact = result.locator(".qa-trace-uses .qa-trace-occ")
    assert exact.count() == 1
    assert exact.first.locator("mark").inner_text() == "有事好商量、众人的事情由众人商量"
    variants = result.locator(".qa-trace-variant-uses .qa-trace-occ")
    assert variants.count() == 1
    assert "变体·减字" in variants.first.inner_text()
    assert variants.first.locator("mark").inner_text() == "有事好商量,众人的事由众人商量"
    assert "变体·减字" in result.locator(".qa-trace-wordings").inner_text()
    opener = variants.first.locator(".qa-trace-open")
    passage_id = opener.get_attribute("value")
    opener.click()
    hit = page.locator("#qa-reader .qa-doc-hit")
    hit.wait_for(timeout=ANSWER_TIMEOUT_MS)
    page.wait_for_timeout(500)
    assert hit.get_attribute("data-passage-id") == passage_id
    assert hit.locator("mark", has_text="有事好商量,众人的事由众人商量").count() == 1, "the use is marked"
    assert in_view(page, "#qa-reader .qa-doc-hit"), "the reader shows the passage"
    page.keyboard.press("Escape")
    page.locator("#qa-reader").wait_for(state="detached", timeout=ANSWER_TIMEOUT_MS)
    exact.first.locator(".qa-trace-open").click()  # the reader opens again, on the other use
    hit.wait_for(timeout=ANSWER_TIMEOUT_MS)
    other = exact.first.locator(".qa-trace-open").get_attribute("value")
    assert other != passage_id and hit.get_attribute("data-passage-id") == other


def test_draft_check_colours_each_sentence_by_class_and_shows_its_source(page, tmp_path: Path) -> None:
    from qa.passages.cutting import sentences_of

    seed = (REPO / "seeds" / "003_e9d8012ddcf1e712.txt").read_text(encoding="utf-8")
    copied = next(s for s in sentences_of(seed) if "主要方式是搭台" in s)
    reworded = "总书记讲过，统一战线人才济济、智力密集，堪称一座大智库。"
    unrelated = "气象部门预计本周末将有一次明显降温过程，最低气温零下五度。"
    page.get_by_role("tab", name="查重与提法核对").click()
    legend = page.locator("#qa-draft-result .qa-draft-legend")
    assert [t.strip() for t in legend.locator(".qa-draft-swatch").all_inner_texts()] == ["重复", "相近", "新"]
    page.fill("#qa-draft-input textarea", f"{copied}\n{reworded}<b>\n{unrelated}")  # <b>: too short to check
    page.click("#qa-draft-check")
    text = page.locator("#qa-draft-result .qa-draft-text")
    text.wait_for(timeout=ANSWER_TIMEOUT_MS)
    assert text.locator(".qa-draft-s").count() == 3
    for kind, sentence in (("repeat", copied), ("close", reworded), ("new", unrelated)):
        assert text.locator(f".qa-draft-{kind}").count() == 1
        assert text.locator(f".qa-draft-{kind}").inner_text().strip() == sentence
    assert "<b>" in text.inner_text() and text.locator("b").count() == 0, "the draft is shown as text"
    popup = text.locator(".qa-draft-repeat .qa-draft-pop")
    assert not popup.is_visible()
    text.locator(".qa-draft-repeat").click()
    assert popup.is_visible(), "clicking a sentence shows its source"
    assert "《座谈发言" in popup.inner_text() and "表述相同" in popup.inner_text()
    text.locator(".qa-draft-new").hover()
    assert "最接近的已有表述" in text.locator(".qa-draft-new .qa-draft-pop").inner_text()
    assert not popup.is_visible(), "one source at a time: the one under the pointer"
    summary = page.locator("#qa-draft-result .qa-draft-summary").inner_text()
    assert "共核对 3 句" in summary and "借用最多的讲话" in summary and "《座谈发言" in summary
    ratios = page.evaluate(
        CONTRAST, [f"#qa-draft-result .qa-draft-text .qa-draft-{k}" for k in ("repeat", "close", "new")]
    )
    assert all(ratio is not None and ratio >= 4.5 for ratio in ratios.values()), ratios
    screenshot(page, "draft-check.png", tmp_path)

    markdown = export_download(page, "#qa-draft-md")
    assert re.fullmatch(r"政协讲话问答-查重-\d{8}-\d{4}\.md", markdown.suggested_filename)
    out = Path(markdown.path()).read_text(encoding="utf-8")
    assert out.startswith("# 查重与提法核对") and "第1句（重复）" in out and "第3句（新）" in out


def test_an_empty_draft_is_refused_on_the_page(page) -> None:
    page.get_by_role("tab", name="查重与提法核对").click()
    page.click("#qa-draft-check")
    page.locator("#qa-draft-result .qa-draft-error", has_text="稿件为空").wait_for(timeout=ANSWER_TIMEOUT_MS)
    assert not page.locator("#qa-draft-docx").is_visible(), "nothing to export"


def test_an_example_traces_at_once_and_the_trace_is_exported_as_word_and_markdown(page) -> None:
    import docx

    page.get_by_role("tab", name="提法溯源").click()
    page.locator("#qa-tab-trace").get_by_text("专门协商机构", exact=True).click()
    result = page.locator("#qa-trace-result .qa-trace")
    result.wait_for(timeout=ANSWER_TIMEOUT_MS)
    uses = result.locator(".qa-trace-uses .qa-trace-occ").count()
    assert uses > 1 and f"共出现{uses}处" in result.locator(".qa-trace-summary").inner_text()
    word = export_download(page, "#qa-trace-docx")
    assert re.fullmatch(r"提法溯源-\d{8}-\d{4}\.docx", word.suggested_filename)
    texts = [p.text for p in docx.Document(word.path()).paragraphs]
    assert texts[0] == "提法溯源：“专门协商机构”"
    quoted = [t for t in texts if "专门协商机构" in t and not t.startswith(("提法溯源", "“专门协商机构”"))]
    assert len([t for t in quoted if not t.startswith("出处：")]) >= uses, "every use with its sentence"
    assert not [t for t in quoted if t.startswith("出处：")], "the source line does not repeat the sentence"
    markdown = Path(export_download(page, "#qa-trace-md").path()).read_text(encoding="utf-8")
    assert markdown.startswith("# 提法溯源") and markdown.count("出处：") >= uses


def test_a_number_question_is_answered_at_a_glance_in_one_line_on_desktop_and_phone(
    browser, app_server
) -> None:
    for viewport in (DESKTOP, PHONE):
        with open_page(browser, app_server[0], viewport) as page:
            answer = ask(page, "攀枝花建市多少周年?")
            glance = answer.locator(".qa-glance")
            glance.wait_for(timeout=ANSWER_TIMEOUT_MS)
            lines = glance.locator(".qa-glance-line")
            assert 1 <= lines.count() <= 2
            assert "60周年" in lines.first.locator(".qa-glance-quote").inner_text()
            source = lines.first.locator(".qa-glance-source").inner_text()
            assert source.startswith("——《在市政协十届十四次常委会会议上的讲话》（2024年12月27日），第")
            assert glance.bounding_box()["width"] <= viewport["width"], "no sideways scroll"
            first_card = answer.locator(".qa-card").first.bounding_box()
            assert glance.bounding_box()["y"] < first_card["y"]
            ratios = page.evaluate(CONTRAST, [".qa-glance-label", ".qa-glance-quote", ".qa-glance-source"])
            assert all(ratio is not None and ratio >= 4.5 for ratio in ratios.values()), ratios


def test_the_newest_first_option_orders_the_cards_by_date(page) -> None:
    def dates(answer) -> list[tuple[int, ...]]:  # type: ignore[no-untyped-def]
        out = []
        for text in answer.locator(".qa-card .qa-source").all_inner_texts():  # 《title》 · date · place
            date = re.compile(r"(\d{4})年(?:(\d{1,2})月)?(?:(\d{1,2})日)?")
            found = next((m for part in text.split(" · ")[1:] if (m := date.fullmatch(part.strip()))), None)
            out.append(tuple(int(n or 0) for n in found.groups()) if found else (0,))
        return out

    slider_box = page.locator("#qa-k input[type='number']")
    slider_box.fill("6")
    slider_box.press("Enter")
    by_relevance = dates(ask(page, "政协委员怎样提高履职能力?"))
    page.locator("#qa-newest input[type='checkbox']").check()  # waits until it is checked
    newest = dates(ask(page, "政协委员怎样提高履职能力?"))
    assert sorted(newest) == sorted(by_relevance) and newest != by_relevance
    dated = [d for d in newest if d != (0,)]
    assert dated == sorted(dated, reverse=True) and newest[len(dated) :] == [(0,)] * (
        len(newest) - len(dated)
    )


def test_the_word_look_chosen_on_the_page_is_the_exports(page, tmp_path: Path) -> None:
    import docx
    from docx.oxml.ns import qn

    cards = ask(page, "政协委员怎样提高履职能力?").locator(".qa-card")
    cards.first.locator(".qa-pick-box").check()
    page.locator("#qa-export-look").get_by_text("公文", exact=True).click()
    document = docx.Document(export_download(page, "#qa-export-docx").path())
    normal = document.styles["Normal"]
    assert normal.element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "仿宋_GB2312"
    assert normal.font.size.pt == 16 and round(document.sections[0].top_margin.mm) == 37
    assert document.styles["Title"].element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "方正小标宋简体"
    page.locator("#qa-export-look").get_by_text("常规", exact=True).click()
    document = docx.Document(export_download(page, "#qa-export-docx").path())
    assert document.styles["Normal"].font.size.pt == 12
    page.get_by_role("tab", name="提法溯源").click()
    trace(page, "两个确立")
    page.locator("#qa-trace-look").get_by_text("公文", exact=True).click()
    traced = docx.Document(export_download(page, "#qa-trace-docx").path())
    assert traced.styles["Normal"].font.size.pt == 16
    assert any(p.text.startswith("出处：") and "第" in p.text and "段" in p.text for p in traced.paragraphs)


DAMAGED_PHRASE = "始终同以同志为核心的保持高度一致"  # seed 002, 习近平 and 党中央 removed


def test_an_uploaded_word_draft_is_checked_its_sources_in_words_and_with_their_warning(
    page, tmp_path: Path
) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph(f"我们要{DAMAGED_PHRASE}。")
    document.add_paragraph("总书记讲过，统一战线人才济济、智力密集，堪称一座大智库。")
    path = tmp_path / "稿件.docx"
    document.save(str(path))
    page.get_by_role("tab", name="查重与提法核对").click()
    with page.expect_file_chooser() as chooser:
        page.click("#qa-draft-upload")
    chooser.value.set_files(str(path))
    text = page.locator("#qa-draft-result .qa-draft-text")
    text.wait_for(timeout=ANSWER_TIMEOUT_MS)
    assert "堪称一座大智库" in page.locator("#qa-draft-input textarea").input_value()
    assert text.locator(".qa-draft-s").count() == 2
    reworded = text.locator('.qa-draft-s[data-n="2"]')
    reworded.click()
    assert "qa-draft-close" in reworded.get_attribute("class")
    assert "措辞相近：共有" in reworded.locator(".qa-draft-pop").inner_text()
    page.locator("#qa-draft-result .qa-draft-all > summary").click()
    first = page.locator("#qa-draft-result .qa-draft-item").first
    first.locator("summary").click()
    assert "原文疑似缺字，引用前请核对" in first.locator(".qa-draft-matches li").first.inner_text()


def test_traced_uses_and_the_reader_carry_the_damage_warning(page) -> None:
    result = trace(page, DAMAGED_PHRASE)
    use = result.locator(".qa-trace-uses .qa-trace-occ").first
    assert "原文疑似缺字，引用前请核对" in use.locator(".qa-damaged").inner_text()
    use.locator(".qa-trace-open").click()
    hit = page.locator("#qa-reader .qa-doc-hit")
    hit.wait_for(timeout=ANSWER_TIMEOUT_MS)
    assert "原文疑似缺字" in hit.locator(".qa-damaged").inner_text()
