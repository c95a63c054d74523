"""Answer a question from retrieved passages.

With an LLM, the reply is streamed, then grounded: citation markers ``[n]`` that point to no
passage are dropped, quotes are checked against the cited passage (repaired to the paper's exact
words when nearly verbatim, unquoted otherwise), and each cited passage gets the sentences that
support the claims. Without an LLM the answer is extractive: the passages' sentences closest to
the question, verbatim and labelled as such. Either way, a low answerability abstains first.

Passage numbers are positions in the ``passages`` list, from 1: ``[2]`` is ``passages[1]``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from paperlight import prompts
from paperlight.config import Settings
from paperlight.evidence import (
    SentenceEmbedder,
    align,
    keyword_scores,
    locate,
    sentence_ranges,
    spans_for_range,
    terms,
)
from paperlight.llm import LLM, Message
from paperlight.models import Answer, Citation, EvidenceSpan, Passage, ScoredPassage

#: At most this many sentences make an extractive answer.
EXTRACTIVE_MAX_SENTENCES = 3
#: Further extractive sentences must score at least this share of the best one.
EXTRACTIVE_RELATIVE_SCORE = 0.85
QUOTE_SEPARATOR = " … "

# [1], [1, 2], [1-3], [Passage 2]; at most three digits, so "[2019]" is not a marker.
_MARKER = re.compile(
    r"\[\s*(?:passages?\s*)?(\d{1,3}(?:\s*[,;\-–]\s*(?:passages?\s*)?\d{1,3})*)\s*\]",
    re.IGNORECASE,
)
_QUOTE = re.compile(r"\"([^\"\n]{2,}?)\"|“([^”\n]{2,}?)”")
_MARKERS_ONLY = re.compile(r"(?:\[[\d,\s]+\]\s*)+[.!?]?")
_THINK = re.compile(r"<think>.*?(?:</think>|$)", re.DOTALL)
_DROPPED = "\x00"


def answer(
    question: str,
    passages: list[ScoredPassage],
    answerability: float,
    settings: Settings,
    embedder: SentenceEmbedder | None,
    llm: LLM | None = None,
    on_token: Callable[[str], None] | None = None,
) -> Answer:
    """Answer ``question`` from ``passages`` (best first).

    ``on_token`` receives the text as it is produced: the LLM's raw deltas (before markers and
    quotes are checked; show ``Answer.text`` once this returns), or the whole text at once.
    Raises LLMError when the LLM fails.
    """
    started = time.perf_counter()
    result = Answer(
        question=question,
        text=prompts.ABSTENTION_SENTENCE,
        abstained=True,
        mode="llm" if llm is not None else "extractive",
        answerability=answerability,
        passages=list(passages),
        model=llm.model if llm is not None else "",
    )
    if passages and answerability >= settings.abstain_threshold:
        if llm is not None:
            _answer_with_llm(result, llm, embedder, on_token)
        else:
            _answer_extractively(result, embedder)
    if on_token is not None and "llm_s" not in result.timings:  # nothing was streamed
        on_token(result.text)
    result.timings["total_s"] = time.perf_counter() - started
    return result


def is_abstention(text: str) -> bool:
    """Does the reply say the paper does not hold the answer (the fixed sentence, first)?"""
    bare = re.sub(r"^[\s*_>\"'“]+", "", text).lower()
    return bare.startswith(prompts.ABSTENTION_SENTENCE.lower().rstrip("."))


def build_messages(question: str, passages: Sequence[ScoredPassage]) -> list[Message]:
    """The system prompt, then the numbered passages (section, pages) and the question."""
    blocks = [
        prompts.PASSAGE_TEMPLATE.format(
            number=n,
            section=sp.passage.section or "unknown",
            pages=_pages_label(sp.passage),
            text=sp.passage.text,
        )
        for n, sp in enumerate(passages, start=1)
    ]
    user = prompts.ANSWER_USER_TEMPLATE.format(passages="\n\n".join(blocks), question=question)
    return [
        {"role": "system", "content": prompts.ANSWER_SYSTEM_PROMPT},
        {"role": "user", "content": user},
    ]


def rewrite_question(
    question: str, history: Sequence[tuple[str, str]], llm: LLM | None, max_turns: int = 3
) -> str:
    """A follow-up rewritten as a standalone question, given earlier (question, answer) turns.

    Without an LLM or history the question is returned as it is.
    """
    if llm is None or not history:
        return question
    turns = "\n\n".join(
        prompts.HISTORY_TURN_TEMPLATE.format(question=q, answer=_shorten(a, 600))
        for q, a in history[-max_turns:]
    )
    messages: list[Message] = [
        {"role": "system", "content": prompts.REWRITE_SYSTEM_PROMPT},
        {
            "role": "user",
            "content": prompts.REWRITE_USER_TEMPLATE.format(history=turns, question=question),
        },
    ]
    rewritten = _THINK.sub("", llm.complete(messages)).strip()
    rewritten = re.sub(r"^(standalone question:)\s*", "", rewritten, flags=re.IGNORECASE)
    rewritten = rewritten.strip().strip("\"'“”").strip()
    return rewritten.splitlines()[0].strip() if rewritten else question


# ---------------------------------------------------------------- LLM mode


def _answer_with_llm(
    result: Answer,
    llm: LLM,
    embedder: SentenceEmbedder | None,
    on_token: Callable[[str], None] | None,
) -> None:
    started = time.perf_counter()
    parts: list[str] = []
    for delta in llm.stream_chat(build_messages(result.question, result.passages)):
        if not parts:
            result.timings["first_token_s"] = time.perf_counter() - started
        parts.append(delta)
        if on_token is not None:
            on_token(delta)
    result.timings["llm_s"] = time.perf_counter() - started
    text = _THINK.sub("", "".join(parts)).strip()
    if not text or is_abstention(text):
        return
    passages = [sp.passage for sp in result.passages]
    result.text, result.citations = ground(text, passages, embedder)
    result.abstained = False


@dataclass
class _Support:
    """What the answer says a passage supports: verified quotes and the claims citing it."""

    quotes: list[str] = field(default_factory=list)
    claims: list[str] = field(default_factory=list)


def ground(
    text: str, passages: Sequence[Passage], embedder: SentenceEmbedder | None = None
) -> tuple[str, list[Citation]]:
    """Check an answer's markers and quotes against ``passages`` (numbered from 1).

    Returns the corrected text and one Citation per cited passage, in order of first mention.
    """
    text = _clean_markers(text, len(passages))
    sentences = _answer_sentences(text)
    cited_by_sentence = [_markers(text[a:b]) for a, b in sentences]
    all_cited = list(dict.fromkeys(n for ns in cited_by_sentence for n in ns))
    support = {n: _Support() for n in all_cited}
    quoted: set[tuple[int, int]] = set()  # (sentence index, passage number) with a good quote
    edits: list[tuple[int, int, str]] = []

    for match in _QUOTE.finditer(text):
        quote = match.group(1) or match.group(2)
        first = _sentence_index(sentences, match.start())
        last = _sentence_index(sentences, match.end() - 1)
        cited = [n for ns in cited_by_sentence[first : last + 1] for n in ns] or all_cited
        found = _find_quote(quote, cited, passages)
        if found is None:
            edits.append((match.start(), match.end(), quote))  # not the paper's words: unquote
            continue
        n, exact = found
        support[n].quotes.append(exact)
        quoted.update((i, n) for i in range(first, last + 1))
        if exact != quote:
            edits.append((match.start(), match.end(), f'"{exact}"'))

    for i, (a, b) in enumerate(sentences):
        claim = _MARKER.sub("", text[a:b]).strip()
        for n in cited_by_sentence[i]:
            if (i, n) not in quoted and terms(claim):
                support[n].claims.append(claim)

    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    citations = [_citation(n, passages[n - 1], support[n], embedder) for n in _markers(text)]
    return text, citations


def _clean_markers(text: str, count: int) -> str:
    """Markers keep only passage numbers 1..count; a marker left empty is removed."""

    def keep(match: re.Match[str]) -> str:
        numbers = [n for n in _expand(match.group(1)) if 1 <= n <= count]
        if not numbers:
            return _DROPPED
        return "[" + ", ".join(str(n) for n in dict.fromkeys(numbers)) + "]"

    text = _MARKER.sub(keep, text)
    return re.sub(rf"[ \t]*{_DROPPED}", "", text)


def _expand(group: str) -> list[int]:
    numbers: list[int] = []
    group = re.sub(r"(?i)passages?", "", group)
    for part in re.split(r"\s*[,;]\s*", group.strip()):
        bounds = [int(x) for x in re.split(r"\s*[-–]\s*", part) if x]
        if len(bounds) == 2 and 0 < bounds[1] - bounds[0] <= 20:
            numbers.extend(range(bounds[0], bounds[1] + 1))
        else:
            numbers.extend(bounds)
    return numbers


def _markers(text: str) -> list[int]:
    """Passage numbers cited in ``text``, in order of first mention (markers already cleaned)."""
    return list(dict.fromkeys(n for m in _MARKER.finditer(text) for n in _expand(m.group(1))))


def _answer_sentences(text: str) -> list[tuple[int, int]]:
    """Sentences of the answer; markers standing after the full stop join the sentence before."""
    merged: list[tuple[int, int]] = []
    for a, b in sentence_ranges(text):
        if merged and _MARKERS_ONLY.fullmatch(text[a:b]):
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    return merged


def _sentence_index(sentences: list[tuple[int, int]], position: int) -> int:
    for i, (_, b) in enumerate(sentences):
        if position < b:
            return i
    return len(sentences) - 1


def _find_quote(
    quote: str, cited: list[int], passages: Sequence[Passage]
) -> tuple[int, str] | None:
    """The cited passage holding the quote (near) verbatim, and the paper's exact words."""
    best: tuple[float, int, str] | None = None
    for n in cited:
        found = locate(quote, passages[n - 1].text)
        if found is not None and (best is None or found.score > best[0]):
            exact = " ".join(passages[n - 1].text[found.start : found.end].split())
            best = (found.score, n, exact)
    return None if best is None else (best[1], best[2])


def _citation(
    n: int, passage: Passage, support: _Support, embedder: SentenceEmbedder | None
) -> Citation:
    spans: list[EvidenceSpan] = []
    for quote in support.quotes:
        spans.extend(align(quote, passage))
    for claim in support.claims:
        spans.extend(align(claim, passage, embedder))
    spans = list(dict.fromkeys(spans))
    quote = QUOTE_SEPARATOR.join(dict.fromkeys(support.quotes)) or (spans[0].text if spans else "")
    return Citation(
        marker=n, passage_id=passage.id, quote=quote, spans=tuple(spans), section=passage.section
    )


# ---------------------------------------------------------------- extractive mode


@dataclass(frozen=True)
class ExtractedSentence:
    """A sentence of one of the passages: ``passage.text[start:end]``."""

    number: int  # the passage's number
    passage: Passage
    start: int
    end: int

    @property
    def text(self) -> str:
        return " ".join(self.passage.text[self.start : self.end].split())


def _answer_extractively(result: Answer, embedder: SentenceEmbedder | None) -> None:
    chosen = best_sentences(result.question, [sp.passage for sp in result.passages], embedder)
    if not chosen:
        return
    lines = [f'"{s.text}" [{s.number}]' for s in chosen]
    result.text = prompts.EXTRACTIVE_LABEL + "\n\n" + "\n".join(lines)
    result.abstained = False
    by_number: dict[int, list[ExtractedSentence]] = {}
    for s in chosen:
        by_number.setdefault(s.number, []).append(s)
    for n, sentences in by_number.items():
        spans = [spans_for_range(s.passage, s.start, s.end) for s in sentences]
        result.citations.append(
            Citation(
                marker=n,
                passage_id=sentences[0].passage.id,
                quote=QUOTE_SEPARATOR.join(s.text for s in sentences),
                spans=tuple(s for s in spans if s is not None),
                section=sentences[0].passage.section,
            )
        )


def best_sentences(
    question: str,
    passages: Sequence[Passage],
    embedder: SentenceEmbedder | None,
    limit: int = EXTRACTIVE_MAX_SENTENCES,
) -> list[ExtractedSentence]:
    """The passages' sentences closest to the question, best first: embedding cosine combined
    with keyword overlap. Headings and fragments (under five words) are not candidates."""
    candidates: list[ExtractedSentence] = []
    seen: set[str] = set()
    for n, passage in enumerate(passages, start=1):
        for a, b in sentence_ranges(passage.text):
            sentence = ExtractedSentence(n, passage, a, b)
            key = sentence.text.lower()
            if len(key.split()) >= 5 and len(terms(key)) >= 2 and key not in seen:
                seen.add(key)  # overlapping passages repeat sentences
                candidates.append(sentence)
    if not candidates:
        return []
    texts = [c.text for c in candidates]
    scores = keyword_scores(question, texts)
    if embedder is not None:
        cosine = np.clip(embedder.embed(texts) @ embedder.embed_query(question), 0.0, 1.0)
        scores = 0.6 * cosine + 0.4 * scores
    order = [int(i) for i in np.argsort(-scores, kind="stable")]
    best = float(scores[order[0]])
    picked = [order[0]] + [
        i for i in order[1:] if best > 0 and scores[i] >= EXTRACTIVE_RELATIVE_SCORE * best
    ]
    return [candidates[i] for i in picked[:limit]]


# ---------------------------------------------------------------- helpers


def _pages_label(passage: Passage) -> str:
    pages = passage.pages
    if not pages:
        return "page unknown"
    if pages[0] == pages[-1]:
        return f"page {pages[0]}"
    return f"pages {pages[0]}-{pages[-1]}"


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
