"""The app's per-browser-session state: one typed object under one st.session_state key.

Widgets keep their own keys (Streamlit needs them); everything the app itself remembers
between reruns and pages lives here, so it can be read and changed with type checking.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import streamlit as st

from paperlight.sessions import Turn, new_session_id

_KEY = "paperlight"


@dataclass
class AppState:
    paper_id: str | None = None  # the paper being asked about
    session_id: str = field(default_factory=new_session_id)
    turns: list[Turn] = field(default_factory=list)  # of the current session, oldest first
    focus_turn: str | None = None  # the turn whose evidence is shown (None: the last one)
    focus_marker: int | None = None  # its citation shown first (None: the first one)
    focus_page: int | None = None  # the page shown (None: the focused citation's first page)
    whole_page: bool = False  # the page image whole, or around the evidence
    pending_question: str | None = None  # a suggested question that was clicked
    uploaded_file: str | None = None  # file id of the last upload ingested (not again)
    confirm_delete: str | None = None  # a paper or session id awaiting "yes, delete"
    api_key: str = ""  # typed on the Settings page: this browser session only, never on disk
    notice: str = ""  # a message for the next page shown (after st.switch_page)

    def select_paper(self, paper_id: str | None) -> None:
        """Ask about another paper: a new session, since a session is about its papers."""
        if paper_id != self.paper_id:
            self.paper_id = paper_id
            self.new_session()

    def new_session(self) -> None:
        self.session_id = new_session_id()
        self.turns = []
        self.focus(None)

    def resume(self, session_id: str, turns: list[Turn]) -> None:
        """Continue a stored session on the Ask page, with its first paper selected."""
        self.session_id = session_id
        self.turns = list(turns)
        self.paper_id = turns[0].paper_ids[0] if turns and turns[0].paper_ids else None
        self.focus(None)

    def add_turn(self, turn: Turn) -> None:
        self.turns.append(turn)
        self.focus(None)

    def focus(
        self, turn_id: str | None, marker: int | None = None, page: int | None = None
    ) -> None:
        self.focus_turn, self.focus_marker, self.focus_page = turn_id, marker, page

    def focused_turn(self) -> Turn | None:
        for turn in self.turns:
            if turn.id == self.focus_turn:
                return turn
        return self.turns[-1] if self.turns else None

    def take_notice(self) -> str:
        notice, self.notice = self.notice, ""
        return notice

    def take_pending_question(self) -> str | None:
        question, self.pending_question = self.pending_question, None
        return question


def get_state() -> AppState:
    """This browser session's state, created on first use."""
    state = st.session_state.get(_KEY)
    if not isinstance(state, AppState):  # absent, or from before a code reload
        state = st.session_state[_KEY] = AppState()
    return state
