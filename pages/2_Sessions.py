"""Sessions: past questions and answers; resume one, search them by meaning, export, delete."""

from __future__ import annotations

import streamlit as st

from paperlight import sessions
from paperlight.services import Context
from paperlight.ui.confirm import confirm_delete, delete_button
from paperlight.ui.context import get_context
from paperlight.ui.errors import shown_errors
from paperlight.ui.state import AppState, get_state
from paperlight.ui.text import plain

st.set_page_config(
    page_title="Sessions · paperlight", page_icon=":material/history:", layout="wide"
)
state = get_state()
st.title("Sessions")
if notice := state.take_notice():
    st.success(notice)


def resume(ctx: Context, state: AppState, session_id: str) -> None:
    state.resume(session_id, sessions.turns_of(ctx, session_id))
    state.notice = f"Resumed session {session_id}."
    st.switch_page("app.py")


def when(iso: str) -> str:
    return iso[:16].replace("T", " ") + " UTC" if iso else ""


summaries: list[sessions.SessionSummary] = []
with shown_errors():
    ctx = get_context()
    query = st.text_input("Search past questions by meaning", placeholder="e.g. training hardware")
    if query.strip():
        hits = sessions.search(ctx, query, limit=8)
        if not hits:
            st.caption("No questions asked yet.")
        for n, (turn, score) in enumerate(hits):
            with st.container(horizontal=True, vertical_alignment="center", key=f"hit-{n}"):
                st.markdown(
                    f"{plain(turn.question)}  \n"
                    f":gray[{plain('; '.join(turn.paper_titles))} · {when(turn.created)} · "
                    f"similarity {score:.2f}]"
                )
                if st.button("Resume", key=f"resume-hit-{n}"):
                    resume(ctx, state, turn.session_id)
        st.divider()
    summaries = sessions.list_sessions(ctx)
    if not summaries:
        st.info("No sessions yet: every question asked on the Ask page is kept here.")

for summary in summaries:
    sid = summary.session_id
    with st.container(border=True, key=f"session-{sid}"):
        st.markdown(f"**{plain(summary.first_question)}**")
        st.caption(
            f"{plain('; '.join(summary.paper_titles))} · {summary.turns} "
            f"question{'s' if summary.turns != 1 else ''} · {when(summary.updated)} · `{sid}`"
        )
        with st.container(horizontal=True, gap="small"):
            if st.button("Resume", key=f"resume-{sid}", type="primary"):
                with shown_errors():
                    resume(ctx, state, sid)
            for label, export, suffix, mime in (
                ("Markdown", sessions.export_markdown, "md", "text/markdown"),
                ("JSON", sessions.export_json, "json", "application/json"),
            ):
                st.download_button(
                    label,
                    data=lambda sid=sid, export=export: export(ctx, sid),
                    file_name=f"paperlight-{sid}.{suffix}",
                    mime=mime,
                    key=f"{suffix}-{sid}",
                    icon=":material/download:",
                    on_click="ignore",
                )
            delete_button(state, sid)

        def delete(sid: str = sid) -> str:
            sessions.delete_session(ctx, sid)
            if state.session_id == sid:
                state.new_session()
            return "Deleted the session."

        confirm_delete(state, sid, "Delete this session and all its questions and answers?", delete)
