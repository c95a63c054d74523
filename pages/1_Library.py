"""Library: the papers indexed so far; open one in the Ask page, or delete it."""

from __future__ import annotations

import streamlit as st

from paperlight.ui.confirm import confirm_delete, delete_button
from paperlight.ui.context import get_context
from paperlight.ui.errors import shown_errors
from paperlight.ui.state import get_state
from paperlight.ui.text import authors_line, plain

st.set_page_config(
    page_title="Library · paperlight", page_icon=":material/library_books:", layout="wide"
)
state = get_state()
st.title("Library")

papers = []
with shown_errors():
    ctx = get_context()
    papers = ctx.library.papers()
    if not papers:
        st.info("No papers yet: upload one on the Ask page.")
        st.page_link("app.py", label="Go to Ask", icon=":material/chat:")

for record in reversed(papers):  # newest first
    pid = record["id"]
    with st.container(border=True, key=f"paper-{pid}"):
        st.markdown(f"**{plain(record.get('title') or record.get('filename') or pid[:12])}**")
        if record.get("authors"):
            st.caption(plain(authors_line(record["authors"])))
        st.caption(
            f"{record.get('pages', '?')} pages · {record.get('passages', '?')} passages · "
            f"added {record.get('added', '')[:10]} · {plain(record.get('filename', ''))}"
        )
        with st.container(horizontal=True, gap="small"):
            if st.button("Open in Ask", key=f"open-{pid}", type="primary"):
                state.select_paper(pid)
                st.switch_page("app.py")
            delete_button(state, pid)

        def delete(pid: str = pid, title: str = record.get("title") or pid[:12]) -> str:
            ctx.library.delete(pid)
            if state.paper_id == pid:
                state.select_paper(None)
            return f"Deleted “{title}”."

        confirm_delete(
            state,
            pid,
            "Delete this paper, its passages and its PDF? Sessions about it stay.",
            delete,
        )

if notice := state.take_notice():
    st.success(notice)
