"""Sentence boundaries in scientific text, as character ranges: used to cut passages, to score
answerability, to pick extractive answers and to align quotes.

A full stop ends a sentence unless an abbreviation (et al., e.g., Fig.), an initial (J. Smith)
or a decimal holds it, or the next word is lower case. A blank line ends one too, unless it
interrupts a paragraph continued on the next page or column.
"""

from __future__ import annotations

import re

# Words after which a full stop does not end a sentence (lowercase, without the final ".").
_ABBREVIATIONS = frozenset(
    {
        "al",
        "e.g",
        "i.e",
        "cf",
        "vs",
        "viz",
        "fig",
        "figs",
        "eq",
        "eqs",
        "tab",
        "tabs",
        "sec",
        "secs",
        "sect",
        "ref",
        "refs",
        "approx",
        "resp",
        "dr",
        "mr",
        "mrs",
        "ms",
        "prof",
        "jr",
        "sr",
        "inc",
        "ltd",
        "co",
        "corp",
        "dept",
        "univ",
        "proc",
        "conf",
        "eds",
        "ed",
        "trans",
        "st",
        "w.r.t",
        "a.k.a",
        "ca",
        "est",
        "incl",
    }
)
# These only when a number follows ("No. 5", "pp. 12"): "the answer is no. The" ends a sentence.
_NUMBER_ABBREVIATIONS = frozenset({"no", "nos", "p", "pp", "vol", "vols", "ch", "art", "ex"})
# "Appendix A. The ..." ends a sentence; "J. Smith" does not.
_LETTER_LABELS = frozenset(
    {
        "appendix",
        "section",
        "table",
        "figure",
        "algorithm",
        "part",
        "type",
        "step",
        "class",
        "model",
        "task",
        "set",
        "phase",
        "case",
        "option",
        "level",
        "group",
        "condition",
        "setting",
        "experiment",
    }
)
_END = re.compile(r"(?:[.!?]|\.\.\.|…)+[\"'”’)\]]*(?=\s)")
_FINAL_PUNCTUATION = '.!?:;"”)]…'
_BLOCK_BREAK = re.compile(r"[ \t]*\n\s*")
_INITIALS = re.compile(r"(?:[A-Z]\.)*[A-Z]")


def sentence_ranges(text: str) -> list[tuple[int, int]]:
    """Character ranges of the sentences of ``text``, whitespace trimmed.

    A blank line (block break) ends a sentence unless the text before it has no final punctuation
    and the text after it starts in lowercase: that is a paragraph continued on the next page or
    column, and the sentence crosses it.
    """
    cuts: list[int] = []
    for match in _BLOCK_BREAK.finditer(text):
        last = text[: match.start()].rstrip()[-1:]
        continued = last and last not in _FINAL_PUNCTUATION and text[match.end() :][:1].islower()
        if not continued:
            cuts.append(match.start())
    for match in _END.finditer(text):
        if _is_sentence_end(text, match):
            cuts.append(match.end())
    ranges = []
    start = 0
    for cut in sorted(set(cuts)) + [len(text)]:
        ranges.extend(_trimmed(text, start, cut))
        start = cut
    return ranges


def split_sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in sentence_ranges(text)]


def _is_sentence_end(text: str, match: re.Match[str]) -> bool:
    rest = text[match.end() :].lstrip()
    if not rest:
        return True
    nxt = rest[0]
    if nxt.islower() or nxt in ",;:)]":
        return False
    if not match.group().startswith("."):
        return True
    before = text[: match.start()]
    token = before.split()[-1] if before.split() else ""
    bare = token.lstrip("([\"'“").lower()
    if bare in _ABBREVIATIONS:
        return False
    if bare in _NUMBER_ABBREVIATIONS and nxt.isdigit():
        return False
    if _INITIALS.fullmatch(token.lstrip("([\"'“")):
        words = before.split()
        label = words[-2].lower() if len(words) > 1 else ""
        return label in _LETTER_LABELS
    return True


def _trimmed(text: str, start: int, end: int) -> list[tuple[int, int]]:
    chunk = text[start:end]
    stripped = chunk.strip()
    if not stripped:
        return []
    a = start + (len(chunk) - len(chunk.lstrip()))
    return [(a, a + len(stripped))]
