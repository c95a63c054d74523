"""Page layout: find the columns of a page, put its lines in reading order, group them into blocks.

Columns are found from the page itself: a gutter is a vertical strip that no column line
crosses while enough lines lie on both sides of it. A single-column page has many lines
crossing its middle, so it gets no gutter. Lines that cross a gutter (titles, abstracts,
wide figures and tables) split the page into bands; inside a band, each column is read
top to bottom before the next.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from paperlight.pdf.reader import RawLine

MIN_GUTTER_PT = 6.0
SPANNING = -1


@dataclass
class LineGroup:
    """Consecutive lines of one column that form one block."""

    lines: list[RawLine]
    column: int

    @property
    def text(self) -> str:
        return " ".join(line.text for line in self.lines)


def find_columns(lines: list[RawLine], page_width: float) -> list[tuple[float, float]]:
    """Column intervals (x0, x1) of a page; one interval when it has no gutter."""
    if not lines:
        return [(0.0, page_width)]
    left = min(line.box[0] for line in lines)
    right = max(line.box[2] for line in lines)
    span = right - left
    narrow = [line for line in lines if line.box[2] - line.box[0] < 0.62 * span]
    if len(narrow) < 6:
        return [(left, right)]
    gutters = _gutters(narrow, left, right)
    usable = []
    for g0, g1 in gutters:
        left_of = sum(1 for line in narrow if line.box[2] <= g0 + 1)
        right_of = sum(1 for line in narrow if line.box[0] >= g1 - 1)
        crossing = sum(1 for line in lines if line.box[0] < g0 - 1 and line.box[2] > g1 + 1)
        if min(left_of, right_of) >= max(4, 0.15 * len(narrow)) and crossing < 0.5 * min(
            left_of, right_of
        ):
            usable.append((g0, g1))
    edges = [left] + [x for gutter in usable for x in gutter] + [right]
    return [(edges[i], edges[i + 1]) for i in range(0, len(edges), 2)]


def _gutters(narrow: list[RawLine], left: float, right: float) -> list[tuple[float, float]]:
    """Empty vertical strips in the middle 70% of the text area, widest first."""
    bins = int(right - left) + 1
    coverage = [0] * bins
    for line in narrow:
        for x in range(int(line.box[0] - left), min(bins, int(line.box[2] - left) + 1)):
            coverage[x] += 1
    lo, hi = int(0.15 * bins), int(0.85 * bins)
    sparse = max(1, int(0.04 * len(narrow)))  # a stray label or page number may cross a gutter
    found: list[tuple[float, float]] = []
    start = None
    for x in range(lo, hi + 1):
        empty = x < hi and coverage[x] <= sparse
        if empty and start is None:
            start = x
        elif not empty and start is not None:
            if x - start >= MIN_GUTTER_PT:
                found.append((left + start, left + x))
            start = None
    return found


def column_of(line: RawLine, columns: list[tuple[float, float]]) -> int:
    if len(columns) == 1:
        return 0
    x0, _, x1, _ = line.box
    for index, (c0, c1) in enumerate(columns):
        if x0 >= c0 - 2 and x1 <= c1 + 2:
            return index
    return SPANNING


def reading_order(lines: list[RawLine], columns: list[tuple[float, float]]) -> list[LineGroup]:
    """Lines in reading order, grouped into blocks."""
    pitch = line_pitch(lines)
    if len(columns) == 1:
        return _group(lines, 0, pitch)
    tagged = [(column_of(line, columns), line) for line in lines]
    spanning = sorted((line for col, line in tagged if col == SPANNING), key=lambda ln: ln.box[1])
    in_columns = [(col, line) for col, line in tagged if col != SPANNING]
    groups: list[LineGroup] = []
    band_top = -1e9
    for separator in [*spanning, None]:
        band_bottom = separator.box[1] if separator is not None else 1e9
        for index in range(len(columns)):
            band = [
                line
                for col, line in in_columns
                if col == index and band_top <= _middle(line) < band_bottom
            ]
            ordered = sorted(band, key=lambda ln: (ln.box[1], ln.box[0]))
            groups.extend(_group(ordered, index, pitch))
        if separator is not None:
            groups.extend(_group([separator], SPANNING, pitch))
            band_top = separator.box[1]
    return _merge_spanning_runs(groups, pitch)


def _middle(line: RawLine) -> float:
    return (line.box[1] + line.box[3]) / 2


def line_pitch(lines: list[RawLine]) -> float:
    """The page's usual distance from one line's top to the next one's (its leading): double-
    spaced manuscripts have twice that of a journal page, so gaps are judged against it."""
    steps: Counter[float] = Counter()
    for previous, line in zip(lines, lines[1:], strict=False):
        step = line.box[1] - previous.box[1]
        height = previous.box[3] - previous.box[1]
        overlapping = line.box[0] < previous.box[2] and previous.box[0] < line.box[2]
        if overlapping and 0.5 * height < step < 3 * height:
            steps[round(step * 2) / 2] += 1
    return steps.most_common(1)[0][0] if steps else 0.0


def _merge_spanning_runs(groups: list[LineGroup], pitch: float) -> list[LineGroup]:
    """Spanning lines come one group each; join neighbours that read as one block."""
    merged: list[LineGroup] = []
    for group in groups:
        previous = merged[-1] if merged else None
        if (
            previous is not None
            and group.column == SPANNING
            and previous.column == SPANNING
            and not _breaks(previous.lines[-1], group.lines[0], pitch)
        ):
            previous.lines.extend(group.lines)
        else:
            merged.append(group)
    return merged


def _group(lines: list[RawLine], column: int, pitch: float) -> list[LineGroup]:
    groups: list[LineGroup] = []
    for line in lines:
        if groups and not _breaks(groups[-1].lines[-1], line, pitch):
            groups[-1].lines.append(line)
        else:
            groups.append(LineGroup([line], column))
    return groups


def _breaks(previous: RawLine, line: RawLine, pitch: float) -> bool:
    """Whether ``line`` starts a new block after ``previous``."""
    p_x0, p_top, p_x1, p_bottom = previous.box
    x0, top, x1, bottom = line.box
    height = max(p_bottom - p_top, 1.0)
    step = top - p_top  # this line's top below the previous one's
    usual = pitch if height < pitch < 3 * height else 1.2 * height
    if step > 1.3 * usual or step < -0.8 * height:
        return True
    if abs(line.size - previous.size) > 0.6 or line.bold != previous.bold:
        return True
    if x1 < p_x0 or x0 > p_x1:  # no horizontal overlap: side by side, not one paragraph
        return True
    ends_sentence = previous.text.rstrip().endswith((".", ":", "?", "!"))
    indented = x0 > p_x0 + 4
    return ends_sentence and indented
