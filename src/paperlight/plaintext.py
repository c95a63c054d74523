"""A Paper from plain-text paragraphs (QASPER-style papers with no PDF): no page boxes."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from paperlight.models import Block, BlockKind, Paper, Word


def paper_from_paragraphs(record: dict[str, Any]) -> Paper:
    """``record``: title, abstract, paragraphs [{section, text}], figures_and_tables {caption}."""
    blocks: list[Block] = []
    if record.get("abstract"):
        blocks.append(_block(record["abstract"], BlockKind.PARAGRAPH, "Abstract"))
    for paragraph in record.get("paragraphs") or []:
        blocks.append(_block(paragraph["text"], BlockKind.PARAGRAPH, paragraph.get("section", "")))
    floats = record.get("figures_and_tables") or {}
    for caption in floats.get("caption", []) if isinstance(floats, dict) else []:
        blocks.append(_block(caption, BlockKind.CAPTION, "Figures and tables"))
    digest = hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()
    return Paper(
        id=digest,
        title=record.get("title", ""),
        authors=(),
        doi="",
        pages=(),
        blocks=tuple(b for b in blocks if b.text),
        filename=str(record.get("paper_id", "")),
    )


def _block(text: str, kind: BlockKind, section: str) -> Block:
    words = text.split()
    joined = " ".join(words)
    offsets, at = [], 0
    for word in words:
        offsets.append(at)
        at += len(word) + 1
    page_words = tuple(Word(w, 0, (0.0, 0.0, 0.0, 0.0)) for w in words)
    return Block(joined, kind, 0, page_words, tuple(offsets), section)
