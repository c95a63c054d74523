"""pdfium → raw lines of words with boxes, in the page's content-stream order.

pdfium (pypdfium2, shipped with pdfplumber) reads characters and their boxes ~47× faster
than pdfminer, and its stream order keeps paragraphs whole. Boxes are converted to
pdfplumber's convention (displayed page, top-left origin) so that both engines agree.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as raw

from paperlight.errors import PdfError
from paperlight.models import Box, PageInfo

LIGATURES = {
    "\ufb00": "ff",
    "\ufb01": "fi",
    "\ufb02": "fl",
    "\ufb03": "ffi",
    "\ufb04": "ffl",
    "\ufb05": "st",
    "\ufb06": "st",
}
WORD_GAP_PT = 1.5  # x_tolerance: a gap wider than this between glyphs starts a new word


@dataclass
class RawWord:
    text: str
    box: Box


@dataclass
class RawLine:
    words: list[RawWord]
    size: float  # font size of the line's first glyph, as printed
    bold: bool

    @property
    def box(self) -> Box:
        boxes = [w.box for w in self.words]
        return (
            min(b[0] for b in boxes),
            min(b[1] for b in boxes),
            max(b[2] for b in boxes),
            max(b[3] for b in boxes),
        )

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


@dataclass
class RawPage:
    info: PageInfo
    lines: list[RawLine]
    image_count: int


def open_document(data: bytes) -> pdfium.PdfDocument:
    """Open PDF bytes, turning every way it can fail into a PdfError a reader can act on."""
    if not data:
        raise PdfError("The file is empty (0 bytes): upload the PDF again.")
    if b"%PDF" not in data[:1024]:
        raise PdfError("This file is not a PDF (no %PDF header): export the paper as PDF first.")
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        if "password" in str(error).lower():
            raise PdfError(
                "The PDF is password-protected: remove the password (e.g. print to PDF) "
                "and upload it again."
            ) from error
        raise PdfError(
            "The PDF is damaged or truncated and cannot be read: download it again."
        ) from error


class _Transform:
    """PDF user space → pdfplumber's displayed-page coordinates (mediabox based)."""

    def __init__(self, page: pdfium.PdfPage) -> None:
        self.x0, self.y0, x1, y1 = page.get_mediabox()
        self.width = x1 - self.x0
        self.height = y1 - self.y0
        self.rotation = page.get_rotation() % 360

    def box(self, left: float, bottom: float, right: float, top: float) -> Box:
        lx, rx = left - self.x0, right - self.x0
        by, ty = bottom - self.y0, top - self.y0
        if self.rotation == 90:
            return (by, lx, ty, rx)
        if self.rotation == 180:
            return (self.width - rx, by, self.width - lx, ty)
        if self.rotation == 270:
            return (self.height - ty, self.width - rx, self.height - by, self.width - lx)
        return (lx, self.height - ty, rx, self.height - by)

    @property
    def size(self) -> tuple[float, float]:
        if self.rotation in (90, 270):
            return self.height, self.width
        return self.width, self.height


def read_page(doc: pdfium.PdfDocument, index: int) -> RawPage:
    page = doc[index]
    transform = _Transform(page)
    textpage = page.get_textpage()
    try:
        lines = _read_lines(textpage, transform)
    finally:
        textpage.close()
    images = sum(1 for obj in page.get_objects(max_depth=1) if obj.type == raw.FPDF_PAGEOBJ_IMAGE)
    width, height = transform.size
    page.close()
    info = PageInfo(number=index + 1, width=width, height=height, rotation=transform.rotation)
    return RawPage(info=info, lines=lines, image_count=images)


def _read_lines(textpage: pdfium.PdfTextPage, transform: _Transform) -> list[RawLine]:
    count = raw.FPDFText_CountChars(textpage)
    if count <= 0:
        return []
    text = textpage.get_text_range(0, count)
    if len(text) != count:  # surrogate pairs: read glyph by glyph
        text = "".join(chr(raw.FPDFText_GetUnicode(textpage, i) or 32) for i in range(count))
    rect = raw.FS_RECTF()
    matrix = raw.FS_MATRIX()
    lines: list[RawLine] = []
    words: list[RawWord] = []
    chars: list[str] = []
    box: list[float] = []
    last_right = -1e9
    last_top = 0.0
    line_size = 0.0
    line_bold = False
    last_index = 0

    def end_word() -> None:
        nonlocal chars, box
        if chars:
            text = "".join(chars)
            if any("\ud800" <= c <= "\udfff" for c in text):
                text = _join_surrogates(text)
            words.append(RawWord(text, (box[0], box[1], box[2], box[3])))
        chars, box = [], []

    def end_line() -> None:
        nonlocal words
        end_word()
        if words:
            bold = line_bold and raw.FPDFText_GetFontWeight(textpage, last_index) >= 600
            lines.append(RawLine(words, line_size, bold))
        words = []

    for i, ch in enumerate(text):
        if ch in "\r\n":
            end_line()
            last_right = -1e9
            continue
        if ch.isspace() or ch == "\x00":
            end_word()
            continue
        if ch in "\x02\ufffe":  # pdfium's marks for a hyphen at a line end
            ch = "-"
        elif ch < " " or "\x7f" <= ch <= "\x9f" or ch == "\ufffd":  # unmapped glyphs ((cid:N))
            continue
        raw.FPDFText_GetLooseCharBox(textpage, i, rect)
        x0, top, x1, bottom = transform.box(rect.left, rect.bottom, rect.right, rect.top)
        if x1 - x0 <= 0 and bottom - top <= 0:
            continue
        if words or chars:
            jumped = abs(top - last_top) > (bottom - top) * 1.5 or x0 < last_right - 20
            if jumped:
                end_line()
            elif x0 - last_right > WORD_GAP_PT:
                end_word()
        if not words and not chars:
            line_size = _font_size(textpage, i, matrix)
            line_bold = raw.FPDFText_GetFontWeight(textpage, i) >= 600
        ch = LIGATURES.get(ch, ch)
        chars.append(ch)
        if box:
            box = [min(box[0], x0), min(box[1], top), max(box[2], x1), max(box[3], bottom)]
        else:
            box = [x0, top, x1, bottom]
        last_right = x1
        last_top = top
        last_index = i
    end_line()
    return lines


def _font_size(textpage: pdfium.PdfTextPage, index: int, matrix: raw.FS_MATRIX) -> float:
    """The size as printed: many PDFs set font size 1 and scale the text matrix instead."""
    raw.FPDFText_GetMatrix(textpage, index, matrix)
    scale = math.hypot(matrix.c, matrix.d) or 1.0
    return round(raw.FPDFText_GetFontSize(textpage, index) * scale, 1)


def _join_surrogates(text: str) -> str:
    """pdfium gives characters outside the BMP (math italics: 𝑁𝐷𝑉𝐼) as UTF-16 halves; join them
    and fold the math alphabets to plain letters so that search finds "NDVI"."""
    joined = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "ignore")
    return unicodedata.normalize("NFKC", joined)
