"""paperlight.sessions: turns saved in a real local Qdrant, listed, searched, exported, deleted."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from paperlight import prompts, services, sessions
from paperlight.config import Settings
from paperlight.errors import PaperlightError, StoreError
from paperlight.models import Answer, Citation, EvidenceSpan, Passage, ScoredPassage, Span

BOX = (72.0, 100.5, 290.25, 111.0)


@pytest.fixture
def ctx(settings: Settings) -> Iterator[services.Context]:
    context = services.open_context(settings)
    yield context
    context.close()


def make_answer(
    question: str, quote: str = "We trained on eight V100 GPUs.", page: int = 3
) -> Answer:
    passage = Passage(
        id="00000000-0000-0000-0000-000000000001",
        paper_id="paper-1",
        section="4 Experiments",
        kind="text",
        text=f"Setup. {quote} Results follow.",
        spans=(Span(0, 6, page, (BOX,)),),
    )
    span = EvidenceSpan(text=quote, page=page, boxes=(BOX,), pages=((page, (BOX,)),))
    citation = Citation(1, passage.id, quote, spans=(span,), section=passage.section)
    return Answer(
        question=question,
        text=f'"{quote}" [1]',
        abstained=False,
        mode="extractive",
        answerability=0.71,
        citations=[citation],
        passages=[ScoredPassage(passage, 0.5, 1)],
    )


def test_a_turn_round_trips_through_qdrant(ctx: services.Context) -> None:
    answer = make_answer("Which hardware was used to train the model?")
    answer.rewritten_question = "Which GPUs trained the model?"
    saved = services.save_turn(ctx, "s1", ["paper-1"], answer)

    (loaded,) = sessions.turns_of(ctx, "s1")
    assert loaded == saved
    assert loaded.question == "Which hardware was used to train the model?"
    assert loaded.rewritten_question == "Which GPUs trained the model?"
    assert loaded.citations[0].spans[0].boxes == (BOX,)
    assert loaded.citations[0].spans[0].pages == ((3, (BOX,)),)
    assert loaded.passage(answer.citations[0].passage_id).text.startswith("Setup.")
    assert loaded.paper_titles == ("paper-1",)  # not in the library: the id stands in


def test_sessions_are_listed_newest_first_with_their_turns_in_order(
    ctx: services.Context,
) -> None:
    services.save_turn(ctx, "old", ["paper-1"], make_answer("Where is the code available?"))
    services.save_turn(ctx, "new", ["paper-1"], make_answer("Which frameworks were used?"))
    services.save_turn(ctx, "new", ["paper-1"], make_answer("And the batch size?"))

    summaries = sessions.list_sessions(ctx)
    assert [s.session_id for s in summaries] == ["new", "old"]
    assert summaries[0].turns == 2
    assert summaries[0].first_question == "Which frameworks were used?"
    questions = [t.question for t in sessions.turns_of(ctx, "new")]
    assert questions == ["Which frameworks were used?", "And the batch size?"]


def test_search_finds_past_questions_by_meaning(ctx: services.Context) -> None:
    services.save_turn(ctx, "a", ["p"], make_answer("Which GPUs were used for training?"))
    services.save_turn(ctx, "b", ["p"], make_answer("Where can I download the dataset?"))
    services.save_turn(ctx, "c", ["p"], make_answer("Who funded this research?"))

    hits = sessions.search(ctx, "what hardware did they train on", limit=3)
    assert hits[0][0].session_id == "a"
    assert hits[0][1] > hits[-1][1]
    assert sessions.search(ctx, "   ") == []


def test_delete_removes_only_that_session(ctx: services.Context) -> None:
    services.save_turn(ctx, "keep", ["p"], make_answer("Which frameworks were used?"))
    services.save_turn(ctx, "drop", ["p"], make_answer("Which hyperparameters were used?"))
    services.save_turn(ctx, "drop", ["p"], make_answer("And the learning rate?"))

    assert sessions.delete_session(ctx, "drop") == 2
    assert [s.session_id for s in sessions.list_sessions(ctx)] == ["keep"]
    assert sessions.turns_of(ctx, "drop") == []


def test_exports_hold_questions_answers_and_quotes_with_pages(ctx: services.Context) -> None:
    answer = make_answer("Which hardware was used?", quote="We used 4 TPUs.", page=5)
    services.save_turn(ctx, "x", ["paper-1"], answer)

    markdown = sessions.export_markdown(ctx, "x")
    assert markdown.startswith("# paper-1\n")
    assert "## 1. Which hardware was used?" in markdown
    assert "*extractive — the paper's own sentences*" in markdown
    assert '- [1] p. 5, 4 Experiments: "We used 4 TPUs."' in markdown

    document = json.loads(sessions.export_json(ctx, "x"))
    assert document["session_id"] == "x"
    assert document["papers"] == [{"id": "paper-1", "title": "paper-1"}]
    (turn,) = document["turns"]
    assert turn["citations"][0]["page"] == 5
    assert turn["citations"][0]["spans"][0]["boxes"] == [list(BOX)]

    with pytest.raises(PaperlightError, match="No session 'nope'"):
        sessions.export_markdown(ctx, "nope")


def test_no_setting_and_no_key_reaches_the_payload(tmp_path: Path, clean_env: Path) -> None:
    secret = "sk-test-DO-NOT-STORE-1234"
    keyed = Settings(
        home=tmp_path / "home",
        llm_api_key=SecretStr(secret),
        llm_base_url="http://127.0.0.1:9/v1",
        llm_model="m",
    )
    ctx = services.open_context(keyed)
    try:
        answer = make_answer("Which hardware was used?")
        answer.mode, answer.model = "llm", "m"
        services.save_turn(ctx, "k", ["paper-1"], answer)
        stored = json.dumps(ctx.store.turns("k"))
        exported = sessions.export_json(ctx, "k") + sessions.export_markdown(ctx, "k")
    finally:
        ctx.close()
    assert secret not in stored and secret not in exported
    assert "127.0.0.1:9" not in stored  # the endpoint is configuration, not part of a turn
    assert "LLM: m" in exported


def test_old_payloads_are_upgraded_when_read(ctx: services.Context) -> None:
    v0 = {
        "turn_id": "t0",
        "session_id": "legacy",
        "paper_ids": ["p"],
        "question": "Q?",
        "answer_text": "A.",
        "mode": "extractive",
        "abstained": False,
        "answerability": 0.5,
        "citations": [],
        "created": "2024-01-01T00:00:00+00:00",
    }
    upgraded = sessions.upgrade(v0)
    assert upgraded["schema_version"] == sessions.SCHEMA_VERSION
    assert upgraded["answer"] == "A." and "answer_text" not in upgraded
    assert "answer_text" in v0  # the stored payload is not changed in place

    ctx.store.upsert_turn(
        "7b0c2f9e-0000-4000-8000-000000000000", ctx.embedder.embed_query("Q?"), v0
    )
    (turn,) = sessions.turns_of(ctx, "legacy")
    assert (turn.answer, turn.passages, turn.paper_titles) == ("A.", (), ())
    assert "A." in sessions.export_markdown(ctx, "legacy")

    with pytest.raises(StoreError, match="newer paperlight"):
        sessions.upgrade({**v0, "schema_version": sessions.SCHEMA_VERSION + 1})


def test_a_real_paper_answer_is_saved_and_resumable(ctx: services.Context, acl_pdf: Path) -> None:
    record = services.ingest_file(ctx, acl_pdf).record
    answer = services.ask(ctx, [record["id"]], "How many nodes does the literature graph have?")
    turn = services.save_turn(ctx, "acl", [record["id"]], answer)

    (summary,) = sessions.list_sessions(ctx)
    assert summary.paper_titles == ("Construction of the Literature Graph in Semantic Scholar",)
    (loaded,) = sessions.turns_of(ctx, "acl")
    assert loaded == turn
    assert not loaded.abstained and loaded.answer.startswith(prompts.EXTRACTIVE_LABEL)
    assert loaded.citations and all(c.spans for c in loaded.citations)
    for citation in loaded.citations:
        passage = loaded.passage(citation.passage_id)
        assert passage is not None and passage.paper_id == record["id"]
    markdown = sessions.export_markdown(ctx, "acl")
    assert "12M nodes" in markdown and "p. 2" in markdown


def run_cli(ctx: services.Context, *argv: str) -> int:
    args = argparse.Namespace(
        action=argv[0], target=argv[1] if len(argv) > 1 else None, format="markdown", output=None
    )
    for flag, value in zip(argv[2::2], argv[3::2], strict=True):
        setattr(args, flag.lstrip("-"), Path(value) if flag == "--output" else value)
    return sessions.cli(ctx, args)


def test_cli(ctx: services.Context, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    services.save_turn(ctx, "4f2a9c1e77aa", ["paper-1"], make_answer("Which frameworks?"))

    assert run_cli(ctx, "list") == 0
    assert "4f2a9c1e77aa" in capsys.readouterr().out
    assert run_cli(ctx, "show", "4f2a") == 0  # a prefix is enough
    assert "## 1. Which frameworks?" in capsys.readouterr().out
    out = tmp_path / "s.json"
    assert run_cli(ctx, "export", "4f2a9c", "--format", "json", "--output", str(out)) == 0
    assert json.loads(out.read_text())["turns"][0]["question"] == "Which frameworks?"
    assert run_cli(ctx, "search", "which libraries were used") == 0
    assert "4f2a9c1e77aa" in capsys.readouterr().out
    assert run_cli(ctx, "show") == 2
    with pytest.raises(PaperlightError, match="No session"):
        run_cli(ctx, "delete", "zzz")
    assert run_cli(ctx, "delete", "4f2a9c1e77aa") == 0
    assert sessions.list_sessions(ctx) == []
