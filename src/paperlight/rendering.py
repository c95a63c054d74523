"""Page images with highlighter-style overlays, rendered by PDFium (pypdfium2).

Boxes arrive in pdfplumber's coordinates: points, top-left origin, on the page as rotated for
display, but measured from the *media box* corner. PDFium renders the *crop box*, so a page whose
crop box does not start at the media box corner needs the offset; both are handled here by
mapping the crop box into pdfplumber's frame (the same transform pdfminer applies to text).
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image, ImageChops, ImageDraw

from paperlight.models import Box, Citation

RGBA = tuple[int, int, int, int]

#: One colour per citation marker, cycling: yellow, blue, pink, green, orange, violet.
PALETTE: tuple[RGBA, ...] = (
    (255, 221, 0, 110),
    (64, 170, 255, 90),
    (255, 105, 180, 90),
    (90, 210, 90, 95),
    (255, 150, 30, 100),
    (170, 120, 255, 90),
)
#: Points added around each box so the stroke covers ascenders and descenders.
PADDING_PT = 1.0

# PDFium is not thread-safe (Streamlit runs each session in its own thread).
_PDFIUM_LOCK = threading.Lock()

PdfSource = bytes | str | Path


def colour_for(marker: int) -> RGBA:
    """The palette colour of citation ``[marker]`` (markers count from 1)."""
    return PALETTE[(marker - 1) % len(PALETTE)]


def citation_highlights(citations: Iterable[Citation], page_number: int) -> list[tuple[Box, RGBA]]:
    """Every box the citations' evidence has on ``page_number``, in its citation's colour."""
    out = []
    for citation in citations:
        for span in citation.spans:
            for page, boxes in span.pages or ((span.page, span.boxes),):
                if page == page_number:
                    out.extend((box, colour_for(citation.marker)) for box in boxes)
    return out


@dataclass(frozen=True)
class PageFrame:
    """Where the rendered crop box lies in pdfplumber's frame, and the page's size as shown."""

    left: float
    top: float
    width: float
    height: float

    def to_pixels(self, box: Box, scale: float) -> tuple[float, float, float, float]:
        x0, top, x1, bottom = box
        return (
            (x0 - self.left) * scale,
            (top - self.top) * scale,
            (x1 - self.left) * scale,
            (bottom - self.top) * scale,
        )


def render_page(
    pdf: PdfSource,
    page_number: int,
    highlights: Sequence[tuple[Box, RGBA]] = (),
    scale: float = 1.5,
    cache_dir: Path | None = None,
    paper_id: str | None = None,
) -> Image.Image:
    """Page ``page_number`` (from 1) as an RGB image with translucent highlights.

    The plain page image is cached as PNG under ``cache_dir`` per (paper id, page, scale); the
    paper id defaults to the sha256 of the PDF bytes, like ``Paper.id``.
    """
    data = _read(pdf)
    path = None
    if cache_dir is not None:
        key = paper_id or hashlib.sha256(data).hexdigest()
        path = _cache_path(cache_dir, key, page_number, scale)
    base = _load_png(path) if path is not None else None
    frame, rendered = _render(data, page_number, scale, render=base is None)
    if base is None:
        assert rendered is not None
        base = rendered
        if path is not None:
            _save_png(base, path)
    return _overlay(base, frame, highlights, scale) if highlights else base


def page_frame(pdf: PdfSource, page_number: int) -> PageFrame:
    """The crop box of a page in pdfplumber's frame (exposed for tests and callers that draw)."""
    return _render(_read(pdf), page_number, 1.0, render=False)[0]


def _read(pdf: PdfSource) -> bytes:
    return pdf if isinstance(pdf, bytes) else Path(pdf).read_bytes()


def _render(
    data: bytes, page_number: int, scale: float, render: bool
) -> tuple[PageFrame, Image.Image | None]:
    with _PDFIUM_LOCK:
        doc = pdfium.PdfDocument(data)
        try:
            if not 1 <= page_number <= len(doc):
                raise ValueError(f"page {page_number} is not in this PDF (1-{len(doc)})")
            page = doc[page_number - 1]
            try:
                frame = _frame(
                    page.get_mediabox(), page.get_cropbox(), page.get_rotation() % 360
                )
                image = page.render(scale=scale).to_pil().convert("RGB") if render else None
            finally:
                page.close()
        finally:
            doc.close()
    return frame, image


def _frame(
    mediabox: tuple[float, float, float, float],
    cropbox: tuple[float, float, float, float],
    rotation: int,
) -> PageFrame:
    """Map the crop box (PDF user space) into pdfplumber's frame for this rotation."""
    mx0, my0, mx1, my1 = _ordered(mediabox)
    cx0, cy0, cx1, cy1 = _ordered(cropbox)
    # PDFium shows the crop box clipped to the media box.
    cx0, cy0, cx1, cy1 = max(cx0, mx0), max(cy0, my0), min(cx1, mx1), min(cy1, my1)
    corners = [
        _plumber_point(x, y, (mx0, my0, mx1, my1), rotation) for x in (cx0, cx1) for y in (cy0, cy1)
    ]
    xs, ys = [c[0] for c in corners], [c[1] for c in corners]
    return PageFrame(left=min(xs), top=min(ys), width=max(xs) - min(xs), height=max(ys) - min(ys))


def _plumber_point(
    x: float, y: float, mediabox: tuple[float, float, float, float], rotation: int
) -> tuple[float, float]:
    """A user-space point in pdfplumber's frame: pdfminer's rotation matrix for the page, then
    pdfplumber's flip to a top-left origin (pdfplumber.page.Page.process_object)."""
    x0, y0, x1, y1 = mediabox
    if rotation == 90:
        dx, dy = y - y0, x1 - x
    elif rotation == 180:
        dx, dy = x1 - x, y1 - y
    elif rotation == 270:
        dx, dy = y1 - y, x - x0
    else:
        dx, dy = x - x0, y - y0
    # pdfplumber: its media box, normalised for the rotation, then inverted about its height.
    if rotation in (90, 270):
        left, far, height = y0, x1, x1 - x0
    else:
        left, far, height = x0, y1, y1 - y0
    return dx + left, height - dy + (height - far)


def _ordered(box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = box
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def _overlay(
    base: Image.Image, frame: PageFrame, highlights: Sequence[tuple[Box, RGBA]], scale: float
) -> Image.Image:
    """Multiply a tinted layer over the page: the paper under a highlight turns the colour while
    the ink stays dark, like a highlighter pen."""
    layer = Image.new("RGB", base.size, (255, 255, 255))
    draw = ImageDraw.Draw(layer)
    for box, (r, g, b, a) in highlights:
        pad = PADDING_PT
        padded = (box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad)
        x0, y0, x1, y1 = frame.to_pixels(padded, scale)
        tint = tuple(round(255 - a / 255 * (255 - c)) for c in (r, g, b))
        draw.rectangle((round(x0), round(y0), round(x1) - 1, round(y1) - 1), fill=tint)
    return ImageChops.multiply(base, layer)


def _cache_path(cache_dir: Path, paper_id: str, page_number: int, scale: float) -> Path:
    return Path(cache_dir) / "pages" / f"{paper_id}-p{page_number}-x{scale:g}.png"


def _load_png(path: Path) -> Image.Image | None:
    try:
        with Image.open(path) as image:
            return image.convert("RGB")
    except (OSError, ValueError):  # missing, or a damaged cache file: render again
        return None


def _save_png(image: Image.Image, path: Path) -> None:
    """Write atomically, so a concurrent reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            buffer = io.BytesIO()
            image.save(buffer, format="PNG")
            handle.write(buffer.getvalue())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
