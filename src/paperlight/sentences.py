"""Sentence boundaries in scientific text, as character ranges.

A full stop ends a sentence unless it belongs to an abbreviation (et al., e.g., Fig.), an
initial (J. Smith), a decimal (0.5) or a reference marker; the next sentence must start with
an upper-case letter, a digit, a bracket or a quote.
"""

from __future__ import annotations

import re

ABBREVIATIONS = {
    "al", "e.g", "i.e", "eg", "ie", "fig", "figs", "eq", "eqs", "ref", "refs", "vs", "cf",
    "approx", "resp", "no", "nos", "tab", "sec", "secs", "ca", "etc", "vol", "pp", "ed", "eds",
    "dr", "mr", "ms", "prof", "inc", "ltd", "co", "st", "jan", "feb", "mar", "apr", "jun", "jul",
    "aug", "sep", "sept", "oct", "nov", "dec", "suppl", "supp", "min", "max", "avg",
    "std", "sp", "spp", "subsp", "var", "cv", "chap", "ch", "art", "viz", "est",
}  # fmt: skip
BOUNDARY = re.compile(r"[.!?][\"'”’)\]]*\s+(?=[\"“'‘(\[]?[A-Z0-9])")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of ``text``, white space at the edges excluded."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in BOUNDARY.finditer(text):
        if _is_abbreviation(text, match.start()):
            continue
        spans.append((start, match.start() + len(match.group(0).rstrip())))
        start = match.end()
    if start < len(text):
        spans.append((start, len(text)))
    return [_strip(text, s, e) for s, e in spans if text[s:e].strip()]


def _is_abbreviation(text: str, dot: int) -> bool:
    if text[dot] != ".":
        return False
    word_start = dot
    while word_start > 0 and not text[word_start - 1].isspace() and text[word_start - 1] not in "(":
        word_start -= 1
    word = text[word_start:dot].lower()
    if word in ABBREVIATIONS:
        return True
    if len(word) == 1 and word.isalpha():  # an initial: "J. Smith"
        return True
    return bool(re.fullmatch(r"([a-z]\.)+[a-z]", word))  # "e.g", "i.e", "u.s"


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
