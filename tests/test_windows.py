"""Small-to-big windows: neighbours from the same section, no text shown twice."""

from __future__ import annotations

from paperlight.models import Passage, Span
from paperlight.windows import join, windows


def make(order: int, section: str = "2 Methods", kind: str = "text", size: int = 200) -> Passage:
    word = f"w{order}"
    text = " ".join([word] * (size // (len(word) + 1)))
    spans = tuple(
        Span(i * (len(word) + 1), i * (len(word) + 1) + len(word), 1 + order // 4,
             ((10.0, 10.0 * i, 20.0, 10.0 * i + 8),))
        for i in range(len(text.split()))
    )  # fmt: skip
    return Passage(f"id{order}", "paper", section, kind, text, spans, order)


PAPER = [make(0, "1 Intro"), make(1), make(2), make(3), make(4), make(5), make(6, "3 Results")]


def lookup(paper_id: str, orders) -> dict[int, Passage]:
    return {o: PAPER[o] for o in orders if 0 <= o < len(PAPER)}


def orders_in(passage: Passage) -> list[int]:
    return sorted({int(word[1:]) for word in passage.text.split()})


def test_window_grows_within_the_section_and_size() -> None:
    [(window, score)] = windows([(PAPER[3], 0.5)], lookup, k=1, window_chars=650)
    assert orders_in(window) == [2, 3, 4]  # 3 × 200 characters fit, a fourth does not
    assert score == 0.5
    [(edge, _)] = windows([(PAPER[1], 0.5)], lookup, k=1, window_chars=2000)
    assert orders_in(edge) == [1, 2, 3, 4, 5]  # "1 Intro" and "3 Results" stay out


def test_no_text_is_shown_twice() -> None:
    hits = [(PAPER[3], 0.9), (PAPER[4], 0.8), (PAPER[1], 0.7)]
    shown = windows(hits, lookup, k=3, window_chars=650)
    seen = [orders_in(p) for p, _ in shown]
    flat = [o for orders in seen for o in orders]
    assert len(flat) == len(set(flat))
    assert seen[0] == [2, 3, 4]  # the hit at 4 lies inside the first window: skipped
    assert seen[1] == [1]  # stops where the first window begins


def test_floats_are_not_widened() -> None:
    caption = make(2, kind="caption")
    [(window, _)] = windows([(caption, 1.0)], lookup, k=1)
    assert window is caption


def test_join_shifts_spans_to_the_joined_text() -> None:
    joined = join([PAPER[1], PAPER[2]])
    for span in joined.spans:
        assert joined.text[span.start : span.end] in ("w1", "w2")
    assert joined.pages == [1]
