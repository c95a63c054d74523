"""Choosing the paper: upload a PDF (with a progress bar while it is indexed) or pick one from
the library; and the paper's header once chosen."""

from __future__ import annotations

from typing import Any

import streamlit as st

from paperlight.library import IngestResult
from paperlight.services import Context
from paperlight.ui.errors import shown_errors
from paperlight.ui.state import AppState
from paperlight.ui.text import authors_line, plain

#: Share of the progress bar each ingest stage fills, and what it is called.
_STAGES = {
    "parsing": (0.0, 0.45, "Reading the PDF: page"),
    "embedding": (0.45, 0.9, "Embedding passages"),
    "indexing": (0.9, 1.0, "Indexing passages"),
}
_PICKER = "paper_picker"  # the selectbox's widget key


def ingest_upload(ctx: Context, data: bytes, name: str) -> IngestResult:
    """Ingest an uploaded PDF with a progress bar (the same file again returns at once)."""
    bar = st.progress(0.0, text="Reading the PDF…")

    def progress(stage: str, done: int, total: int) -> None:
        low, high, label = _STAGES.get(stage, (0.0, 1.0, stage))
        share = low + (high - low) * (done / total if total else 1.0)
        bar.progress(min(max(share, 0.0), 1.0), text=f"{label} {done}/{total}")

    try:
        return ctx.library.ingest(data, name, progress=progress)
    finally:
        bar.empty()


def picker(ctx: Context, state: AppState) -> None:
    """Upload or library choice; sets ``state.paper_id`` (a new paper starts a new session)."""
    upload = st.file_uploader("Upload a paper (PDF)", type="pdf", key="upload")
    if upload is not None and upload.file_id != state.uploaded_file:
        state.uploaded_file = upload.file_id  # once: a failing file is not retried each rerun
        with shown_errors():
            result = ingest_upload(ctx, upload.getvalue(), upload.name)
            state.select_paper(result.record["id"])
            if result.already_there:
                st.toast("Already in the library: opened it.")

    with shown_errors():
        papers = {p["id"]: p for p in ctx.library.papers()}
        if not papers:
            return
        if state.paper_id in papers and st.session_state.get(_PICKER) != state.paper_id:
            st.session_state[_PICKER] = state.paper_id  # follow uploads and "open in Ask"
        chosen = st.selectbox(
            "Or pick one from the library",
            list(papers),
            index=None,
            format_func=lambda pid: _label(papers[pid]),
            placeholder="Choose a paper",
            key=_PICKER,
        )
        if chosen is not None and chosen != state.paper_id:
            state.select_paper(chosen)


def _label(record: dict[str, Any]) -> str:
    title = record.get("title") or record.get("filename") or record["id"][:12]
    return title if len(title) <= 80 else title[:79] + "…"


def header(record: dict[str, Any]) -> None:
    st.subheader(plain(record.get("title") or record.get("filename") or "Untitled"))
    details = [authors_line(list(record.get("authors", [])))] if record.get("authors") else []
    details.append(f"{record.get('pages', '?')} pages · {record.get('passages', '?')} passages")
    st.caption(" · ".join(plain(d) for d in details))
