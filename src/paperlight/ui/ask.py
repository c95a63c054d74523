"""Asking: suggested first questions, and one question answered (streamed), saved and shown."""

from __future__ import annotations

import streamlit as st

from paperlight import services, sessions
from paperlight.errors import PaperlightError
from paperlight.services import Context
from paperlight.ui.answer import mode_badge, show_answer
from paperlight.ui.errors import shown_errors
from paperlight.ui.highlight import answer_html
from paperlight.ui.state import AppState
from paperlight.ui.text import plain

#: From the deep-learning methodology question set: what readers ask of most papers first.
SUGGESTED_QUESTIONS = (
    "Which hardware was used to train the model?",
    "Where is the code available?",
    "Which hyperparameters were used?",
    "Which frameworks were used?",
    "Which datasets were used?",
)


def suggestions(state: AppState) -> None:
    st.caption("Try one of these, or type your own question below.")
    with st.container(horizontal=True, gap="small"):
        for n, question in enumerate(SUGGESTED_QUESTIONS):
            st.button(question, key=f"suggest-{n}", on_click=_suggest, args=(state, question))


def _suggest(state: AppState, question: str) -> None:
    state.pending_question = question


def ask(ctx: Context, state: AppState, paper_id: str, question: str) -> None:
    """Answer ``question`` about ``paper_id`` in the chat (streamed with an LLM), save the turn
    to the current session and make it the one whose evidence is shown."""
    with st.chat_message("user"):
        st.markdown(plain(question))
    with st.chat_message("assistant"):
        badge = st.empty()
        with badge.container():
            mode_badge("llm" if ctx.llm else "extractive", ctx.llm.model if ctx.llm else "")
        body = st.empty()
        streamed: list[str] = []

        def on_token(token: str) -> None:
            streamed.append(token)
            body.html(f'<div class="pl-answer">{answer_html("".join(streamed))}</div>')

        history = [(t.question, t.answer) for t in state.turns]
        with shown_errors():
            with st.spinner("Searching the paper…"):
                answer = services.ask(ctx, [paper_id], question, on_token=on_token, history=history)
            try:
                turn = services.save_turn(ctx, state.session_id, [paper_id], answer)
            except PaperlightError as error:  # still show the answer; say it was not kept
                st.warning(f"This answer was not saved to the session: {error}")
                turn = sessions.turn_from_answer(state.session_id, [paper_id], answer)
            state.add_turn(turn)
            badge.empty()
            with body.container():
                show_answer(turn, state)
