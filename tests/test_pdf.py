"""PDF → Paper on real papers: reading order, hyphens, running lines, kinds, boxes, bad input."""

from __future__ import annotations

import hashlib
import io
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pdfplumber
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw
import pytest
from PIL import Image

from paperlight.errors import PdfError
from paperlight.models import BlockKind, Paper
from paperlight.pdf import parse
from paperlight.pdf.cleanup import clean_word


@pytest.fixture(scope="module")
def acl(acl_pdf: Path) -> Paper:
    return parse(acl_pdf.read_bytes(), acl_pdf.name)


@pytest.fixture(scope="module")
def bdj(bdj_pdf: Path) -> Paper:
    return parse(bdj_pdf.read_bytes(), bdj_pdf.name)


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_paper_id_is_sha256_of_the_bytes(acl_pdf: Path, acl: Paper) -> None:
    assert acl.id == hashlib.sha256(acl_pdf.read_bytes()).hexdigest()


def test_layout_detected_per_page(acl: Paper, bdj: Paper) -> None:
    assert [p.columns for p in acl.pages[1:]] == [2] * 7  # two-column body pages
    assert all(p.columns == 1 for p in bdj.pages)


def test_columns_are_read_one_after_the_other(acl: Paper) -> None:
    text = flat(acl.text)
    # left column of page 2 ends with the Authors paragraph; the right column starts with Entities
    left_end = text.index("The literature graph has 12M nodes of this type.")
    right_start = text.index("Entities. Each node of this type represents a unique scientific")
    assert left_end < right_start
    # a sentence that runs from page 1's right column into page 2's left column stays whole
    assert "(e.g., Lample et al., 2016), and assume that entity types" in text


def test_paragraph_resumes_after_a_table_and_footnotes(acl: Paper) -> None:
    text = flat(acl.text)
    assert "passed through one fully-connected layer and then fed into a two-layer" in text


def test_hyphens_at_line_ends(acl: Paper) -> None:
    text = flat(acl.text)
    assert "organizing published scientific literature into a heterogeneous graph" in text
    assert "litera-" not in text and "litera- ture" not in text
    assert "meta-analysis" in text  # a compound broken at a line end keeps its hyphen
    assert "appearing" in text


def test_words_are_kept_apart(acl: Paper) -> None:
    text = acl.text
    assert "We describe a deployed scalable system" in text
    assert not re.search(r"[a-z]{3,}(the|and|of)[A-Z]", text)


def test_running_headers_footers_and_page_numbers_leave_the_text(acl: Paper, bdj: Paper) -> None:
    footers = [b for b in acl.blocks if b.kind == BlockKind.FOOTER]
    assert {b.text for b in footers} >= {"85", "86", "87"}
    body = [b.text for b in acl.body_blocks]
    assert "85" not in body and "86" not in body
    running = [b for b in bdj.blocks if b.kind in (BlockKind.HEADER, BlockKind.FOOTER)]
    assert {b.page for b in running} >= set(range(2, len(bdj.pages) + 1))  # every later page
    assert all(b.text not in bdj.text for b in running if len(b.text) > 12)


def test_no_glyph_codes_or_ligatures_reach_the_text(acl: Paper, bdj: Paper) -> None:
    for paper in (acl, bdj):
        assert "(cid:" not in paper.text
        assert not re.search("[\ufb00-\ufb06\ufffe\x00-\x08]", paper.text)
    assert clean_word("ﬁ(cid:12)rst") == "ﬁrst"
    assert clean_word("(cid:0)") == ""


def test_block_kinds_and_sections(acl: Paper) -> None:
    kinds = {b.kind for b in acl.blocks}
    assert {BlockKind.TITLE, BlockKind.HEADING, BlockKind.PARAGRAPH, BlockKind.CAPTION} <= kinds
    assert {BlockKind.TABLE, BlockKind.REFERENCE, BlockKind.FOOTNOTE} <= kinds
    caption = next(b for b in acl.blocks if b.text.startswith("Table 1:"))
    assert caption.kind == BlockKind.CAPTION
    node_types = next(b for b in acl.blocks if b.text.startswith("Entities. Each node"))
    assert node_types.section == "2.1 Node Types"
    references = [b for b in acl.blocks if b.kind == BlockKind.REFERENCE]
    assert len(references) >= 25  # one block per entry
    assert all(b.section == "References" for b in references)
    assert any(
        b.text.startswith("Sepp Hochreiter and Jürgen Schmidhuber. 1997.") for b in references
    )


def test_title_authors_doi(acl: Paper, bdj: Paper) -> None:
    assert acl.title == "Construction of the Literature Graph in Semantic Scholar"
    assert acl.authors[0] == "Waleed Ammar" and "Oren Etzioni" in acl.authors
    assert bdj.doi == "10.3897/BDJ.8.e57090"
    assert "herbarium" in bdj.title.lower()


def _text_in_box(page: pdfplumber.page.Page, box: tuple[float, float, float, float]) -> str:
    x0, top, x1, bottom = box
    chars = [
        c
        for c in page.chars
        if x0 <= (c["x0"] + c["x1"]) / 2 <= x1 and top <= (c["top"] + c["bottom"]) / 2 <= bottom
    ]
    return "".join(c["text"] for c in chars)


def _fold(text: str) -> str:
    return re.sub(r"[\s\-\u00ad\u2010\u2011]", "", unicodedata.normalize("NFKC", text))


def _check_boxes(data: bytes, paper: Paper, sample: int = 150) -> None:
    words = [w for b in paper.body_blocks for w in b.words if len(w.text) > 3][:sample]
    assert words
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for word in words:
            under = _text_in_box(pdf.pages[word.page - 1], word.box)
            assert _fold(word.text) in _fold(under), (word, under)


def test_word_boxes_hold_their_words(acl_pdf: Path, acl: Paper) -> None:
    _check_boxes(acl_pdf.read_bytes(), acl)


def _transformed(source: Path, rotation: int, crop: tuple[float, float, float, float]) -> bytes:
    """The fixture's page 2 with a rotation and a crop box that does not start at (0, 0)."""
    src = pdfium.PdfDocument(source.read_bytes())
    doc = pdfium.PdfDocument.new()
    doc.import_pages(src, [1])
    page = doc[0]
    pdfium_raw.FPDFPage_SetCropBox(page, *crop)
    page.set_rotation(rotation)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_boxes_on_rotated_and_cropped_pages(acl_pdf: Path, rotation: int) -> None:
    data = _transformed(acl_pdf, rotation, (40.0, 50.0, 560.0, 800.0))
    paper = parse(data)
    width, height = paper.pages[0].width, paper.pages[0].height
    assert (width > height) == (rotation in (90, 270))
    _check_boxes(data, paper, sample=60)


def test_pages_of_different_sizes(acl_pdf: Path) -> None:
    src = pdfium.PdfDocument(acl_pdf.read_bytes())
    doc = pdfium.PdfDocument.new()
    doc.import_pages(src, [0, 1])
    pdfium_raw.FPDFPage_SetMediaBox(doc[1], 0, 0, 700, 1000)  # a larger second page
    out = io.BytesIO()
    doc.save(out)
    paper = parse(out.getvalue())
    assert paper.pages[1].height == pytest.approx(1000)
    _check_boxes(out.getvalue(), paper, sample=80)


# --- bad input ------------------------------------------------------------------------------


def _encrypted(source: Path) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(source).pages[:1]:
        writer.add_page(page)
    writer.encrypt(user_password="secret", owner_password="owner")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _scanned(source: Path) -> bytes:
    """A page rendered to an image and saved as a PDF: no text layer, like a scan."""
    page = pdfium.PdfDocument(source.read_bytes())[0]
    image = page.render(scale=1).to_pil().convert("RGB")
    out = io.BytesIO()
    image.save(out, format="PDF")
    return out.getvalue()


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(out, format="PNG")
    return out.getvalue()


BAD_INPUTS = {
    "empty": (lambda p: b"", "empty"),
    "png renamed .pdf": (lambda p: _png(), "not a PDF"),
    "truncated": (lambda p: p.read_bytes()[:3000], "damaged or truncated"),
    "encrypted": (_encrypted, "password"),
    "scanned": (_scanned, "OCR"),
}


@pytest.mark.parametrize("name", list(BAD_INPUTS))
def test_bad_input_gets_a_typed_one_line_message(acl_pdf: Path, name: str) -> None:
    make, expected = BAD_INPUTS[name]
    with pytest.raises(PdfError, match=expected) as caught:
        parse(make(acl_pdf))
    assert "\n" not in str(caught.value)


def test_page_limit(acl_pdf: Path) -> None:
    with pytest.raises(PdfError, match="8 pages, more than the limit of 3.*PAPERLIGHT_MAX_PAGES"):
        parse(acl_pdf.read_bytes(), max_pages=3)


@pytest.mark.parametrize("name", ["empty", "png renamed .pdf", "scanned"])
def test_cli_reports_bad_input_without_a_traceback(
    acl_pdf: Path, tmp_path: Path, settings, name: str
) -> None:
    make, expected = BAD_INPUTS[name]
    bad = tmp_path / "paper.pdf"
    bad.write_bytes(make(acl_pdf))
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PAPERLIGHT_HOME": str(tmp_path / "h")}
    done = subprocess.run(
        [sys.executable, "-m", "paperlight.cli", "ingest", str(bad)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode != 0
    assert expected in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert len(done.stderr.strip().splitlines()) == 1
