"""The real app in a real browser: `streamlit run app.py` driven by Debian's chromium through
Playwright. Upload a paper, ask, see the answer beside highlighted evidence and the page image;
then find the session again after a reload."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
QUESTION = "How many nodes does the literature graph have?"
TITLE = "Construction of the Literature Graph in Semantic Scholar"

pytestmark = [
    pytest.mark.e2e,
    # CI runs as root and installs chromium first (`make test`): there a missing browser fails.
    pytest.mark.skipif(
        not CHROMIUM.exists() and os.geteuid() != 0,
        reason="Debian's chromium is not installed (apt-get install chromium)",
    ),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def app_url(tmp_path: Path) -> Iterator[str]:
    """`streamlit run app.py` on a free port with its data under tmp_path; stopped after."""
    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PAPERLIGHT_", "OPENAI_"))}  # fmt: skip
    env["PAPERLIGHT_HOME"] = str(tmp_path / "home")
    log = (tmp_path / "streamlit.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
         "--server.port", str(port), "--server.headless", "true",
         "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"],
        cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                log.flush()
                pytest.fail("streamlit did not start:\n" + (tmp_path / "streamlit.log").read_text())
            time.sleep(0.3)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


@pytest.fixture
def browser_page(tmp_path: Path) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1000})
            yield page
        finally:
            browser.close()


def test_upload_ask_see_evidence_then_find_the_session(
    app_url: str, browser_page, acl_pdf: Path, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    page = browser_page
    page.set_default_timeout(60_000)
    page.goto(app_url)

    page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(acl_pdf)
    expect(page.get_by_test_id("stProgress")).to_be_visible()  # parsing, embedding, indexing
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible(timeout=180_000)
    expect(page.get_by_text("8 pages · ")).to_be_visible()

    chat = page.get_by_test_id("stChatInputTextArea")
    chat.fill(QUESTION)
    chat.press("Enter")

    answer = page.locator(".pl-answer")
    expect(answer).to_contain_text("12M nodes", timeout=120_000)
    expect(page.get_by_text("extractive — the paper's own sentences")).to_be_visible()
    mark = page.locator(".pl-evidence mark").first
    expect(mark).to_be_visible()
    assert "nodes" in mark.inner_text()
    image = page.get_by_test_id("stImage").locator("img")
    expect(image).to_be_visible()
    loaded = "img => img.complete && img.naturalWidth > 500"
    page.wait_for_function(loaded, arg=image.element_handle())
    expect(page.get_by_text("Page 2 of 8")).to_be_visible()
    page.wait_for_timeout(500)  # let the last deltas paint
    shot = tmp_path / "ask.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 50_000

    # Two tabs asking at once share the app's one Qdrant client: no lock error, two answers.
    other = page.context.browser.new_page(viewport={"width": 1500, "height": 1000})
    other.set_default_timeout(60_000)
    other.goto(app_url)
    other.get_by_test_id("stSelectbox").click()
    other.get_by_role("option", name=TITLE).click()
    tabs = [page, other]
    for tab, question in zip(
        tabs,
        [
            "Which entity linking approaches are compared?",
            "Where do the papers of the graph come from?",
        ],
        strict=True,
    ):
        tab.get_by_test_id("stChatInputTextArea").fill(question)
    for tab in tabs:
        tab.get_by_test_id("stChatInputTextArea").press("Enter")
    for tab, answers in zip(tabs, [2, 1], strict=True):
        expect(tab.locator(".pl-answer")).to_have_count(answers, timeout=120_000)
        expect(tab.get_by_test_id("stAlertContentError")).to_have_count(0)
    other.close()

    page.reload()  # a new browser session: what follows comes from Qdrant, not memory
    page.get_by_test_id("stSidebarNav").get_by_text("Sessions").click()
    expect(page.get_by_role("heading", name="Sessions")).to_be_visible()
    expect(page.get_by_text(QUESTION)).to_be_visible()
    expect(page.get_by_text(TITLE).first).to_be_visible()
    page.screenshot(path=str(tmp_path / "sessions.png"))
