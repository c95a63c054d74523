"""The Streamlit faces, run in-process with AppTest: Ask, Library, Sessions and Settings pages,
against a real library (the ACL fixture, ingested once and copied for each test)."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from openai_stub import OpenAIStub, Reply, openai_stub_fixture  # noqa: F401  (a fixture)
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from paperlight import prompts, services, sessions
from paperlight.config import load_settings
from paperlight.ui.context import base_context, release_all
from paperlight.ui.highlight import answer_html, evidence_ranges, marked_html
from paperlight.ui.state import AppState

ROOT = Path(__file__).resolve().parents[1]
QUESTION = "How many nodes does the literature graph have?"
TITLE = "Construction of the Literature Graph in Semantic Scholar"


@pytest.fixture(scope="module")
def library_template(tmp_path_factory: pytest.TempPathFactory, acl_pdf: Path) -> Path:
    """A data folder holding the ACL paper, ingested once for the whole module."""
    home = tmp_path_factory.mktemp("template") / "home"
    with pytest.MonkeyPatch.context() as mp:
        for name in list(os.environ):
            if name.startswith("PAPERLIGHT_") or name.startswith("OPENAI_"):
                mp.delenv(name)
        ctx = services.open_context(load_settings(home=home, _env_file=None))
        try:
            services.ingest_file(ctx, acl_pdf)
        finally:
            ctx.close()
    return home


@pytest.fixture
def home(
    library_template: Path, clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """A fresh copy of the library for one test, which the app finds through PAPERLIGHT_HOME."""
    path = clean_env / "home"
    shutil.copytree(library_template, path)
    monkeypatch.setenv("PAPERLIGHT_HOME", str(path))
    yield path
    release_all()  # close the app's Qdrant clients on this folder


def page() -> AppTest:
    """The app, on its Ask page (other pages are reached with ``at.switch_page``)."""
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)


def open_paper() -> AppTest:
    at = page()
    at.run()
    at.sidebar.selectbox(key="paper_picker").select_index(0).run()
    assert [s.value for s in at.subheader] == [TITLE]
    return at


def ask(at: AppTest, question: str) -> AppTest:
    at.chat_input[0].set_value(question).run()
    assert not at.exception, at.exception
    return at


def htmls(at: AppTest, css_class: str) -> list[str]:
    return [h.proto.body for h in at.get("html") if f'class="{css_class}"' in h.proto.body]


def chips(at: AppTest) -> list[str]:
    return [b.label for b in at.button if (b.key or "").startswith("chip-")]


def state_of(at: AppTest) -> AppState:
    return at.session_state["paperlight"]


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, Callable[[], str]]:
    """The deferred downloads the pages offer, by file name: calling one is clicking it."""
    offered: dict[str, Callable[[], str]] = {}
    register = MediaFileManager.add_deferred

    def spy(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):  # noqa: ANN001
        offered[file_name] = data_callable
        return register(self, data_callable, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", spy)
    return offered


# ---------------------------------------------------------------- Ask page


def test_extractive_answer_beside_its_highlighted_evidence_and_page(home: Path) -> None:
    at = ask(open_paper(), QUESTION)

    assert not at.error
    assert any("extractive — the paper's own sentences" in m.value for m in at.markdown)
    (answer,) = htmls(at, "pl-answer")
    assert "12M nodes" in answer and prompts.EXTRACTIVE_LABEL not in answer
    first_marker = re.search(r"\[(\d+)\]", answer).group(1)  # chips follow the answer's order
    assert chips(at)[0] == f"[{first_marker}] p. 2"
    focused = htmls(at, "pl-evidence")[0]
    marks = re.findall(r"<mark[^>]*>(.*?)</mark>", focused)
    assert any("12M nodes" in m for m in marks)
    assert "Each node of this type represents a unique author" in focused  # unmarked context
    assert not any("represents a unique author" in m for m in marks)
    assert len(at.image) == 1
    assert "Page 2 of 8" in [c.value for c in at.caption]

    (summary,) = sessions.list_sessions(base_context())  # the turn was saved
    assert summary.session_id == state_of(at).session_id
    assert summary.first_question == QUESTION and summary.paper_titles == (TITLE,)


def test_a_chip_chooses_the_citation_shown_and_pages_can_be_turned(home: Path) -> None:
    at = ask(open_paper(), QUESTION)
    labels = chips(at)
    assert len(labels) >= 2
    second = [b for b in at.button if (b.key or "").startswith("chip-")][1]
    marker = int(re.match(r"\[(\d+)\]", labels[1]).group(1))
    second.click().run()

    headers = [m.value for m in at.markdown if m.value.startswith("**[")]
    assert headers[0].startswith(f"**[{marker}]")
    assert state_of(at).focus_marker == marker
    at.button(key="page-next").click().run()
    assert "Page 3 of 8" in [c.value for c in at.caption]
    at.button(key="page-prev").click().run()
    assert "Page 2 of 8" in [c.value for c in at.caption]


def test_follow_ups_are_searched_with_the_conversation(home: Path) -> None:
    at = ask(open_paper(), QUESTION)
    ask(at, "And the edges?")

    searched = [c.value for c in at.caption if c.value.startswith("searched as:")]
    assert len(searched) == 1 and "How many nodes" in searched[0]
    assert [t.question for t in state_of(at).turns] == [QUESTION, "And the edges?"]
    assert len(htmls(at, "pl-answer")) == 2
    (summary,) = sessions.list_sessions(base_context())
    assert summary.turns == 2


def test_an_abstained_answer_says_so_and_shows_the_closest_passages(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PAPERLIGHT_ABSTAIN_THRESHOLD", "0.99")
    at = ask(open_paper(), "What is the capital of France?")

    assert any("The paper does not say" in m.value for m in at.markdown)
    assert not htmls(at, "pl-answer") and not chips(at)
    assert [w.value for w in at.warning] == ["closest passages — they do not answer the question"]
    closest = htmls(at, "pl-passage")
    assert closest and not any("<mark" in h for h in closest)
    assert len(at.image) == 1


def test_suggested_questions_and_a_new_session(home: Path) -> None:
    at = open_paper()
    suggestion = at.button(key="suggest-0")
    assert suggestion.label == "Which hardware was used to train the model?"
    suggestion.click().run()
    first_session = state_of(at).session_id
    assert [t.question for t in state_of(at).turns] == [suggestion.label]

    at.sidebar.button[0].click().run()  # New session
    assert state_of(at).session_id != first_session and state_of(at).turns == []
    assert at.button(key="suggest-0")  # a new session offers the suggestions again


def test_uploads_open_the_paper_and_bad_files_say_why(home: Path, acl_pdf: Path) -> None:
    at = page()
    at.run()
    at.sidebar.file_uploader[0].upload("notes.pdf", b"not a pdf", "application/pdf").run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "This file is not a PDF (no %PDF header): export the paper as PDF first."
    ]
    assert at.sidebar.selectbox(key="paper_picker")  # the page stays usable

    at.sidebar.file_uploader[0].upload(acl_pdf.name, acl_pdf.read_bytes(), "application/pdf")
    at.run()
    assert not at.error
    assert [s.value for s in at.subheader] == [TITLE]  # already indexed: opened at once


def test_a_locked_library_is_reported_and_the_app_recovers(home: Path) -> None:
    from paperlight.store import Store

    other = Store(load_settings())  # another client holds the folder, like a running CLI
    try:
        at = page()
        at.run()
        assert not at.exception
        (error,) = at.error
        assert "in use by another paperlight process" in error.value
    finally:
        other.close()
    at.run()  # once it is free, the same page works
    assert not at.error and at.sidebar.selectbox(key="paper_picker")


def test_paper_text_is_escaped_and_only_evidence_is_marked() -> None:
    text = "We use <script>alert(1)</script> and *bold* $x$. The graph has 12M nodes.\n\nNext."
    html = marked_html(text, [(text.index("The graph"), text.index(" nodes.") + 7)], "yellow")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert html.count("<mark") == 1
    assert '<mark style="background: yellow">The graph has 12M nodes.</mark>' in html
    assert "<br><br>Next." in html
    assert "&lt;b&gt;" in answer_html("<b>x</b> [2]") and "[2]</span>" in answer_html("x [2]")


def test_evidence_sentences_are_found_in_their_passage(home: Path) -> None:
    ctx = base_context()
    (record,) = ctx.library.papers()
    answer = services.ask(ctx, [record["id"]], QUESTION)
    citation = answer.citations[0]
    passage = next(sp.passage for sp in answer.passages if sp.passage.id == citation.passage_id)
    ranges = evidence_ranges(passage.text, citation)
    assert [" ".join(passage.text[a:b].split()) for a, b in ranges] == [
        s.text for s in citation.spans
    ]


# ---------------------------------------------------------------- other pages


def test_sessions_page_resumes_searches_exports_and_deletes(
    home: Path, downloads: dict[str, Callable[[], str]]
) -> None:
    at = ask(open_paper(), QUESTION)
    session_id = state_of(at).session_id
    at.switch_page("pages/2_Sessions.py").run()
    assert not at.exception
    assert f"**{QUESTION}**" in [m.value for m in at.markdown]

    markdown = downloads[f"paperlight-{session_id}.md"]()
    assert markdown.startswith(f"# {TITLE}") and f"## 1. {QUESTION}" in markdown
    assert re.search(r'- \[\d+\] p\. 2, .*"The literature graph has 12M nodes', markdown)
    assert f'"session_id": "{session_id}"' in downloads[f"paperlight-{session_id}.json"]()

    at.text_input[0].input("size of the graph").run()
    assert any(m.value.startswith(QUESTION.replace("?", "")) for m in at.markdown)
    at.button(key="resume-hit-0").click().run()  # the Ask page, with the session resumed
    assert [s.value for s in at.subheader] == [TITLE]
    assert state_of(at).session_id == session_id
    assert htmls(at, "pl-answer") and chips(at)

    at.switch_page("pages/2_Sessions.py").run()
    at.button(key=f"delete-{session_id}").click().run()
    at.button(key=f"confirm-{session_id}").click().run()
    assert not at.exception
    assert sessions.list_sessions(base_context()) == []
    assert [i.value for i in at.info] == [
        "No sessions yet: every question asked on the Ask page is kept here."
    ]


def test_library_page_opens_and_deletes_papers(home: Path) -> None:
    at = page()
    at.run()
    at.switch_page("pages/1_Library.py").run()
    assert f"**{TITLE}**" in [m.value for m in at.markdown]
    assert any(c.value.startswith("8 pages · ") for c in at.caption)
    (record,) = base_context().library.papers()

    at.button(key=f"open-{record['id']}").click().run()
    assert [s.value for s in at.subheader] == [TITLE]  # on the Ask page

    at.switch_page("pages/1_Library.py").run()
    at.button(key=f"delete-{record['id']}").click().run()
    assert at.warning  # asks first
    assert base_context().library.papers()
    at.button(key=f"confirm-{record['id']}").click().run()
    assert not at.exception
    assert base_context().library.papers() == []
    assert not (home / "papers" / f"{record['id']}.pdf").exists()
    assert state_of(at).paper_id is None


def test_settings_page_tests_the_llm_and_a_session_key_is_used_but_never_stored(
    home: Path, monkeypatch: pytest.MonkeyPatch, openai_stub: OpenAIStub
) -> None:
    monkeypatch.setenv("PAPERLIGHT_LLM_BASE_URL", openai_stub.url)
    monkeypatch.setenv("PAPERLIGHT_LLM_MODEL", "stub-model")
    at = page()
    at.run()
    at.switch_page("pages/3_Settings.py").run()
    assert not at.exception
    (table,) = at.table
    assert f"stub-model at {openai_stub.url}" in table.value["value"].tolist()

    openai_stub.reply("OK", Reply(status=404, error="model not found"))
    at.button[0].click().run()
    assert at.success[0].value.startswith("Connected to stub-model: it replied “OK”")
    at.button[0].click().run()
    assert at.error[0].value.startswith("Failed: model 'stub-model' or the URL")

    key = "sk-session-only-7f3a9"
    at.text_input[0].input(key).run()
    at.switch_page("app.py").run()
    at.sidebar.selectbox(key="paper_picker").select_index(0).run()
    openai_stub.reply('The graph has "12M nodes of this type" [1].')
    ask(at, QUESTION)

    assert any("LLM: stub-model" in m.value for m in at.markdown)
    assert "12M nodes" in htmls(at, "pl-answer")[0]
    assert openai_stub.requests[-1].headers.get("Authorization") == f"Bearer {key}"
    stored = [p for p in home.rglob("*") if p.is_file() and key.encode() in p.read_bytes()]
    assert stored == []
    (turn,) = sessions.turns_of(base_context(), state_of(at).session_id)
    assert turn.mode == "llm" and turn.model == "stub-model"


def test_llm_failures_are_one_line_and_the_page_stays_usable(
    home: Path, monkeypatch: pytest.MonkeyPatch, openai_stub: OpenAIStub
) -> None:
    monkeypatch.setenv("PAPERLIGHT_LLM_BASE_URL", openai_stub.url)
    monkeypatch.setenv("PAPERLIGHT_LLM_MODEL", "stub-model")
    monkeypatch.setenv("PAPERLIGHT_LLM_MAX_RETRIES", "0")
    openai_stub.reply(Reply(status=500, error="boom"))
    at = ask(open_paper(), QUESTION)
    (error,) = at.error
    assert error.value.startswith("the LLM at") and "server error 500" in error.value
    assert state_of(at).turns == []

    openai_stub.reply('It has "12M nodes of this type" [1].')
    ask(at, QUESTION)
    assert not at.error and len(state_of(at).turns) == 1


def test_the_page_image_is_cut_around_the_evidence() -> None:
    from PIL import Image, ImageDraw

    from paperlight.rendering import PageFrame
    from paperlight.ui.page import SCALE, around_evidence

    def page_with(box: tuple[float, float, float, float]) -> Image.Image:
        image = Image.new("L", (round(612 * SCALE), round(792 * SCALE)), 255)
        ImageDraw.Draw(image).rectangle([round(v * SCALE) for v in box], fill=0)
        return image

    def inked(image: Image.Image) -> int:
        return image.histogram()[0]

    frame = PageFrame(left=0, top=0, width=612, height=792)
    for box in [(300.0, 600.0, 500.0, 612.0), (10.0, 770.0, 90.0, 790.0), (72, 20, 540, 60)]:
        image = page_with(box)
        band = around_evidence(image, frame, [box])
        assert band.width == image.width and band.height < image.height / 2
        assert band.height >= 300 * SCALE  # readable, even at the page's edges
        assert inked(band) == inked(image) > 0  # the whole highlight is in view
    assert around_evidence(image, frame, []) is image
