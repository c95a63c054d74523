"""The library: ingest a paper (bytes → Paper → Passages → vectors → store), list, delete.

An ingest is idempotent (the same bytes are found by their sha256 and not parsed again) and
atomic (the paper's record is written after all its passages; on any failure the passages
written so far are deleted, so no half-indexed paper is ever listed).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from paperlight import keywords
from paperlight.chunking import chunk
from paperlight.config import Settings
from paperlight.embedding import Embedder
from paperlight.errors import PdfError
from paperlight.models import Paper, Passage
from paperlight.pdf import paper_id, parse
from paperlight.store import Store

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass(frozen=True)
class IngestResult:
    record: dict[str, Any]
    already_there: bool
    paper: Paper | None = None  # when parsed in this call


class Library:
    """Papers in one store, with their PDFs kept under HOME/papers for page images."""

    def __init__(self, settings: Settings, store: Store, embedder: Embedder) -> None:
        self.settings = settings
        self.store = store
        self.embedder = embedder
        self.pdf_dir = settings.home_dir / "papers"
        store.ensure_schema(embedder.model_id, embedder.dim)
        store.remove_orphans()  # passages of an ingest that was killed before it finished

    def ingest(
        self, data: bytes, filename: str = "", progress: Progress | None = None
    ) -> IngestResult:
        limit = self.settings.max_upload_mb
        if len(data) > limit * 1024 * 1024:
            raise PdfError(
                f"The file is {len(data) / 2**20:.0f} MB, over the {limit} MB limit: "
                "compress it or raise PAPERLIGHT_MAX_UPLOAD_MB."
            )
        pid = paper_id(data)
        existing = self.store.paper(pid)
        if existing is not None:
            return IngestResult(existing, already_there=True)

        def parsing(done: int, total: int) -> None:
            if progress:
                progress("parsing", done, total)

        paper = parse(data, filename, self.settings.max_pages, parsing)
        return self.ingest_paper(paper, data, progress)

    def ingest_paper(
        self, paper: Paper, data: bytes | None = None, progress: Progress | None = None
    ) -> IngestResult:
        """Index a parsed paper (its PDF bytes kept for page images when given)."""
        existing = self.store.paper(paper.id)
        if existing is not None:
            return IngestResult(existing, already_there=True, paper=paper)
        passages = chunk(paper)
        if not passages:
            raise PdfError("No text could be read from this PDF: run OCR on it first.")
        try:
            # reference entries are found by keywords only: embedding them would cost a fifth
            # of the ingest time for passages that default retrieval leaves out
            embedded = [p for p in passages if p.kind != "reference"]
            rows = iter(self._embed([embedding_text(p) for p in embedded], progress))
            vectors = [next(rows) if p.kind != "reference" else None for p in passages]
            if progress:
                progress("indexing", 0, len(passages))
            sparse = [keywords.document_vector(p.text) for p in passages]
            self.store.add_passages(passages, vectors, sparse)
            if data is not None:
                self.pdf_path(paper.id).parent.mkdir(parents=True, exist_ok=True)
                self.pdf_path(paper.id).write_bytes(data)
            record = {
                "id": paper.id,
                "title": paper.title or Path(paper.filename).stem,
                "authors": list(paper.authors),
                "doi": paper.doi,
                "filename": paper.filename,
                "pages": len(paper.pages),
                "page_sizes": [[p.width, p.height] for p in paper.pages],
                "passages": len(passages),
                "centroid": _centroid([v for v in vectors if v is not None]),
                "added": datetime.now(UTC).isoformat(timespec="seconds"),
            }
            self.store.add_paper(record)
        except BaseException:
            self.store.delete_paper(paper.id)
            self.pdf_path(paper.id).unlink(missing_ok=True)
            raise
        if progress:
            progress("indexing", len(passages), len(passages))
        return IngestResult(record, already_there=False, paper=paper)

    def _embed(self, texts: list[str], progress: Progress | None) -> np.ndarray:
        """Embed each distinct text once, in batches so progress can be shown."""
        unique = list(dict.fromkeys(texts))
        if not unique:
            return np.zeros((0, self.embedder.dim), dtype=np.float32)
        rows: list[np.ndarray] = []
        step = 64
        for start in range(0, len(unique), step):
            if progress:
                progress("embedding", start, len(unique))
            rows.append(self.embedder.embed(unique[start : start + step]))
        table = dict(zip(unique, np.concatenate(rows), strict=True))
        if progress:
            progress("embedding", len(unique), len(unique))
        return np.stack([table[t] for t in texts])

    def papers(self) -> list[dict[str, Any]]:
        return self.store.papers()

    def paper(self, pid: str) -> dict[str, Any] | None:
        return self.store.paper(pid)

    def find(self, key: str) -> dict[str, Any] | None:
        """A paper by id, id prefix (≥ 6 characters) or file name."""
        for record in self.papers():
            if record["id"] == key or record.get("filename") == key:
                return record
            if len(key) >= 6 and record["id"].startswith(key):
                return record
        return None

    def delete(self, pid: str) -> None:
        self.store.delete_paper(pid)
        self.pdf_path(pid).unlink(missing_ok=True)
        shutil.rmtree(self.settings.cache_dir / "pages" / pid, ignore_errors=True)

    def pdf_path(self, pid: str) -> Path:
        return self.pdf_dir / f"{pid}.pdf"

    def pdf_bytes(self, pid: str) -> bytes:
        return self.pdf_path(pid).read_bytes()


def _centroid(vectors: list[np.ndarray]) -> list[float]:
    """Mean of the text passages' vectors: its dot product with a question is the question's
    mean cosine to the paper, the baseline that answerability is measured against."""
    return [round(float(x), 6) for x in np.mean(vectors, axis=0)] if vectors else []


def embedding_text(passage: Passage) -> str:
    """What the dense model reads: the passage under its section title, so that a passage
    that never names its topic ("We trained it for 50 epochs") still carries it."""
    if passage.section and passage.kind == "text":
        return f"{passage.section}\n{passage.text}"
    return passage.text
