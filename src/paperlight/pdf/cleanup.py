"""Text cleanup that needs the whole paper: running headers and footers, hyphens at line ends,
glyph codes that did not map to characters."""

from __future__ import annotations

import re
from collections import Counter

from paperlight.pdf.reader import RawLine, RawPage

CID = re.compile(r"\(cid:\d+\)")
EDGE_ZONE = 0.09  # share of the page height at top and bottom where running lines live
PAGE_NUMBER = re.compile(r"^(page\s*)?[ivxlc\d]+(\s*(of|/)\s*\d+)?$", re.IGNORECASE)
WORD_CHARS = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*", re.UNICODE)


def clean_word(text: str) -> str:
    """Drop unmapped glyph codes such as ``(cid:12)``; ligatures were split when reading."""
    return CID.sub("", text) if "(cid:" in text else text


def _line_key(line: RawLine) -> str:
    return re.sub(r"\d+", "#", line.text.lower()).strip()


def running_lines(pages: list[RawPage]) -> set[tuple[int, int]]:
    """(page index, line index) of running headers, footers and page numbers.

    A line near the top or bottom edge is running when the same text (digits ignored) recurs
    on several pages, or when it is only a page number.
    """
    zone_lines: list[tuple[int, int, str]] = []
    for p, page in enumerate(pages):
        height = page.info.height
        for i, line in enumerate(page.lines):
            _, top, _, bottom = line.box
            if bottom < height * EDGE_ZONE or top > height * (1 - EDGE_ZONE):
                zone_lines.append((p, i, _line_key(line)))
    counts = Counter(key for _, _, key in {(p, 0, key) for p, _, key in zone_lines})
    needed = max(2, int(0.25 * len(pages)))
    found = set()
    for p, i, key in zone_lines:
        text = pages[p].lines[i].text.strip()
        if counts[key] >= needed or PAGE_NUMBER.match(text):
            found.add((p, i))
    return found


def drop_line_numbers(page: RawPage) -> None:
    """Remove the margin line numbers of preprints ("297 revealed that ...").

    A line number is a lone integer at a line's start, set apart from the text by a gap, and
    numbers of that kind line up on the page (same right edge) and count upwards.
    """
    candidates = []
    for line in page.lines:
        words = line.words
        if words and words[0].text.isdigit() and len(words[0].text) <= 5:
            apart = len(words) == 1 or words[1].box[0] - words[0].box[2] > 8
            if apart:
                candidates.append(line)
    if len(candidates) < 5:
        return
    edges = Counter(round(line.words[0].box[2]) for line in candidates)
    edge, count = edges.most_common(1)[0]
    column = [ln for ln in candidates if abs(ln.words[0].box[2] - edge) <= 2]
    numbers = [int(ln.words[0].text) for ln in sorted(column, key=lambda ln: ln.box[1])]
    rising = sum(b > a for a, b in zip(numbers, numbers[1:], strict=False))
    if count < 5 or rising < 0.8 * (len(numbers) - 1):
        return
    for line in column:
        del line.words[0]
    page.lines[:] = [line for line in page.lines if line.words]


def vocabulary(pages: list[RawPage]) -> Counter[str]:
    """Lower-case words of the paper (hyphenated compounds kept whole), for hyphen repair.
    The halves of words broken at a line end are left out."""
    words: Counter[str] = Counter()
    for page in pages:
        broken = False
        for line in page.lines:
            texts = [w.text for w in line.words]
            ends_broken = texts[-1].endswith("-")
            for word in texts[1 if broken else 0 : -1 if ends_broken else None]:
                for token in WORD_CHARS.findall(word):
                    words[token.lower()] += 1
            broken = ends_broken
    return words


def joins_across_break(head: str, tail: str, words: Counter[str]) -> str | None:
    """How a word split at a line end as ``head-`` + ``tail`` is rejoined.

    Returns "" to drop the hyphen (learn-|ing → learning), "-" to keep it (two-|column →
    two-column), or None when ``head`` does not end with a hyphen.
    """
    if len(head) < 2 or not head.endswith("-") or not head[-2].isalpha():
        return None
    left = WORD_CHARS.findall(head[:-1])
    right = WORD_CHARS.findall(tail)
    if not left or not right:
        return "-"
    first, last = left[-1].lower(), right[0].lower()
    if words[f"{first}-{last}"] > words[first + last]:
        return "-"
    if words[first + last] > 0:
        return ""
    if len(first) >= 3 and len(last) >= 3 and words[first] and words[last]:
        return "-"  # two words the paper uses on their own: a compound
    return "" if tail[:1].islower() else "-"
