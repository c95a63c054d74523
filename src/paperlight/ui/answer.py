"""One turn of the conversation: the question, the mode, the answer and its citation chips."""

from __future__ import annotations

import streamlit as st

from paperlight import prompts
from paperlight.sessions import Turn, citation_pages
from paperlight.ui.highlight import answer_html
from paperlight.ui.state import AppState
from paperlight.ui.text import plain


def mode_badge(mode: str, model: str) -> None:
    if mode == "extractive":
        st.badge(
            "extractive — the paper's own sentences", icon=":material/format_quote:", color="gray"
        )
    else:
        st.badge(f"LLM: {model}" if model else "LLM", icon=":material/smart_toy:", color="blue")


def answer_text(turn: Turn) -> str:
    """The answer without the extractive label line (the badge says it)."""
    return turn.answer.removeprefix(prompts.EXTRACTIVE_LABEL).strip()


def show_turn(turn: Turn, state: AppState) -> None:
    with st.chat_message("user"):
        st.markdown(plain(turn.question))
    with st.chat_message("assistant"):
        show_answer(turn, state)


def show_answer(turn: Turn, state: AppState) -> None:
    mode_badge(turn.mode, turn.model)
    if turn.rewritten_question and turn.rewritten_question != turn.question:
        st.caption(f"searched as: {plain(turn.rewritten_question)}")
    if turn.abstained:
        st.markdown(f"**{plain(prompts.ABSTENTION_SENTENCE)}**")
        if turn.passages:
            st.caption("The closest passages are at the right; they do not answer the question.")
        _closest_chip(turn, state)
        return
    st.html(f'<div class="pl-answer">{answer_html(answer_text(turn))}</div>')
    chips(turn, state)


def chips(turn: Turn, state: AppState) -> None:
    """One button per citation; choosing one shows its evidence and page at the right."""
    focused = state.focused_turn()
    with st.container(horizontal=True, gap="small"):
        for n, citation in enumerate(turn.citations):
            pages = citation_pages(citation)
            label = f"[{citation.marker}]" + (f" p. {pages[0]}" if pages else "")
            chosen = (
                focused is not None
                and focused.id == turn.id
                and (state.focus_marker or turn.citations[0].marker) == citation.marker
            )
            st.button(
                label,
                key=f"chip-{turn.id}-{n}",
                type="primary" if chosen else "secondary",
                help=citation.section or None,
                on_click=state.focus,
                args=(turn.id, citation.marker, None),
            )


def _closest_chip(turn: Turn, state: AppState) -> None:
    focused = state.focused_turn()
    if turn.passages and (focused is None or focused.id != turn.id):
        st.button(
            "show closest passages",
            key=f"closest-{turn.id}",
            type="tertiary",
            on_click=state.focus,
            args=(turn.id, None, None),
        )
