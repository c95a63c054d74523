"""PDF bytes → Paper: words with boxes → lines → columns → blocks in reading order → sections."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable

from paperlight.errors import PdfError
from paperlight.models import Block, BlockKind, PageInfo, Paper, Word
from paperlight.pdf import structure
from paperlight.pdf.cleanup import (
    clean_word,
    drop_line_numbers,
    joins_across_break,
    running_lines,
    vocabulary,
)
from paperlight.pdf.layout import LineGroup, find_columns, reading_order
from paperlight.pdf.reader import RawLine, RawPage, open_document, read_page

__all__ = ["parse", "paper_id"]

Progress = Callable[[int, int], None]  # (pages done, pages in all)
MIN_CHARS_PER_PAGE = 40


def paper_id(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def parse(
    data: bytes, filename: str = "", max_pages: int = 300, progress: Progress | None = None
) -> Paper:
    """Parse a PDF into a Paper. Raises PdfError with a one-line message on bad input."""
    doc = open_document(data)
    try:
        total = len(doc)
        if total == 0:
            raise PdfError("The PDF has no pages: download it again.")
        if total > max_pages:
            raise PdfError(
                f"The PDF has {total} pages, more than the limit of {max_pages}: split it, or "
                "raise PAPERLIGHT_MAX_PAGES."
            )
        pages: list[RawPage] = []
        for index in range(total):
            page = read_page(doc, index)
            drop_line_numbers(page)
            pages.append(page)
            if progress:
                progress(index + 1, total)
        metadata = {k: v for k, v in doc.get_metadata_dict().items() if isinstance(v, str)}
    finally:
        doc.close()
    chars = sum(len(line.text) for page in pages for line in page.lines)
    if chars < MIN_CHARS_PER_PAGE * total:
        raise PdfError(
            "The PDF has no text layer (a scan or images of pages): run OCR on it first, "
            "e.g. `ocrmypdf in.pdf out.pdf`, and upload the result."
        )
    blocks = _blocks(pages)
    title, authors = structure.title_and_authors(blocks, metadata)
    first_pages = " ".join(b.text for b in blocks if b.page <= 2)
    return Paper(
        id=paper_id(data),
        title=title,
        authors=tuple(authors),
        doi=structure.find_doi(first_pages),
        pages=tuple(_page_info(page) for page in pages),
        blocks=tuple(blocks),
        filename=filename,
    )


def _page_info(page: RawPage) -> PageInfo:
    info = page.info
    columns = len(find_columns(page.lines, info.width))
    return PageInfo(info.number, info.width, info.height, info.rotation, columns)


def _blocks(pages: list[RawPage]) -> list[Block]:
    running = running_lines(pages)
    words = vocabulary(pages)
    groups: list[tuple[int, LineGroup, BlockKind | None]] = []
    heights = {page.info.number: page.info.height for page in pages}
    for p, page in enumerate(pages):
        body: list[RawLine] = []
        for i, line in enumerate(page.lines):
            if (p, i) in running:
                top = line.box[1] < page.info.height / 2
                kind = BlockKind.HEADER if top else BlockKind.FOOTER
                groups.append((page.info.number, LineGroup([line], 0), kind))
            else:
                body.append(line)
        columns = find_columns(body, page.info.width)
        for group in reading_order(body, columns):
            groups.append((page.info.number, group, None))
    size = structure.body_size([g for _, g, kind in groups if kind is None])
    title = structure.find_title(
        [g for page, g, kind in groups if page == 1 and kind is None], size
    )
    blocks: list[Block] = []
    for page_number, group, kind in groups:
        if kind is None:
            kind = (
                BlockKind.TITLE
                if group is title
                else structure.kind_of(group, size, heights[page_number])
            )
        blocks.append(_block(group, kind, page_number, words))
    blocks = structure.assign_sections(_join_continued(blocks, words))
    return _split_reference_entries(blocks)


def _block(group: LineGroup, kind: BlockKind, page: int, vocab: Counter[str]) -> Block:
    """Join a group's words into text, repairing hyphens at line ends."""
    text_parts: list[str] = []
    offsets: list[int] = []
    out_words: list[Word] = []
    length = 0
    glue = ""
    for line_index, line in enumerate(group.lines):
        for word_index, raw_word in enumerate(line.words):
            token = clean_word(raw_word.text)
            if not token:
                continue
            last_in_line = word_index == len(line.words) - 1
            next_line = group.lines[line_index + 1] if line_index + 1 < len(group.lines) else None
            join = None
            if last_in_line and next_line is not None and next_line.words:
                join = joins_across_break(token, next_line.words[0].text, vocab)
            if join == "":
                token = token[:-1]
            if text_parts:
                text_parts.append(glue)
                length += len(glue)
            offsets.append(length)
            out_words.append(Word(token, page, raw_word.box))
            text_parts.append(token)
            length += len(token)
            glue = "" if join is not None else " "
    return Block(
        "".join(text_parts), kind, page, tuple(out_words), tuple(offsets), "", group.lines[0].size
    )


def _join_continued(blocks: list[Block], vocab: Counter[str]) -> list[Block]:
    """A paragraph cut by a column or page break, or by a figure or table floating inside it,
    becomes one block again; the floats follow it."""
    blocks = list(blocks)
    result: list[Block] = []
    i = 0
    while i < len(blocks):
        block = blocks[i]
        i += 1
        if block.kind == BlockKind.CAPTION:
            side = _caption_other_half(blocks, i, block)
            if side is not None:
                block = _concat(block, blocks.pop(side), vocab)
        elif block.kind == BlockKind.PARAGRAPH and len(block.words) >= 8:  # labels stay put
            while _unfinished(block):
                follower = _continuation(blocks, i, block)
                if follower is None:
                    break
                block = _concat(block, blocks.pop(follower), vocab)
        result.append(block)
    return result


def _caption_other_half(blocks: list[Block], start: int, caption: Block) -> int | None:
    """A caption set in two columns side by side: the right half starts level with the left."""
    first = caption.words[0]
    for j in range(start, min(len(blocks), start + 12)):
        candidate = blocks[j]
        head = candidate.words[0]
        if (
            candidate.kind == BlockKind.PARAGRAPH
            and head.page == first.page
            and abs(head.box[1] - first.box[1]) < 3
            and head.box[0] > caption.box[2]
        ):
            return j
    return None


def _unfinished(block: Block) -> bool:
    return not block.text.rstrip().endswith((".", ":", "?", "!"))


def _continuation(blocks: list[Block], start: int, block: Block, reach: int = 8) -> int | None:
    """Index of the paragraph that continues an unfinished one, skipping only floats (captions,
    tables, equations, running lines, figure labels) in between."""
    for j in range(start, min(len(blocks), start + reach)):
        candidate = blocks[j]
        same_type = abs(candidate.size - block.size) < 0.6
        if candidate.kind == BlockKind.PARAGRAPH and same_type and _continues(candidate.text):
            return j
        if candidate.kind in (BlockKind.HEADING, BlockKind.TITLE, BlockKind.REFERENCE):
            return None
        if candidate.kind == BlockKind.PARAGRAPH and len(candidate.words) > 12:
            return None  # a real paragraph: the text does not jump over it
    return None


def _continues(text: str) -> bool:
    first = text[:1]
    return first.islower() or first.isdigit() or first in "(),;–-−"


def _concat(first: Block, second: Block, vocab: Counter[str]) -> Block:
    join = joins_across_break(first.words[-1].text, second.words[0].text, vocab)
    if join == "":  # the hyphen goes: the first half's word loses it too
        last = first.words[-1]
        first = Block(
            first.text[:-1], first.kind, first.page,
            (*first.words[:-1], Word(last.text[:-1], last.page, last.box)),
            first.word_offsets, first.section, first.size,
        )  # fmt: skip
    return _joined(first, second, " " if join is None else "")


def _joined(first: Block, second: Block, glue: str = " ") -> Block:
    shift = len(first.text) + len(glue)
    return Block(
        text=first.text + glue + second.text,
        kind=first.kind,
        page=first.page,
        words=first.words + second.words,
        word_offsets=first.word_offsets + tuple(o + shift for o in second.word_offsets),
        section=first.section,
        size=first.size,
    )


def _split_reference_entries(blocks: list[Block]) -> list[Block]:
    """Reference blocks hold several entries (or parts of one): one block per entry."""
    result: list[Block] = []
    run: list[Block] = []
    for block in [*blocks, None]:
        if block is not None and block.kind == BlockKind.REFERENCE:
            run.append(block)
            continue
        if run:
            merged = run[0]
            for part in run[1:]:
                merged = _joined(merged, part)
            result.extend(_reference_entries(merged))
            run = []
        if block is not None:
            result.append(block)
    return result


def _reference_entries(block: Block) -> list[Block]:
    """Split the reference list where an entry starts: a number, or a line at the column's
    left edge when the column indents its other lines (hanging indent)."""
    line_starts = [
        i
        for i in range(len(block.words))
        if i == 0
        or block.words[i].box[1] > block.words[i - 1].box[3] - 1
        or block.words[i].box[0] < block.words[i - 1].box[0] - 20
        or block.words[i].page != block.words[i - 1].page
    ]
    starts = [0]
    for i in line_starts[1:]:
        word = block.words[i]
        column = [
            block.words[j].box[0]
            for j in line_starts
            if block.words[j].page == word.page and abs(block.words[j].box[0] - word.box[0]) < 40
        ]
        left = min(column)
        hanging = word.box[0] <= left + 2 and any(x > left + 4 for x in column)
        numbered = structure.REFERENCE_START.match(word.text + " ") is not None
        if numbered or hanging:
            starts.append(i)
    if len(starts) == 1:
        return [block]
    entries = []
    for a, b in zip(starts, [*starts[1:], len(block.words)], strict=True):
        begin = block.word_offsets[a]
        end = block.word_offsets[b] if b < len(block.words) else len(block.text)
        entries.append(
            Block(
                text=block.text[begin:end].rstrip(),
                kind=block.kind,
                page=block.words[a].page,
                words=block.words[a:b],
                word_offsets=tuple(o - begin for o in block.word_offsets[a:b]),
                section=block.section,
                size=block.size,
            )
        )
    return entries
