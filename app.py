"""paperlight's Ask page: choose a paper, ask, and read the answer beside its evidence.

Layout and calls only: the work is done by paperlight.services and paperlight.sessions, the
pieces of the page are in paperlight.ui.
"""

from __future__ import annotations

import streamlit as st

from paperlight.ui import ask, paper
from paperlight.ui.answer import show_turn
from paperlight.ui.context import get_context
from paperlight.ui.errors import shown_errors
from paperlight.ui.evidence_panel import evidence_panel
from paperlight.ui.state import get_state

PANE_HEIGHT = 680  # pixels: the answer and evidence panes scroll within this

st.set_page_config(page_title="paperlight", page_icon=":material/highlight:", layout="wide")
state = get_state()
if notice := state.take_notice():
    st.toast(notice)

ctx = None
with shown_errors():
    ctx = get_context()
if ctx is None:
    st.stop()

with st.sidebar:
    paper.picker(ctx, state)
    st.divider()
    session_box = st.empty()  # filled last, once this run's question is in the session


def session_controls() -> None:
    with session_box.container():
        st.button(
            "New session",
            icon=":material/add_comment:",
            on_click=state.new_session,
            disabled=not state.turns,
        )
        count = len(state.turns)
        st.caption(f"Session `{state.session_id}` · {count} question{'s' * (count != 1)}")
        st.caption(f"Answers: LLM {ctx.llm.model}" if ctx.llm else "Answers: extractive (no LLM)")


record = ctx.library.paper(state.paper_id) if state.paper_id else None
if record is None:
    st.title("paperlight")
    st.markdown(
        "Upload a scientific paper (PDF) or pick one from the library, then ask about it: "
        "the answer appears beside the sentences of the paper that support it."
    )
    if state.turns:
        st.warning("This session's paper is no longer in the library; its answers stay below.")
        for turn in state.turns:
            show_turn(turn, state)
    session_controls()
    st.stop()

paper.header(record)
question = st.chat_input("Ask about this paper") or state.take_pending_question()
left, right = st.columns([9, 11], gap="medium")
# Two panes of the window's height: the conversation scrolls on its own, beside the evidence.
with left, st.container(height=PANE_HEIGHT, border=False, autoscroll=True):
    if not state.turns and not question:
        ask.suggestions(state)
    for turn in state.turns:
        show_turn(turn, state)
    if question:
        ask.ask(ctx, state, record["id"], question)
with right, st.container(height=PANE_HEIGHT, border=False), shown_errors():
    evidence_panel(ctx, state)
session_controls()
