"""HTML for paper text and answers. Every piece of text is HTML-escaped; the only markup added
is ``<mark>`` around evidence sentences and ``<span>`` around citation markers, so nothing from
a paper (or a model) is ever rendered as Markdown or HTML.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from paperlight.evidence import locate
from paperlight.models import Citation
from paperlight.rendering import colour_for

_MARKER = re.compile(r"\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]")


def css_colour(marker: int, alpha: float | None = None) -> str:
    r, g, b, a = colour_for(marker)
    return f"rgba({r}, {g}, {b}, {alpha if alpha is not None else round(a / 255 + 0.25, 2)})"


def evidence_ranges(text: str, citation: Citation) -> list[tuple[int, int]]:
    """Where the citation's evidence sentences lie in its passage's ``text``, merged, in order.

    Evidence spans hold the sentence text, not offsets; they are found again in the passage
    (exactly, or near-verbatim for text that was normalised)."""
    found = []
    for span in citation.spans:
        location = locate(span.text, text)
        if location is not None:
            found.append((location.start, location.end))
    return _merged(found)


def _merged(ranges: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def marked_html(text: str, ranges: Sequence[tuple[int, int]], colour: str = "") -> str:
    """``text`` escaped, with each range in ``<mark>``; block breaks kept as line breaks."""
    style = f' style="background: {colour}"' if colour else ""
    parts, last = [], 0
    for start, end in _merged(ranges):
        parts.append(_escape(text[last:start]))
        parts.append(f"<mark{style}>{_escape(text[start:end])}</mark>")
        last = end
    parts.append(_escape(text[last:]))
    return "".join(parts)


def answer_html(text: str) -> str:
    """An answer escaped, its ``[n]`` markers tinted in their citation's highlight colour."""
    out, last = [], 0
    for match in _MARKER.finditer(text):
        out.append(_escape(text[last : match.start()]))
        first = int(match.group(1).split(",")[0])
        out.append(
            f'<span class="pl-marker" style="background: {css_colour(first)}; '
            f'border-radius: 4px; padding: 0 3px">{_escape(match.group())}</span>'
        )
        last = match.end()
    out.append(_escape(text[last:]))
    return "".join(out)


def _escape(text: str) -> str:
    return html.escape(text).replace("\n", "<br>")
