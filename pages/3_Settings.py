"""Settings: the active configuration, an LLM connection test, and a session-only API key."""

from __future__ import annotations

import time

import streamlit as st

from paperlight.errors import LLMError
from paperlight.ui.context import get_context
from paperlight.ui.errors import shown_errors
from paperlight.ui.state import get_state

st.set_page_config(
    page_title="Settings · paperlight", page_icon=":material/settings:", layout="wide"
)
state = get_state()
st.title("Settings")
st.caption(
    "Set through PAPERLIGHT_* environment variables or a .env file (see the README); "
    "restart the app after changing them."
)

with shown_errors():
    ctx = get_context()
    settings = ctx.settings
    llm = f"{ctx.llm.model} at {ctx.llm.base_url}" if ctx.llm else "none: extractive answers"
    rows = {
        "LLM": llm,
        "Embedding model": ctx.embedder.model_id
        + (f" at {settings.embed_base_url}" if settings.embed_base_url else " (bundled)"),
        "Qdrant": ("server " if ctx.store.is_server else "local folder ") + ctx.store.location,
        "Data folder": str(settings.home_dir),
        "Passages per question": str(settings.top_k),
        "Abstention threshold": f"{settings.abstain_threshold:g}",
    }
    st.table({"setting": list(rows), "value": list(rows.values())})

    st.subheader("Test the LLM connection")
    if st.button("Test connection", icon=":material/network_check:"):
        if ctx.llm is None:
            st.info("No LLM is configured: answers are extractive, quoted from the paper.")
        else:
            started = time.perf_counter()
            try:
                reply = ctx.llm.complete([{"role": "user", "content": "Reply with one word: OK"}])
            except LLMError as error:
                st.error(f"Failed: {error}", icon=":material/error:")
            else:
                took = time.perf_counter() - started
                st.success(
                    f"Connected to {ctx.llm.model}: it replied “{reply.strip()[:40]}” "
                    f"in {took:.1f} s."
                )

st.subheader("API key for this browser session")
st.caption(
    "Kept in this browser session only: never written to disk, gone when the tab closes. "
    "Used instead of PAPERLIGHT_LLM_API_KEY; with no LLM URL configured, it means "
    "OpenAI's endpoint."
)
if "settings_api_key" not in st.session_state:
    st.session_state["settings_api_key"] = state.api_key
state.api_key = st.text_input("API key", type="password", key="settings_api_key").strip()
if state.api_key:
    st.caption("A session key is set: the next answers use it.")
