"""Sessions and turns: save, list, resume, search by meaning, export (Markdown, JSON), delete.

A turn is one question and its answer, stored as a point of Qdrant's ``sessions`` collection:
the question's embedding as the vector (so past questions can be searched by meaning) and the
turn as the payload. A turn keeps what the reader saw: the answer, its citations with their
page boxes, and the text of the retrieved passages, so a session can be resumed and exported
even after its paper left the library. Nothing from the settings is stored (no API key).

Payloads carry ``schema_version``. When the shape changes, append a function to
``MIGRATIONS`` (``MIGRATIONS[n]`` upgrades version ``n`` to ``n + 1``) and raise
``SCHEMA_VERSION``; old payloads are upgraded as they are read, never rewritten in place.
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from paperlight.errors import PaperlightError, StoreError
from paperlight.models import Answer, Box, Citation, EvidenceSpan

if TYPE_CHECKING:
    from paperlight.services import Context

Payload = dict[str, Any]

SCHEMA_VERSION = 1


def _v0_to_v1(payload: Payload) -> Payload:
    """Version 0: turns written before payloads were versioned, with the answer under
    ``answer_text`` and no stored passages or paper titles."""
    payload = dict(payload)
    if "answer" not in payload:
        payload["answer"] = payload.pop("answer_text", "")
    payload.setdefault("rewritten_question", "")
    payload.setdefault("paper_titles", [])
    payload.setdefault("passages", [])
    payload.setdefault("model", "")
    return payload


#: ``MIGRATIONS[n]`` turns a version-``n`` payload into a version-``n + 1`` one.
MIGRATIONS: list[Callable[[Payload], Payload]] = [_v0_to_v1]
assert len(MIGRATIONS) == SCHEMA_VERSION


def upgrade(payload: Payload) -> Payload:
    """A stored payload in the current schema, running the migrations it has not had."""
    version = int(payload.get("schema_version", 0))
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"A session turn was written by a newer paperlight (schema {version}, this one "
            f"reads up to {SCHEMA_VERSION}): upgrade paperlight."
        )
    for migrate in MIGRATIONS[version:]:
        payload = migrate(payload)
    return {**payload, "schema_version": SCHEMA_VERSION}


# ---------------------------------------------------------------- the data


@dataclass(frozen=True)
class SourcePassage:
    """A retrieved passage as the reader saw it (no word boxes: citations hold those)."""

    id: str
    paper_id: str
    section: str
    pages: tuple[int, ...]
    score: float
    text: str


@dataclass(frozen=True)
class Turn:
    id: str
    session_id: str
    paper_ids: tuple[str, ...]
    paper_titles: tuple[str, ...]
    question: str
    rewritten_question: str
    answer: str
    mode: str  # "llm" or "extractive"
    model: str
    abstained: bool
    answerability: float
    citations: tuple[Citation, ...]
    passages: tuple[SourcePassage, ...]
    created: str  # ISO 8601, UTC

    def passage(self, passage_id: str) -> SourcePassage | None:
        return next((p for p in self.passages if p.id == passage_id), None)


@dataclass(frozen=True)
class SessionSummary:
    session_id: str
    paper_titles: tuple[str, ...]
    first_question: str
    created: str
    updated: str
    turns: int


def new_session_id() -> str:
    return uuid.uuid4().hex[:12]


def turn_from_answer(
    session_id: str,
    paper_ids: Sequence[str],
    answer: Answer,
    paper_titles: Sequence[str] = (),
) -> Turn:
    passages = tuple(
        SourcePassage(
            id=sp.passage.id,
            paper_id=sp.passage.paper_id,
            section=sp.passage.section,
            pages=tuple(sp.passage.pages),
            score=float(sp.score),
            text=sp.passage.text,
        )
        for sp in answer.passages
    )
    return Turn(
        id=str(uuid.uuid4()),
        session_id=session_id,
        paper_ids=tuple(paper_ids),
        paper_titles=tuple(paper_titles),
        question=answer.question,
        rewritten_question=answer.rewritten_question,
        answer=answer.text,
        mode=answer.mode,
        model=answer.model,
        abstained=answer.abstained,
        answerability=float(answer.answerability),
        citations=tuple(answer.citations),
        passages=passages,
        created=datetime.now(UTC).isoformat(timespec="microseconds"),
    )


# ---------------------------------------------------------------- payloads


def _boxes(boxes: Sequence[Box]) -> list[list[float]]:
    return [[round(float(v), 2) for v in box] for box in boxes]


def _span_payload(span: EvidenceSpan) -> Payload:
    return {
        "text": span.text,
        "page": span.page,
        "boxes": _boxes(span.boxes),
        "pages": [[page, _boxes(boxes)] for page, boxes in span.pages],
    }


def _span(data: Payload) -> EvidenceSpan:
    def boxes(raw: list[list[float]]) -> tuple[Box, ...]:
        return tuple((b[0], b[1], b[2], b[3]) for b in raw)

    return EvidenceSpan(
        text=data["text"],
        page=int(data["page"]),
        boxes=boxes(data["boxes"]),
        pages=tuple((int(page), boxes(raw)) for page, raw in data.get("pages", [])),
    )


def to_payload(turn: Turn) -> Payload:
    return {
        "schema_version": SCHEMA_VERSION,
        "turn_id": turn.id,
        "session_id": turn.session_id,
        "paper_ids": list(turn.paper_ids),
        "paper_titles": list(turn.paper_titles),
        "question": turn.question,
        "rewritten_question": turn.rewritten_question,
        "answer": turn.answer,
        "mode": turn.mode,
        "model": turn.model,
        "abstained": turn.abstained,
        "answerability": round(turn.answerability, 4),
        "citations": [
            {
                "marker": c.marker,
                "passage_id": c.passage_id,
                "page": c.spans[0].page if c.spans else None,
                "quote": c.quote,
                "section": c.section,
                "spans": [_span_payload(s) for s in c.spans],
            }
            for c in turn.citations
        ],
        "passages": [
            {
                "id": p.id,
                "paper_id": p.paper_id,
                "section": p.section,
                "pages": list(p.pages),
                "score": round(p.score, 4),
                "text": p.text,
            }
            for p in turn.passages
        ],
        "created": turn.created,
    }


def from_payload(payload: Payload) -> Turn:
    p = upgrade(payload)
    return Turn(
        id=p["turn_id"],
        session_id=p["session_id"],
        paper_ids=tuple(p.get("paper_ids", [])),
        paper_titles=tuple(p.get("paper_titles", [])),
        question=p["question"],
        rewritten_question=p.get("rewritten_question", ""),
        answer=p["answer"],
        mode=p.get("mode", "extractive"),
        model=p.get("model", ""),
        abstained=bool(p.get("abstained", False)),
        answerability=float(p.get("answerability", 0.0)),
        citations=tuple(
            Citation(
                marker=int(c["marker"]),
                passage_id=c["passage_id"],
                quote=c.get("quote", ""),
                spans=tuple(_span(s) for s in c.get("spans", [])),
                section=c.get("section", ""),
            )
            for c in p.get("citations", [])
        ),
        passages=tuple(
            SourcePassage(
                id=s["id"],
                paper_id=s.get("paper_id", ""),
                section=s.get("section", ""),
                pages=tuple(s.get("pages", [])),
                score=float(s.get("score", 0.0)),
                text=s.get("text", ""),
            )
            for s in p.get("passages", [])
        ),
        created=p.get("created", ""),
    )


# ---------------------------------------------------------------- workflows


def save_turn(ctx: Context, session_id: str, paper_ids: Sequence[str], answer: Answer) -> Turn:
    """Store one question and its answer in ``session_id``; returns the stored turn."""
    titles = []
    for pid in paper_ids:
        record = ctx.library.paper(pid)
        titles.append((record or {}).get("title", "") or pid[:12])
    turn = turn_from_answer(session_id, paper_ids, answer, titles)
    payload = to_payload(turn)
    ctx.store.upsert_turn(turn.id, ctx.embedder.embed_query(turn.question), payload)
    return from_payload(payload)  # exactly what a later read gives (numbers rounded)


def turns_of(ctx: Context, session_id: str) -> list[Turn]:
    """The turns of one session, oldest first."""
    turns = [from_payload(p) for p in ctx.store.turns(session_id)]
    return sorted(turns, key=lambda t: t.created)


def list_sessions(ctx: Context) -> list[SessionSummary]:
    """Every session, the most recently used first."""
    by_session: dict[str, list[Turn]] = {}
    for payload in ctx.store.turns():
        turn = from_payload(payload)
        by_session.setdefault(turn.session_id, []).append(turn)
    summaries = []
    for session_id, turns in by_session.items():
        turns.sort(key=lambda t: t.created)
        titles = dict.fromkeys(title for t in turns for title in t.paper_titles)
        summaries.append(
            SessionSummary(
                session_id=session_id,
                paper_titles=tuple(titles),
                first_question=turns[0].question,
                created=turns[0].created,
                updated=turns[-1].created,
                turns=len(turns),
            )
        )
    return sorted(summaries, key=lambda s: s.updated, reverse=True)


def search(ctx: Context, query: str, limit: int = 10) -> list[tuple[Turn, float]]:
    """Past turns whose question is closest in meaning to ``query``, best first."""
    if not query.strip():
        return []
    hits = ctx.store.search_turns(ctx.embedder.embed_query(query), limit)
    return [(from_payload(payload), score) for payload, score in hits]


def delete_session(ctx: Context, session_id: str) -> int:
    """Delete a session's turns; returns how many there were."""
    count = len(ctx.store.turns(session_id))
    ctx.store.delete_session(session_id)
    return count


def resolve(ctx: Context, key: str) -> str:
    """A session id from the id itself or an unambiguous prefix of it."""
    ids = {s.session_id for s in list_sessions(ctx)}
    if key in ids:
        return key
    matches = sorted(i for i in ids if i.startswith(key)) if key else []
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise PaperlightError(f"'{key}' matches {len(matches)} sessions: give more of the id.")
    raise PaperlightError(f"No session '{key}': see `paperlight sessions list`.")


# ---------------------------------------------------------------- export


def mode_label(turn: Turn) -> str:
    if turn.mode == "extractive":
        return "extractive — the paper's own sentences"
    return f"LLM: {turn.model}" if turn.model else "LLM"


def citation_pages(citation: Citation) -> list[int]:
    return sorted({page for s in citation.spans for page, _ in (s.pages or ((s.page, s.boxes),))})


def export_markdown(ctx: Context, session_id: str) -> str:
    """The session as Markdown: its papers, then each question, answer and quoted evidence."""
    turns = _existing(ctx, session_id)
    titles = list(dict.fromkeys(title for t in turns for title in t.paper_titles))
    lines = [f"# {'; '.join(titles) or 'paperlight session'}", ""]
    lines += [
        f"Session `{session_id}` · started {turns[0].created[:16].replace('T', ' ')} UTC "
        f"· {len(turns)} question{'s' if len(turns) != 1 else ''}",
        "",
    ]
    for n, turn in enumerate(turns, start=1):
        lines += [f"## {n}. {turn.question}", ""]
        if turn.rewritten_question and turn.rewritten_question != turn.question:
            lines += [f"*searched as: {turn.rewritten_question}*", ""]
        lines += [f"*{mode_label(turn)}*", "", turn.answer.strip(), ""]
        if turn.citations:
            lines.append("Evidence:")
            lines.append("")
            for c in turn.citations:
                pages = ", ".join(map(str, citation_pages(c))) or "?"
                where = f"p. {pages}" + (f", {c.section}" if c.section else "")
                lines.append(f'- [{c.marker}] {where}: "{c.quote}"')
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def export_json(ctx: Context, session_id: str) -> str:
    """The session as JSON: ``{"session_id", "papers", "turns": [stored turn, ...]}``."""
    turns = _existing(ctx, session_id)
    papers: dict[str, str] = {}
    for t in turns:  # migrated turns may lack titles
        for i, pid in enumerate(t.paper_ids):
            papers.setdefault(pid, t.paper_titles[i] if i < len(t.paper_titles) else "")
    document = {
        "session_id": session_id,
        "schema_version": SCHEMA_VERSION,
        "papers": [{"id": pid, "title": title} for pid, title in papers.items()],
        "turns": [to_payload(t) for t in turns],
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


def _existing(ctx: Context, session_id: str) -> list[Turn]:
    turns = turns_of(ctx, session_id)
    if not turns:
        raise PaperlightError(f"No session '{session_id}': see `paperlight sessions list`.")
    return turns


# ---------------------------------------------------------------- command line


def cli(ctx: Context, args: argparse.Namespace) -> int:
    """`paperlight sessions list|show|export|delete|search [target] [--format] [--output]`."""
    if args.action == "list":
        for s in list_sessions(ctx):
            titles = "; ".join(s.paper_titles) or "?"
            print(
                f"{s.session_id}  {s.updated[:16].replace('T', ' ')}  {s.turns:>3} turns  "
                f"{titles} — {s.first_question}"
            )
        return 0
    if not args.target:
        what = "a query" if args.action == "search" else "a session id"
        print(f"paperlight: sessions {args.action} needs {what}", file=sys.stderr)
        return 2
    if args.action == "search":
        for turn, score in search(ctx, args.target):
            print(f"{score:.2f}  {turn.session_id}  {turn.question}")
        return 0
    session_id = resolve(ctx, args.target)
    if args.action == "delete":
        count = delete_session(ctx, session_id)
        print(f"deleted session {session_id} ({count} turns)")
        return 0
    # show and export: the same document, on stdout or into --output
    text = (export_json if args.format == "json" else export_markdown)(ctx, session_id)
    if args.output is not None:
        args.output.write_text(text, encoding="utf-8")
        print(f"wrote {args.output}")
    else:
        print(text, end="")
    return 0
