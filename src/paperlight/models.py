"""The data that crosses stages: Paper, Passage, Answer, Turn.

Coordinates follow pdfplumber's convention: PDF points, origin at the top-left corner
of the page as displayed (rotation and crop box applied), so that
``pdfplumber_page.crop((x0, top, x1, bottom))`` shows the same text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

Box = tuple[float, float, float, float]  # x0, top, x1, bottom


class BlockKind(str, Enum):
    TITLE = "title"
    HEADING = "heading"
    PARAGRAPH = "paragraph"
    CAPTION = "caption"
    TABLE = "table"
    EQUATION = "equation"
    REFERENCE = "reference"
    FOOTNOTE = "footnote"
    HEADER = "header"
    FOOTER = "footer"


@dataclass(frozen=True)
class Word:
    text: str
    page: int  # 1-based page number
    box: Box


@dataclass(frozen=True)
class PageInfo:
    number: int  # 1-based
    width: float
    height: float
    rotation: int
    columns: int = 1


@dataclass(frozen=True)
class Block:
    """A run of text in reading order. ``text`` is the words joined by single spaces
    (after hyphen repair), so ``word_offsets[i]`` is where ``words[i]`` starts in it."""

    text: str
    kind: BlockKind
    page: int
    words: tuple[Word, ...]
    word_offsets: tuple[int, ...]
    section: str = ""
    size: float = 0.0  # font size of its first line

    @property
    def box(self) -> Box:
        return bounding_box([w.box for w in self.words])


@dataclass(frozen=True)
class Paper:
    id: str  # sha256 of the PDF bytes
    title: str
    authors: tuple[str, ...]
    doi: str
    pages: tuple[PageInfo, ...]
    blocks: tuple[Block, ...]
    filename: str = ""

    @property
    def body_blocks(self) -> list[Block]:
        """Blocks that belong to the text (no running headers or footers)."""
        return [b for b in self.blocks if b.kind not in (BlockKind.HEADER, BlockKind.FOOTER)]

    @property
    def text(self) -> str:
        return "\n\n".join(b.text for b in self.body_blocks)


@dataclass(frozen=True)
class Span:
    """A character range of a passage's text and where it lies on the pages."""

    start: int
    end: int
    page: int
    boxes: tuple[Box, ...]


@dataclass(frozen=True)
class Passage:
    id: str
    paper_id: str
    section: str
    kind: str
    text: str
    spans: tuple[Span, ...]
    order: int = 0  # position in the paper, for neighbours

    @property
    def pages(self) -> list[int]:
        return sorted({s.page for s in self.spans})


@dataclass(frozen=True)
class ScoredPassage:
    passage: Passage
    score: float
    rank: int


@dataclass(frozen=True)
class EvidenceSpan:
    """A sentence of the paper that supports an answer, with its page boxes."""

    text: str
    page: int
    boxes: tuple[Box, ...]
    pages: tuple[tuple[int, tuple[Box, ...]], ...] = ()  # all pages when it crosses one


@dataclass(frozen=True)
class Citation:
    marker: int  # the [n] in the answer text
    passage_id: str
    quote: str
    spans: tuple[EvidenceSpan, ...] = ()
    section: str = ""


@dataclass
class Answer:
    question: str
    text: str
    abstained: bool
    mode: str  # "llm" or "extractive"
    answerability: float
    citations: list[Citation] = field(default_factory=list)
    passages: list[ScoredPassage] = field(default_factory=list)
    model: str = ""
    rewritten_question: str = ""
    timings: dict[str, float] = field(default_factory=dict)


def bounding_box(boxes: list[Box] | tuple[Box, ...]) -> Box:
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )
