"""Errors as one readable line on the page, never a traceback; the page stays usable."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from paperlight.errors import PaperlightError

log = logging.getLogger("paperlight.ui")


@contextmanager
def shown_errors() -> Iterator[None]:
    """Run a block; a failure ends the block (not the page) and shows its message.

    Streamlit's own control flow (st.rerun, st.stop, st.switch_page) raises BaseExceptions
    that pass through untouched.
    """
    try:
        yield
    except PaperlightError as error:
        st.error(str(error), icon=":material/error:")
    except Exception as error:  # the last guard: one line on the page, the traceback in the log
        log.exception("unexpected error in the app")
        st.error(f"Unexpected error: {type(error).__name__}: {error}", icon=":material/error:")
