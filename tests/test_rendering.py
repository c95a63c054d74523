"""paperlight.rendering: page images whose highlights sit on the right words, also on rotated
pages and pages whose crop box does not start at the media box corner."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pdfplumber
import pypdfium2 as pdfium
import pytest
from PIL import Image

from paperlight.models import Box, Citation, EvidenceSpan
from paperlight.rendering import (
    PADDING_PT,
    PALETTE,
    citation_highlights,
    colour_for,
    page_frame,
    render_page,
)

SCALE = 2.0
CROP = (40.0, 90.0, 520.0, 760.0)  # left, bottom, right, top in PDF user space
LAYOUTS = [(rotation, crop) for rotation in (0, 90, 180, 270) for crop in (None, CROP)]
LAYOUT_IDS = [f"rot{r}-{'crop' if c else 'full'}" for r, c in LAYOUTS]


@pytest.fixture(scope="module")
def layouts_pdf(acl_pdf: Path) -> bytes:
    """Page 1 of the ACL fixture once per layout: rotated (/Rotate) and/or with an offset crop
    box, written with PDFium (FPDFPage_SetRotation, FPDFPage_SetCropBox)."""
    source = pdfium.PdfDocument(acl_pdf)
    doc = pdfium.PdfDocument.new()
    doc.import_pages(source, [0] * len(LAYOUTS))
    for i, (rotation, crop) in enumerate(LAYOUTS):
        page = doc[i]
        page.set_rotation(rotation)
        if crop is not None:
            page.set_cropbox(*crop)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def words(layouts_pdf: bytes) -> dict[int, list[Box]]:
    """pdfplumber's word boxes per page number: the coordinates paperlight's boxes use."""
    with pdfplumber.open(io.BytesIO(layouts_pdf)) as pdf:
        return {
            p.page_number: [(w["x0"], w["top"], w["x1"], w["bottom"]) for w in p.extract_words()]
            for p in pdf.pages
        }


def pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGB")).astype(int)


def box_mask(
    shape: tuple[int, ...], boxes: list[Box], page: int, pdf: bytes, pad: float
) -> np.ndarray:
    """Pixels inside any of the boxes (grown by ``pad`` points) on the rendered page."""
    frame = page_frame(pdf, page)
    mask = np.zeros(shape[:2], dtype=bool)
    for box in boxes:
        grown = (box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad)
        x0, y0, x1, y1 = frame.to_pixels(grown, SCALE)
        rows = slice(max(0, int(y0)), max(0, int(np.ceil(y1))))
        mask[rows, max(0, int(x0)) : max(0, int(np.ceil(x1)))] = True
    return mask


@pytest.mark.parametrize("layout", range(len(LAYOUTS)), ids=LAYOUT_IDS)
def test_word_boxes_land_on_their_ink(layouts_pdf: bytes, words, layout: int) -> None:
    page = layout + 1
    image = pixels(render_page(layouts_pdf, page, scale=SCALE))
    rotation, crop = LAYOUTS[layout]
    if rotation in (90, 270):
        assert image.shape[1] > image.shape[0]  # shown landscape
    if crop is not None:
        expected = (CROP[3] - CROP[1], CROP[2] - CROP[0])
        if rotation in (90, 270):
            expected = expected[::-1]
        assert image.shape[:2] == pytest.approx([round(v * SCALE) for v in expected], abs=1)
    ink = image.mean(axis=2) < 128
    inside = box_mask(image.shape, words[page], page, layouts_pdf, pad=1)
    # Nearly all the page's ink is text, and the text is where its boxes say.
    assert (ink & inside).sum() / ink.sum() > 0.9


@pytest.mark.parametrize("layout", range(len(LAYOUTS)), ids=LAYOUT_IDS)
def test_highlights_are_drawn_exactly_on_their_boxes(
    layouts_pdf: bytes, words, layout: int
) -> None:
    page = layout + 1
    frame = page_frame(layouts_pdf, page)
    visible = [
        b
        for b in words[page]
        if frame.left <= b[0] and b[2] <= frame.left + frame.width
        and frame.top <= b[1] and b[3] <= frame.top + frame.height
    ]
    chosen = visible[10:14]
    plain = pixels(render_page(layouts_pdf, page, scale=SCALE))
    lit = pixels(render_page(layouts_pdf, page, [(b, colour_for(1)) for b in chosen], scale=SCALE))
    changed = (plain != lit).any(axis=2)
    assert changed.any()
    allowed = box_mask(plain.shape, chosen, page, layouts_pdf, pad=PADDING_PT + 1 / SCALE)
    assert not (changed & ~allowed).any()  # nothing outside the boxes changes
    core = box_mask(plain.shape, chosen, page, layouts_pdf, pad=-1)
    paper = core & (plain.min(axis=2) == 255)  # white paper under the boxes
    r, g, b, a = colour_for(1)
    tint = [round(255 - a / 255 * (255 - c)) for c in (r, g, b)]
    assert paper.sum() > 50
    assert np.abs(lit[paper] - tint).max() <= 1  # the paper takes the colour...
    dark = core & (plain.max(axis=2) < 60)
    assert dark.sum() > 10 and lit[dark].max() < 60  # ...and the ink stays dark


def test_each_citation_has_its_colour() -> None:
    assert len(set(PALETTE)) == len(PALETTE) >= 5
    assert colour_for(1) != colour_for(2)
    assert colour_for(1) == colour_for(len(PALETTE) + 1)


def test_citation_highlights_take_the_boxes_of_one_page() -> None:
    a, b, c = (10, 10, 50, 20), (10, 22, 40, 32), (60, 60, 90, 70)
    crossing = EvidenceSpan("x y", page=3, boxes=(a, b), pages=((3, (a, b)), (4, (c,))))
    citations = [
        Citation(marker=1, passage_id="p1", quote="x", spans=(crossing,)),
        Citation(marker=2, passage_id="p2", quote="z", spans=(EvidenceSpan("z", 4, (b,)),)),
    ]
    assert citation_highlights(citations, 3) == [(a, colour_for(1)), (b, colour_for(1))]
    assert citation_highlights(citations, 4) == [(c, colour_for(1)), (b, colour_for(2))]
    assert citation_highlights(citations, 5) == []


def test_plain_pages_are_cached_as_png(acl_pdf: Path, tmp_path: Path) -> None:
    first = render_page(acl_pdf, 2, scale=1.0, cache_dir=tmp_path, paper_id="paper-x")
    cached = tmp_path / "pages" / "paper-x-p2-x1.png"
    assert cached.exists() and Image.open(cached).size == first.size
    Image.new("RGB", first.size, (0, 0, 0)).save(cached)  # tamper: the cache must be what is read
    again = render_page(acl_pdf, 2, scale=1.0, cache_dir=tmp_path, paper_id="paper-x")
    assert pixels(again).max() == 0
    box = (100.0, 100.0, 200.0, 120.0)
    lit = render_page(acl_pdf, 2, [(box, colour_for(1))], scale=1.0, cache_dir=tmp_path,
                      paper_id="paper-x")
    assert pixels(lit).max() == 0  # highlights are drawn over the cached page, not cached
    other_scale = render_page(acl_pdf, 2, scale=0.5, cache_dir=tmp_path, paper_id="paper-x")
    assert other_scale.width == pytest.approx(first.width / 2, abs=1)
    assert pixels(other_scale).max() == 255


def test_cache_key_defaults_to_the_pdf_hash(acl_pdf: Path, tmp_path: Path) -> None:
    import hashlib

    render_page(acl_pdf.read_bytes(), 1, scale=0.5, cache_dir=tmp_path)
    digest = hashlib.sha256(acl_pdf.read_bytes()).hexdigest()
    assert (tmp_path / "pages" / f"{digest}-p1-x0.5.png").exists()


def test_page_out_of_range(acl_pdf: Path) -> None:
    with pytest.raises(ValueError, match="page 99"):
        render_page(acl_pdf, 99)


def test_evidence_of_a_parsed_rotated_page_is_highlighted_on_its_words(layouts_pdf: bytes) -> None:
    pdf = pytest.importorskip("paperlight.pdf")
    chunking = pytest.importorskip("paperlight.chunking")
    from paperlight.evidence import sentence_ranges, spans_for_range

    passages = chunking.chunk(pdf.parse(layouts_pdf, "layouts.pdf"))
    rotated_cropped = LAYOUTS.index((90, CROP)) + 1
    spans = [
        span
        for p in passages
        for a, b in sentence_ranges(p.text)
        if (span := spans_for_range(p, a, b)) is not None
        and span.page == rotated_cropped
        and len(span.text) > 60
    ]
    assert spans
    span = spans[len(spans) // 2]
    citation = Citation(marker=3, passage_id="p", quote=span.text, spans=(span,))
    plain = pixels(render_page(layouts_pdf, rotated_cropped, scale=SCALE))
    lit = pixels(
        render_page(
            layouts_pdf, rotated_cropped, citation_highlights([citation], rotated_cropped), SCALE
        )
    )
    changed = (plain != lit).any(axis=2)
    ink = plain.mean(axis=2) < 128
    under = box_mask(plain.shape, list(span.boxes), rotated_cropped, layouts_pdf, pad=0)
    assert changed.sum() > 0 and (ink & under).sum() > 100  # the highlight lies on the sentence
