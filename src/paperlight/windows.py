"""Small-to-big: passages are indexed small, so that a hit is precise, and shown in a window of
their neighbours from the same section, so that the reader (and the LLM) get the context.

Windows never repeat text: a hit inside an earlier window is skipped, and a window stops where
an earlier one begins.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from paperlight.models import Passage, Span

WINDOW_CHARS = 1400  # about a paragraph; k=5 windows stay under ~6,000 characters
REACH = 4  # neighbours looked up on each side of a hit

Neighbours = Callable[[str, Sequence[int]], dict[int, Passage]]  # (paper id, orders) → passages


def windows(
    hits: Sequence[tuple[Passage, float]],
    neighbours: Neighbours,
    k: int,
    window_chars: int = WINDOW_CHARS,
) -> list[tuple[Passage, float]]:
    """The first ``k`` windows around ``hits`` (best first), each with its hit's score."""
    used: dict[str, set[int]] = {}
    result: list[tuple[Passage, float]] = []
    for hit, score in hits:
        if len(result) == k:
            break
        taken = used.setdefault(hit.paper_id, set())
        if hit.order in taken:
            continue
        parts = [hit]
        if hit.kind == "text":
            orders = [o for d in range(1, REACH + 1) for o in (hit.order - d, hit.order + d)]
            around = neighbours(hit.paper_id, orders)
            parts = _grow(hit, around, taken, window_chars)
        taken.update(p.order for p in parts)
        result.append((join(parts), score))
    return result


def _grow(
    hit: Passage, around: dict[int, Passage], taken: set[int], window_chars: int
) -> list[Passage]:
    """Add the next, then the previous neighbour while they fit, share the hit's section and
    are not in an earlier window."""
    around = {**around, hit.order: hit}
    low = high = hit.order
    size = len(hit.text)
    grew = True
    while grew:
        grew = False
        for order in (high + 1, low - 1):
            other = around.get(order)
            if other is None or order in taken or other.kind != "text":
                continue
            if other.section != hit.section or size + 1 + len(other.text) > window_chars:
                continue
            size += 1 + len(other.text)
            low, high = min(low, order), max(high, order)
            grew = True
    return [around[order] for order in range(low, high + 1)]


def join(parts: Sequence[Passage]) -> Passage:
    """One passage from consecutive ones: texts joined by a space, spans shifted."""
    if len(parts) == 1:
        return parts[0]
    texts: list[str] = []
    spans: list[Span] = []
    offset = 0
    for part in parts:
        spans.extend(Span(s.start + offset, s.end + offset, s.page, s.boxes) for s in part.spans)
        texts.append(part.text)
        offset += len(part.text) + 1
    first = parts[0]
    return Passage(
        id=first.id,
        paper_id=first.paper_id,
        section=first.section,
        kind=first.kind,
        text=" ".join(texts),
        spans=tuple(spans),
        order=first.order,
    )
