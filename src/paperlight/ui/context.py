"""The app's services context: one per process and configuration, shared by every browser tab.

Local Qdrant allows one client per folder per process, and Streamlit runs each browser session
in its own thread, so the Store (thread-safe) is built once per location and the embedder once
per model, in ``st.cache_resource``, and shared. The Library is shared too (inside the cached
Context) because building one cleans away passages of unfinished ingests, which must not hit
another tab's ingest in progress.
"""

from __future__ import annotations

import dataclasses
import hashlib

import streamlit as st
from pydantic import SecretStr, ValidationError

from paperlight import services
from paperlight.config import Settings, load_settings
from paperlight.embedding import Embedder, load_embedder
from paperlight.errors import PaperlightError
from paperlight.llm import LLM
from paperlight.store import Store
from paperlight.ui.state import get_state

_STORE_FIELDS = ("home", "qdrant_path", "qdrant_url", "qdrant_api_key")
_EMBED_FIELDS = ("embed_base_url", "embed_model", "embed_api_key")


def fingerprint(settings: Settings, fields: tuple[str, ...] = ()) -> str:
    """A digest of the settings (or some of their fields), secrets included, as a cache key."""
    items = []
    for name, value in settings:
        if fields and name not in fields:
            continue
        plain = value.get_secret_value() if isinstance(value, SecretStr) else value
        items.append(f"{name}={plain!r}")
    return hashlib.sha256("\n".join(items).encode()).hexdigest()


@st.cache_resource(show_spinner="Opening the library…", on_release=Store.close)
def _store(key: str, _settings: Settings) -> Store:
    return Store(_settings)


@st.cache_resource(show_spinner="Loading the embedding model…")
def _embedder(key: str, _settings: Settings) -> Embedder:
    return load_embedder(_settings)


@st.cache_resource(show_spinner=False)
def _context(key: str, _settings: Settings) -> services.Context:
    return services.open_context(
        _settings,
        store=_store(fingerprint(_settings, _STORE_FIELDS), _settings),
        embedder=_embedder(fingerprint(_settings, _EMBED_FIELDS), _settings),
    )


def base_context() -> services.Context:
    """The shared context for the current configuration (settings read from the environment)."""
    try:
        settings = load_settings()
    except ValidationError as error:
        problems = "; ".join(str(e.get("msg", e)) for e in error.errors())
        raise PaperlightError(f"The settings are not valid: {problems}") from error
    return _context(fingerprint(settings), settings)


def get_context() -> services.Context:
    """The shared context, with this browser session's LLM when a key was typed in Settings."""
    ctx = base_context()
    key = get_state().api_key
    if not key:
        return ctx
    settings = ctx.settings.model_copy(update={"llm_api_key": SecretStr(key)})
    return dataclasses.replace(ctx, settings=settings, llm=LLM.from_settings(settings))


def release_all() -> None:
    """Drop every cached context and close their stores (tests; an app keeps them)."""
    _context.clear()
    _store.clear()
