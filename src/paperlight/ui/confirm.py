"""A delete button with a confirmation step, shared by the Library and Sessions pages."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from paperlight.ui.errors import shown_errors
from paperlight.ui.state import AppState


def delete_button(state: AppState, key: str) -> None:
    """The first click only asks: it marks ``key`` as waiting for confirmation."""
    if st.button("Delete", key=f"delete-{key}", icon=":material/delete:"):
        state.confirm_delete = key


def confirm_delete(state: AppState, key: str, question: str, delete: Callable[[], str]) -> None:
    """When ``key`` waits for confirmation: ask, and on yes run ``delete`` (which returns the
    notice to show); errors appear in the page."""
    if state.confirm_delete != key:
        return
    st.warning(question)
    with st.container(horizontal=True, gap="small"):
        if st.button("Yes, delete", key=f"confirm-{key}", type="primary"):
            state.confirm_delete = None
            with shown_errors():
                state.notice = delete()
                st.rerun()
        if st.button("Cancel", key=f"cancel-{key}"):
            state.confirm_delete = None
            st.rerun()
