"""The rendered page with its highlights: around the evidence by default (so the highlighted
lines are in view without scrolling), or whole; with buttons to move between pages."""

from __future__ import annotations

from typing import Any

import streamlit as st
from PIL import Image

from paperlight.models import Box
from paperlight.rendering import RGBA, PageFrame, page_frame, render_page
from paperlight.services import Context
from paperlight.sessions import Turn
from paperlight.ui.state import AppState

SCALE = 1.5  # pixels per PDF point
#: Points of page kept above and below the highlights, and the least height shown.
CONTEXT_PT = 90.0
MIN_HEIGHT_PT = 300.0


def around_evidence(
    image: Image.Image, frame: PageFrame, boxes: list[Box], scale: float = SCALE
) -> Image.Image:
    """The full-width band of the page image that holds ``boxes`` with some context."""
    if not boxes:
        return image
    pixels = [frame.to_pixels(box, scale) for box in boxes]
    top = min(p[1] for p in pixels) - CONTEXT_PT * scale
    bottom = max(p[3] for p in pixels) + CONTEXT_PT * scale
    missing = MIN_HEIGHT_PT * scale - (bottom - top)
    if missing > 0:
        top, bottom = top - missing / 2, bottom + missing / 2
    if top < 0:
        top, bottom = 0, bottom - top
    if bottom > image.height:
        top, bottom = max(0, top - (bottom - image.height)), image.height
    return image.crop((0, round(top), image.width, round(bottom)))


def page_pane(
    ctx: Context,
    state: AppState,
    turn: Turn,
    paper_id: str,
    page: int,
    highlights: list[tuple[Box, RGBA]],
) -> None:
    record: dict[str, Any] = ctx.library.paper(paper_id) or {}
    path = ctx.library.pdf_path(paper_id)
    if not record or not path.is_file():
        st.info("The page image is not available: this paper is no longer in the library.")
        return
    total = int(record.get("pages", page))
    page = min(max(page, 1), total)
    with st.container(horizontal=True, vertical_alignment="center", gap="small"):
        st.button(
            "‹",
            key="page-prev",
            disabled=page <= 1,
            help="previous page",
            on_click=state.focus,
            args=(turn.id, state.focus_marker, page - 1),
        )
        st.caption(f"Page {page} of {total}")
        st.button(
            "›",
            key="page-next",
            disabled=page >= total,
            help="next page",
            on_click=state.focus,
            args=(turn.id, state.focus_marker, page + 1),
        )
        if highlights:
            state.whole_page = st.toggle("whole page", value=state.whole_page, key="whole-page")
    cache = ctx.settings.cache_dir
    image = render_page(path, page, highlights, SCALE, cache_dir=cache, paper_id=paper_id)
    if highlights and not state.whole_page:
        image = around_evidence(image, page_frame(path, page), [box for box, _ in highlights])
    st.image(image, width="stretch")
