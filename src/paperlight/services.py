"""The workflows the faces share: one context (store, embedder, library, LLM) built from
settings, and the steps the CLI and the app both call (ingest, ask, save a turn)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from paperlight import answering, sessions
from paperlight.config import Settings
from paperlight.embedding import Embedder, load_embedder
from paperlight.errors import PaperlightError, PdfError
from paperlight.library import IngestResult, Library, Progress
from paperlight.llm import LLM
from paperlight.models import Answer
from paperlight.retrieval import retrieve
from paperlight.store import Store


@dataclass
class Context:
    settings: Settings
    store: Store
    embedder: Embedder
    library: Library
    llm: LLM | None

    def close(self) -> None:
        self.store.close()


def open_context(
    settings: Settings, store: Store | None = None, embedder: Embedder | None = None
) -> Context:
    """Build the context; ``store`` and ``embedder`` may be shared (the app caches them)."""
    embedder = embedder or load_embedder(settings)
    shared = store is not None
    store = store or Store(settings)
    try:
        library = Library(settings, store, embedder)
        llm = LLM.from_settings(settings)
    except PaperlightError:
        if not shared:  # a shared store belongs to the caller, who may use it again
            store.close()
        raise
    return Context(settings, store, embedder, library, llm)


def ingest_file(ctx: Context, path: Path, progress: Progress | None = None) -> IngestResult:
    if not path.is_file():
        raise PdfError(f"No such file: {path}")
    return ctx.library.ingest(path.read_bytes(), path.name, progress)


def resolve_paper(ctx: Context, key: str, ingest_paths: bool = True) -> dict[str, Any]:
    """A paper record from a PDF path (ingested first if new), an id or id prefix."""
    path = Path(key)
    if path.is_file():
        if not ingest_paths:
            from paperlight.pdf import paper_id

            record = ctx.library.paper(paper_id(path.read_bytes())) if path.is_file() else None
        else:
            record = ingest_file(ctx, path).record
    else:
        record = ctx.library.find(key)
    if record is None:
        raise PaperlightError(
            f"No paper '{key}' in the library: give a PDF path, or see `paperlight papers`."
        )
    return record


def ask(
    ctx: Context,
    paper_ids: Sequence[str],
    question: str,
    k: int | None = None,
    on_token: Callable[[str], None] | None = None,
    history: Sequence[tuple[str, str]] = (),
) -> Answer:
    """Retrieve and answer; a follow-up is first made standalone from ``history``."""
    standalone = follow_up(ctx, question, history)
    found = retrieve(standalone, ctx.store, ctx.embedder, paper_ids, k=k or ctx.settings.top_k)
    result = answering.answer(
        standalone,
        found.passages,
        found.answerability,
        ctx.settings,
        ctx.embedder,
        llm=ctx.llm,
        on_token=on_token,
    )
    result.question = question
    if standalone != question:
        result.rewritten_question = standalone
    return result


def save_turn(
    ctx: Context, session_id: str, paper_ids: Sequence[str], answer: Answer
) -> sessions.Turn:
    """Add a question and its answer to a session (see paperlight.sessions)."""
    return sessions.save_turn(ctx, session_id, paper_ids, answer)


def follow_up(ctx: Context, question: str, history: Sequence[tuple[str, str]]) -> str:
    """With an LLM, the question rewritten with the previous turns; without one, a short
    follow-up ("and the batch size?") carries the previous question's topic."""
    if not history:
        return question
    if ctx.llm is not None:
        return answering.rewrite_question(question, history, ctx.llm)
    if len(question.split()) <= 8:
        return f"{question} ({history[-1][0]})"
    return question


def answer_json(answer: Answer) -> dict[str, Any]:
    """The documented JSON shape of `paperlight ask --json`."""
    return {
        "question": answer.question,
        "rewritten_question": answer.rewritten_question or None,
        "answer": answer.text,
        "mode": answer.mode,
        "model": answer.model or None,
        "abstained": answer.abstained,
        "answerability": round(answer.answerability, 4),
        "citations": [
            {
                "marker": c.marker,
                "passage_id": c.passage_id,
                "page": c.spans[0].page if c.spans else None,
                "section": c.section,
                "quote": c.quote,
                "spans": [
                    {"page": page, "text": s.text, "boxes": [list(map(_pt, b)) for b in boxes]}
                    for s in c.spans
                    for page, boxes in (s.pages or ((s.page, s.boxes),))
                ],
            }
            for c in answer.citations
        ],
        "passages": [
            {
                "rank": sp.rank,
                "id": sp.passage.id,
                "score": round(sp.score, 4),
                "pages": sp.passage.pages,
                "section": sp.passage.section,
                "text": sp.passage.text,
            }
            for sp in answer.passages
        ],
    }


def _pt(value: float) -> float:
    return round(float(value), 2)
