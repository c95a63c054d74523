"""What each block is (title, heading, caption, table, equation, reference, paragraph), which
section it belongs to, and the paper's title, authors and DOI."""

from __future__ import annotations

import re
from collections import Counter

from paperlight.models import Block, BlockKind
from paperlight.pdf.layout import LineGroup

NUMBERED_HEADING = re.compile(r"^((\d+(\.\d+)*\.?)|([IVX]+\.)|([A-H](\.\d+)*\.?))\s+[A-Z]")
KNOWN_HEADING = re.compile(
    r"^(\d+(\.\d+)*\.?\s*)?(abstract|introduction|background|related work|methods?|materials and"
    r" methods|results|discussion|conclusions?|acknowledge?ments?|references|bibliography|"
    r"literature cited|appendix|supplementary (material|information)|data availability|"
    r"code availability|author contributions|funding|limitations|experiments?|evaluation)\b",
    re.IGNORECASE,
)
REFERENCES = re.compile(
    r"^(\d+\.?\s*)?(references|bibliography|literature cited|works cited|references and notes)"
    r"\s*$",
    re.IGNORECASE,
)
CAPTION = re.compile(
    r"^(supplementary\s+)?(figure|fig\.|table|tab\.|algorithm|listing|box)\s*S?\d+[a-z]?\s*[.:|)]",
    re.IGNORECASE,
)
DOI = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>]+[^\s\"<>.,;)\]])")
REFERENCE_START = re.compile(r"^(\[\d+\]|\d+\.\s)")
MATH = set("=+−∑∫∂≤≥≈∈∀∃λθσμαβγδεπ×·^_{}|")


def body_size(groups: list[LineGroup]) -> float:
    """The font size most of the text is set in."""
    sizes: Counter[float] = Counter()
    for group in groups:
        for line in group.lines:
            sizes[round(line.size, 1)] += len(line.text)
    return sizes.most_common(1)[0][0] if sizes else 10.0


def kind_of(group: LineGroup, body: float, page_height: float) -> BlockKind:
    text = group.text.strip()
    words = text.split()
    if CAPTION.match(text):
        return BlockKind.CAPTION
    if _is_footnote(group, text, body, page_height):
        return BlockKind.FOOTNOTE
    if _is_heading(group, text, words, body):
        return BlockKind.HEADING
    if _is_equation(text, words):
        return BlockKind.EQUATION
    if _is_table(group, words):
        return BlockKind.TABLE
    return BlockKind.PARAGRAPH


def find_title(first_page: list[LineGroup], body: float) -> LineGroup | None:
    """The first page's largest short block in its upper half, when it stands out."""
    candidates = [
        g
        for g in first_page
        if len(g.text.split()) <= 40 and g.lines[0].box[1] < 500 and len(g.text) > 8
    ]
    if not candidates:
        return None
    best = max(candidates, key=lambda g: g.lines[0].size)
    return best if best.lines[0].size > body + 1.0 else None


def _is_footnote(group: LineGroup, text: str, body: float, page_height: float) -> bool:
    """Small type near the foot of the page, opening with a number or a mark."""
    low = group.lines[0].box[1] > 0.6 * page_height
    small = max(line.size for line in group.lines) < body - 0.8
    return low and small and (text[:1].isdigit() or text[:1] in "*†‡§¶")


def _is_heading(group: LineGroup, text: str, words: list[str], body: float) -> bool:
    long_or_sentence = len(group.lines) > 3 or len(words) > 14 or text.endswith((".", ",", ";"))
    named = REFERENCES.match(text) or (KNOWN_HEADING.match(text) and len(words) <= 4)
    if not words or (long_or_sentence and not named):
        return False
    if not (text[0].isupper() or text[0].isdigit()):
        return False
    styled = group.lines[0].bold or group.lines[0].size > body + 0.8
    if REFERENCES.match(text) or (KNOWN_HEADING.match(text) and len(words) <= 6 and styled):
        return True
    return styled and (NUMBERED_HEADING.match(text) is not None or len(words) <= 8)


def _is_equation(text: str, words: list[str]) -> bool:
    if len(words) > 40:
        return False
    math = sum(1 for ch in text if ch in MATH)
    numbered = re.search(r"\(\d+[a-z]?\)\s*$", text) is not None
    return (numbered and math >= 1) or (len(text) > 0 and math / len(text) > 0.08)


def _is_table(group: LineGroup, words: list[str]) -> bool:
    if len(words) < 6:
        return False
    numeric = sum(1 for w in words if re.fullmatch(r"[-+±]?[\d.,%]+[*†‡]?", w))
    per_line = len(words) / len(group.lines)
    return numeric / len(words) > 0.35 and per_line < 12


def assign_sections(blocks: list[Block]) -> list[Block]:
    """Attach the current section title to each block; mark the reference list."""
    section = ""
    in_references = False
    result = []
    for block in blocks:
        kind = block.kind
        if kind == BlockKind.HEADING:
            section = block.text
            in_references = REFERENCES.match(block.text) is not None
        elif in_references and kind in (
            BlockKind.PARAGRAPH, BlockKind.EQUATION, BlockKind.TABLE, BlockKind.FOOTNOTE
        ):
            kind = BlockKind.REFERENCE
        result.append(_with(block, kind=kind, section=section))
    return result


def _with(block: Block, **changes: object) -> Block:
    values = {
        "text": block.text,
        "kind": block.kind,
        "page": block.page,
        "words": block.words,
        "word_offsets": block.word_offsets,
        "section": block.section,
        "size": block.size,
    }
    values.update(changes)
    return Block(**values)  # type: ignore[arg-type]


def title_and_authors(blocks: list[Block], metadata: dict[str, str]) -> tuple[str, list[str]]:
    first_page = [b for b in blocks if b.page == 1]
    title_block = next((b for b in first_page if b.kind == BlockKind.TITLE), None)
    title = title_block.text if title_block else metadata.get("Title", "").strip()
    authors: list[str] = []
    if title_block is not None:
        after = first_page[first_page.index(title_block) + 1 :][:3]
        for block in after:
            if block.kind == BlockKind.HEADING or len(block.text) > 600:
                break
            names = _names(block.text)
            if names:
                authors = names
                break
    if not authors and metadata.get("Author"):
        authors = [a.strip() for a in re.split(r"[;,]| and ", metadata["Author"]) if a.strip()]
    return title, authors


AFFILIATION = re.compile(r"\S+@|universit|institut|department|school|laborator|college", re.I)


def _names(text: str) -> list[str]:
    """Author names from the text under the title, up to the first e-mail or affiliation."""
    affiliation = AFFILIATION.search(text)
    text = text[: affiliation.start()] if affiliation else text
    text = re.sub(r"[\d*†‡§¶,]+(?=\s|$|,)", ",", text)
    parts = [p.strip(" ,") for p in re.split(r",|\band\b|&", text)]
    names = [p for p in parts if 1 < len(p.split()) <= 4 and p[:1].isupper()]
    return names if len(names) >= max(1, len(parts) // 2) else []


def find_doi(text: str) -> str:
    match = DOI.search(text)
    return match.group(1) if match else ""
