"""Paper → Passages: a few whole sentences of one section, each word mapped to its page box.

A passage never spans two sections and never cuts a sentence. Captions, tables and reference
entries are passages of their own (kind says which), so retrieval can leave references out.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from paperlight.models import Block, BlockKind, Paper, Passage, Span
from paperlight.sentences import sentence_spans

TARGET_CHARS = 450  # a few sentences: small units match precisely (bench/chunk_sizes.py)
MAX_CHARS = 700
OWN_PASSAGE = {
    BlockKind.CAPTION: "caption",
    BlockKind.TABLE: "table",
    BlockKind.FOOTNOTE: "footnote",
    BlockKind.REFERENCE: "reference",
}
SKIPPED = {BlockKind.HEADER, BlockKind.FOOTER, BlockKind.HEADING}


@dataclass(frozen=True)
class _Piece:
    """A sentence (or a whole float) of one block: block.text[start:end]."""

    block: Block
    start: int
    end: int


def chunk(paper: Paper, target_chars: int = 0, max_chars: int = 0) -> list[Passage]:
    """Passages of about ``target_chars`` (never over ``max_chars`` unless one sentence is)."""
    target_chars = target_chars or TARGET_CHARS
    max_chars = max_chars or MAX_CHARS
    passages: list[Passage] = []
    current: list[_Piece] = []
    size = 0

    def flush() -> None:
        nonlocal current, size
        if current:
            passages.append(_passage(paper.id, len(passages), current, "text"))
        current, size = [], 0

    section = None
    for block in paper.blocks:
        if block.kind in SKIPPED:
            if block.kind == BlockKind.HEADING:
                flush()
            continue
        if block.section != section:
            flush()
            section = block.section
        if block.kind in OWN_PASSAGE:
            for piece in _split_long(block, max_chars):
                passages.append(_passage(paper.id, len(passages), [piece], OWN_PASSAGE[block.kind]))
            continue
        for start, end in sentence_spans(block.text):
            length = end - start
            if current and size + length > max_chars:
                flush()
            current.append(_Piece(block, start, end))
            size += length + 1
            if size >= target_chars:
                flush()
        if size >= target_chars * 0.6:  # a paragraph end is a good place to stop
            flush()
    flush()
    return passages


def _split_long(block: Block, max_chars: int) -> list[_Piece]:
    """Floats are usually short; a long table is cut at sentence ends (or word ends)."""
    pieces: list[_Piece] = []
    start = 0
    while start < len(block.text):
        end = min(len(block.text), start + max_chars)
        if end < len(block.text):
            cut = block.text.rfind(" ", start, end)
            end = cut if cut > start else end
        pieces.append(_Piece(block, start, end))
        start = end + 1
    return pieces


def _passage(paper_id: str, order: int, pieces: list[_Piece], kind: str) -> Passage:
    text_parts: list[str] = []
    spans: list[Span] = []
    offset = 0
    previous_block: Block | None = None
    for piece in pieces:
        if text_parts:
            glue = " " if piece.block is previous_block else "\n"
            text_parts.append(glue)
            offset += len(glue)
        block = piece.block
        text_parts.append(block.text[piece.start : piece.end])
        for word, at in zip(block.words, block.word_offsets, strict=True):
            end = at + len(word.text)
            if at >= piece.start and end <= piece.end:
                begin = offset + at - piece.start
                spans.append(Span(begin, begin + len(word.text), word.page, (word.box,)))
        offset += piece.end - piece.start
        previous_block = block
    section = pieces[0].block.section
    return Passage(
        id=passage_id(paper_id, order),
        paper_id=paper_id,
        section=section,
        kind=kind,
        text="".join(text_parts),
        spans=tuple(spans),
        order=order,
    )


def passage_id(paper_id: str, order: int) -> str:
    """A stable UUID (Qdrant point ids are UUIDs or integers)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"paperlight:{paper_id}:{order}"))
