"""The evidence of one turn: the cited passages with their supporting sentences marked, then
the page with the same sentences highlighted. An abstained turn shows its closest passages,
labelled as not answering the question."""

from __future__ import annotations

import streamlit as st

from paperlight.models import Citation
from paperlight.rendering import citation_highlights
from paperlight.services import Context
from paperlight.sessions import SourcePassage, Turn, citation_pages
from paperlight.ui.highlight import css_colour, evidence_ranges, marked_html
from paperlight.ui.page import page_pane
from paperlight.ui.state import AppState
from paperlight.ui.text import plain

CLOSEST_LABEL = "closest passages — they do not answer the question"
_CARD_STYLE = "max-height: 13em; overflow-y: auto; line-height: 1.55; font-size: 0.95rem"


def evidence_panel(ctx: Context, state: AppState) -> None:
    turn = state.focused_turn()
    if turn is None:
        st.caption("The sentences of the paper behind each answer appear here, with the page.")
        return
    if turn.abstained or not turn.citations:
        _closest(ctx, state, turn)
        return
    focused = _focused_citation(turn, state.focus_marker)
    _citation_card(state, turn, focused)
    for citation in turn.citations:
        if citation is not focused:
            _citation_expander(state, turn, citation)
    passage = turn.passage(focused.passage_id)
    paper_id = passage.paper_id if passage else (turn.paper_ids[0] if turn.paper_ids else "")
    pages = citation_pages(focused)
    page = state.focus_page or (pages[0] if pages else 1)
    page_pane(ctx, state, turn, paper_id, page, citation_highlights(turn.citations, page))


def _focused_citation(turn: Turn, marker: int | None) -> Citation:
    return next((c for c in turn.citations if c.marker == marker), turn.citations[0])


def _where(citation: Citation, pages: list[int]) -> str:
    parts = [f"[{citation.marker}]", plain(citation.section)]
    if pages:
        parts.append("p. " + ", ".join(map(str, pages)))
    return " · ".join(p for p in parts if p)


def _pages(turn: Turn, citation: Citation) -> list[int]:
    passage = turn.passage(citation.passage_id)
    return citation_pages(citation) or list(passage.pages if passage else [])


def _citation_card(state: AppState, turn: Turn, citation: Citation) -> None:
    """The chosen citation: its passage with the evidence marked, and its pages."""
    pages = _pages(turn, citation)
    with st.container(border=True, key=f"card-{turn.id}-{citation.marker}"):
        with st.container(horizontal=True, vertical_alignment="center", gap="small"):
            st.markdown(f"**{_where(citation, pages)}**")
            if len(pages) > 1:
                _page_buttons(state, turn, citation.marker, pages, f"{turn.id}-{citation.marker}")
        st.html(_passage_html(turn, citation))


def _citation_expander(state: AppState, turn: Turn, citation: Citation) -> None:
    """Another citation of the same answer, folded; choosing it shows it on the page."""
    with st.expander(_where(citation, _pages(turn, citation))):
        st.html(_passage_html(turn, citation))
        st.button(
            "show on the page",
            key=f"show-{turn.id}-{citation.marker}",
            type="tertiary",
            on_click=state.focus,
            args=(turn.id, citation.marker, None),
        )


def _passage_html(turn: Turn, citation: Citation) -> str:
    passage = turn.passage(citation.passage_id)
    colour = css_colour(citation.marker)
    if passage is not None and passage.text:
        body = marked_html(passage.text, evidence_ranges(passage.text, citation), colour)
    else:  # a turn stored without its passage: the quote is all there is
        body = marked_html(citation.quote, [(0, len(citation.quote))], colour)
    return f'<div class="pl-evidence" style="{_CARD_STYLE}">{body}</div>'


def _closest(ctx: Context, state: AppState, turn: Turn) -> None:
    passages = list(turn.passages[:3])
    if not passages:
        st.caption("No passage of the paper came close to this question.")
        return
    st.warning(CLOSEST_LABEL, icon=":material/info:")
    for n, passage in enumerate(passages):
        _closest_card(state, turn, passage, n)
    first = passages[0]
    page = state.focus_page or (first.pages[0] if first.pages else 1)
    page_pane(ctx, state, turn, first.paper_id, page, [])


def _closest_card(state: AppState, turn: Turn, passage: SourcePassage, n: int) -> None:
    with st.container(border=True, key=f"closest-{turn.id}-{n}"):
        pages = ", ".join(map(str, passage.pages))
        st.markdown(" · ".join(p for p in (plain(passage.section), f"p. {pages}") if p))
        body = marked_html(passage.text, [])
        st.html(f'<div class="pl-passage" style="{_CARD_STYLE}">{body}</div>')
        _page_buttons(state, turn, None, list(passage.pages), f"{turn.id}-c{n}")


def _page_buttons(
    state: AppState, turn: Turn, marker: int | None, pages: list[int], key: str
) -> None:
    with st.container(horizontal=True, gap="small"):
        for page in pages:
            st.button(
                f"show page {page}",
                key=f"page-{key}-{page}",
                type="tertiary",
                on_click=state.focus,
                args=(turn.id, marker, page),
            )
