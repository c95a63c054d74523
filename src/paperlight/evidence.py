"""Align answers and quotes to the sentences of a passage, and those sentences to page boxes.

A passage's ``spans`` hold one Span per word (its character range and its box), so any character
range of the passage maps to boxes. Boxes are merged per line, so a highlighted sentence looks like
a highlighter stroke rather than a row of word rectangles.
"""

from __future__ import annotations

import io
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np
from rapidfuzz import fuzz

from paperlight.models import Box, EvidenceSpan, Passage

#: A quote whose best fuzzy match in the passage scores below this (0-100) is not the paper's.
QUOTE_MIN_SCORE = 90.0

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
_INITIALS = re.compile(r"(?:[A-Z]\.)*[A-Z]")
_CID = re.compile(r"\(cid:\d+\)")
_BLOCK_BREAK = re.compile(r"[ \t]*\n\s*")
_WORD = re.compile(r"[A-Za-z0-9]+(?:[-'][A-Za-z0-9]+)*")
_STOPWORDS = frozenset(
    {
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
        "being",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "for",
        "from",
        "had",
        "has",
        "have",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "it's",
        "of",
        "on",
        "or",
        "our",
        "over",
        "so",
        "such",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "to",
        "under",
        "up",
        "us",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "paper",
        "papers",
        "work",
        "authors",
        "author",
        "use",
        "used",
        "using",
    }
)


class SentenceEmbedder(Protocol):
    """The part of paperlight.embedding's Embedder that alignment needs."""

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


@dataclass(frozen=True)
class Location:
    """Where a quote lies in a text: ``text[start:end]``, with a fuzzy score 0-100."""

    start: int
    end: int
    score: float


# ---------------------------------------------------------------- sentences


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


# ---------------------------------------------------------------- words and fuzzy location


def terms(text: str) -> list[str]:
    """Content words of ``text``, lowercased and crudely stemmed, for keyword overlap."""
    out = []
    for word in _WORD.findall(text.lower()):
        if word in _STOPWORDS or (len(word) < 2 and not word.isdigit()):
            continue
        out.append(_stem(word))
    return out


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


_FOLD_MAP = str.maketrans(
    {
        "“": '"',
        "”": '"',
        "„": '"',
        "‘": "'",
        "’": "'",
        "–": "-",
        "—": "-",
        "‐": "-",
        "‑": "-",
        "−": "-",
        "\u00ad": "",
    }
)


def _fold(text: str) -> tuple[str, list[int]]:
    """Lowercased, NFKC, quotes and dashes unified, whitespace runs as one space; plus, for each
    character of the result, the index of the source character it came from."""
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        for c in unicodedata.normalize("NFKC", ch).lower().translate(_FOLD_MAP):
            if c.isspace():
                if not out or out[-1] == " ":
                    continue
                c = " "
            out.append(c)
            index.append(i)
    while out and out[-1] == " ":
        out.pop()
        index.pop()
    return "".join(out), index


def locate(quote: str, text: str, min_score: float = QUOTE_MIN_SCORE) -> Location | None:
    """The range of ``text`` that ``quote`` reproduces, if it does so closely enough.

    Case, whitespace, ligatures, curly quotes and dashes are ignored; the range is snapped to word
    boundaries and its score is the plain fuzzy ratio of the quote and that range.
    """
    q, _ = _fold(quote.strip())
    t, index = _fold(text)
    if not q or not t:
        return None
    exact = t.find(q)
    if exact >= 0:
        return Location(index[exact], index[exact + len(q) - 1] + 1, 100.0)
    rough = fuzz.partial_ratio_alignment(q, t, score_cutoff=min_score)
    if rough is None:
        return None
    best = _refine(q, t, rough.dest_start, rough.dest_end)
    if best is None or best[2] < min_score:
        return None
    start, end, score = best
    return Location(index[start], index[end - 1] + 1, score)


def _refine(q: str, t: str, start: int, end: int) -> tuple[int, int, float] | None:
    """Try word boundaries near a rough match and keep the range most like the quote."""
    starts = [m.start() for m in re.finditer(r"\S+", t)]
    ends = [m.end() for m in re.finditer(r"\S+", t)]
    slack = max(10, len(q) // 5)
    near_starts = _nearest(starts, start, slack)
    near_ends = _nearest(ends, end, slack)
    best: tuple[int, int, float] | None = None
    for s in near_starts[:5]:
        for e in near_ends[:5]:
            if e <= s:
                continue
            score = fuzz.ratio(q, t[s:e])
            if best is None or score > best[2]:
                best = (s, e, score)
    return best


def _nearest(positions: list[int], target: int, slack: int) -> list[int]:
    return sorted((p for p in positions if abs(p - target) <= slack), key=lambda p: abs(p - target))


# ---------------------------------------------------------------- ranges to boxes


def spans_for_range(passage: Passage, start: int, end: int) -> EvidenceSpan | None:
    """``passage.text[start:end]`` with its page boxes, merged per line; None if no word lies in
    the range. Words cut by the range count whole. ``page``/``boxes`` are the first page's,
    ``pages`` lists every page the range touches, in reading order."""
    pieces = [
        (span.page, box)
        for span in passage.spans
        if span.end > start and span.start < end
        for box in span.boxes
    ]
    if not pieces:
        return None
    pages: list[tuple[int, list[Box]]] = []
    for page, box in pieces:
        if pages and pages[-1][0] == page and _same_line(pages[-1][1][-1], box):
            pages[-1][1][-1] = _union(pages[-1][1][-1], box)
        elif pages and pages[-1][0] == page:
            pages[-1][1].append(box)
        else:
            pages.append((page, [box]))
    frozen = tuple((page, tuple(boxes)) for page, boxes in pages)
    text = " ".join(passage.text[start:end].split())
    return EvidenceSpan(text=text, page=frozen[0][0], boxes=frozen[0][1], pages=frozen)


def _same_line(line: Box, box: Box) -> bool:
    """Is ``box`` (the next word in reading order) on the same line as ``line``, and near it?"""
    overlap = min(line[3], box[3]) - max(line[1], box[1])
    height = min(line[3] - line[1], box[3] - box[1])
    if height <= 0 or overlap < 0.5 * height:
        return False
    gap = box[0] - line[2]
    return -0.5 * height <= gap <= 3 * max(line[3] - line[1], box[3] - box[1])


def _union(a: Box, b: Box) -> Box:
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


# ---------------------------------------------------------------- alignment


def align(
    query: str,
    passage: Passage,
    embedder: SentenceEmbedder | None = None,
    *,
    min_score: float = QUOTE_MIN_SCORE,
) -> list[EvidenceSpan]:
    """The sentence(s) of ``passage`` that ``query`` (a quote or an answer sentence) rests on.

    A query found (near) verbatim gives every sentence it overlaps. Otherwise the single sentence
    with the best keyword overlap (and embedding similarity, given an embedder) is returned, or
    nothing when no sentence shares a content word or meaning with the query.
    """
    ranges = sentence_ranges(passage.text)
    if not ranges or not query.strip():
        return []
    found = locate(query, passage.text, min_score)
    if found is not None:
        chosen = [(a, b) for a, b in ranges if b > found.start and a < found.end]
    else:
        best = _best_sentence(query, passage.text, ranges, embedder)
        chosen = [best] if best is not None else []
    spans = (spans_for_range(passage, a, b) for a, b in chosen)
    return [s for s in spans if s is not None]


def _best_sentence(
    query: str,
    text: str,
    ranges: list[tuple[int, int]],
    embedder: SentenceEmbedder | None,
) -> tuple[int, int] | None:
    sentences = [text[a:b] for a, b in ranges]
    lexical = keyword_scores(query, sentences)
    scores = lexical
    if embedder is not None:
        cosine = embedder.embed(sentences) @ embedder.embed_query(query)
        scores = 0.5 * lexical + 0.5 * np.clip(cosine, 0.0, 1.0)
        if float(np.max(cosine)) < 0.3 and float(np.max(lexical)) == 0.0:
            return None
    elif float(np.max(lexical)) == 0.0:
        return None
    return ranges[int(np.argmax(scores))]


def keyword_scores(query: str, sentences: Sequence[str]) -> np.ndarray:
    """Share of the query's content words found in each sentence, rarer words weighing more
    (idf over the given sentences), in [0, 1]."""
    query_terms = set(terms(query))
    sentence_terms = [set(terms(s)) for s in sentences]
    if not query_terms or not sentences:
        return np.zeros(len(sentences), dtype=np.float32)
    n = len(sentences)
    weight = {
        t: math.log(1 + (n + 1) / (1 + sum(t in st for st in sentence_terms))) for t in query_terms
    }
    total = sum(weight.values())
    return np.array(
        [sum(weight[t] for t in query_terms & st) / total for st in sentence_terms],
        dtype=np.float32,
    )


# ---------------------------------------------------------------- fidelity


# Combining and spacing accents, control and private-use characters.
_NOT_COMPARED = frozenset({"Mn", "Sk", "Cc", "Co"})


def _norm_for_fidelity(text: str) -> str:
    """Lowercase, NFKC (ligatures split), without whitespace, hyphens, accents, and glyphs with
    no Unicode (pdfminer's ``(cid:N)``, control characters): differences that are not the boxes'
    fault (LaTeX sets accents as separate glyphs that a word's box may or may not take in)."""
    text = _CID.sub("", text)
    decomposed = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in decomposed if unicodedata.category(c) not in _NOT_COMPARED)
    text = unicodedata.normalize("NFKC", text).lower()
    return re.sub(r"[\s\-‐‑\u00ad]+", "", text)


def highlighted_text(pdf: str | Path | bytes, span: EvidenceSpan) -> str:
    """The characters of the PDF that ``span``'s boxes cover (centre inside a box), box by box."""
    return _highlighted_texts(pdf, [span])[0]


def highlight_mismatches(
    pdf: str | Path | bytes, spans: Sequence[EvidenceSpan]
) -> list[tuple[EvidenceSpan, str]]:
    """The spans whose boxes do not cover exactly their text, each with the text they cover.

    Some PDFs draw the same words twice, in two fonts a few points apart (a second text
    layer); the boxes then cover both copies of the right words, and one font's copy alone
    is compared too.
    """
    data = pdf if isinstance(pdf, bytes) else Path(pdf).read_bytes()
    mismatches = []
    for span in spans:
        chars = _covered_chars(data, span)
        full = "".join(c["text"] for c in chars)
        fonts = {c.get("fontname") for c in chars}
        texts = [full] + [
            "".join(c["text"] for c in chars if c.get("fontname") == font) for font in fonts
        ]
        if _norm_for_fidelity(span.text) not in {_norm_for_fidelity(t) for t in texts}:
            mismatches.append((span, full))
    return mismatches


def highlight_fidelity(pdf: str | Path | bytes, spans: Sequence[EvidenceSpan]) -> float:
    """Share of spans whose boxes cover exactly their text on the page (1.0 when there are none).

    Text is compared after NFKC (which also splits ligatures), lowercasing and removing all
    whitespace and hyphens, so line breaks and hyphenation do not count as differences.
    """
    if not spans:
        return 1.0
    return 1.0 - len(highlight_mismatches(pdf, spans)) / len(spans)


class _PageChars:
    """A page's characters with their centres as arrays, for fast box queries."""

    def __init__(self, chars: list[dict]) -> None:
        self.chars = chars
        self.cx = np.array([(c["x0"] + c["x1"]) / 2 for c in chars], dtype=float)
        self.cy = np.array([(c["top"] + c["bottom"]) / 2 for c in chars], dtype=float)

    def inside(self, box: Box) -> list[int]:
        x0, top, x1, bottom = box
        mask = (self.cx >= x0) & (self.cx <= x1) & (self.cy >= top) & (self.cy <= bottom)
        return [int(i) for i in np.flatnonzero(mask)]


def _highlighted_texts(pdf: str | Path | bytes, spans: Sequence[EvidenceSpan]) -> list[str]:
    data = pdf if isinstance(pdf, bytes) else Path(pdf).read_bytes()
    return ["".join(c["text"] for c in _covered_chars(data, span)) for span in spans]


def _covered_chars(data: bytes, span: EvidenceSpan) -> list[dict]:
    chars: list[dict] = []
    for page, boxes in span.pages or ((span.page, span.boxes),):
        chars.extend(_chars_in(_page_chars(data, page), boxes))
    return chars


@lru_cache(maxsize=32)
def _page_chars(data: bytes, page: int) -> _PageChars:
    """pdfplumber's characters of one page, duplicates (fake bold) removed; cached because
    reading them is the slow part and an evaluation asks for the same pages many times."""
    import pdfplumber  # heavy; only the evaluation needs it

    with pdfplumber.open(io.BytesIO(data)) as doc:
        return _PageChars(_dedupe(doc.pages[page - 1].chars))


def _dedupe(chars: list[dict], tolerance: float = 1.0) -> list[dict]:
    """pdfplumber's ``dedupe_chars()`` (same text, font and size within ``tolerance`` points:
    fake bold drawn twice), on a grid instead of its much slower clustering."""
    grid: dict[tuple, list[dict]] = {}
    out = []
    for c in chars:
        key = (c["text"], c.get("fontname"), round(c.get("size", 0.0), 1))
        gx, gy = round(c["x0"]), round(c["top"])
        near = (
            other
            for dx in (-1, 0, 1)
            for dy in (-1, 0, 1)
            for other in grid.get((key, gx + dx, gy + dy), ())
        )
        if any(
            abs(o["x0"] - c["x0"]) <= tolerance and abs(o["top"] - c["top"]) <= tolerance
            for o in near
        ):
            continue
        grid.setdefault((key, gx, gy), []).append(c)
        out.append(c)
    return out


def _chars_in(page: _PageChars, boxes: Sequence[Box]) -> list[dict]:
    taken: set[int] = set()
    out = []
    for box in boxes:
        inside = [i for i in page.inside(box) if i not in taken]
        taken.update(inside)
        horizontal = (box[2] - box[0]) >= (box[3] - box[1])
        inside.sort(key=lambda i: page.cx[i] if horizontal else page.cy[i])
        out.extend(page.chars[i] for i in inside)
    return out
