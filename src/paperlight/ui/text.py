"""Text from papers and readers shown through Streamlit's Markdown elements, inertly."""

from __future__ import annotations

import re

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|$<>~&:])")


def plain(text: str) -> str:
    """``text`` with every Markdown (and LaTeX ``$``) character escaped, so it shows as typed."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def authors_line(authors: list[str], limit: int = 6) -> str:
    if len(authors) <= limit:
        return ", ".join(authors)
    return ", ".join(authors[:limit]) + f" and {len(authors) - limit} more"
