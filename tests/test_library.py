"""Ingest into a real local Qdrant: idempotent, atomic, deletable; orphans cleaned."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from paperlight import library as library_module
from paperlight.chunking import chunk
from paperlight.config import Settings
from paperlight.embedding import MiniLMEmbedder
from paperlight.errors import PdfError
from paperlight.library import Library
from paperlight.pdf import parse
from paperlight.store import Store


@pytest.fixture(scope="module")
def embedder() -> MiniLMEmbedder:
    return MiniLMEmbedder()


@pytest.fixture
def library(settings: Settings, embedder: MiniLMEmbedder):
    store = Store(settings)
    yield Library(settings, store, embedder)
    store.close()


def test_ingest_indexes_passages_with_boxes(library: Library, acl_pdf: Path) -> None:
    stages: list[str] = []
    result = library.ingest(acl_pdf.read_bytes(), acl_pdf.name, lambda s, d, t: stages.append(s))
    record = result.record
    assert not result.already_there
    assert record["pages"] == 8 and record["title"].startswith("Construction of the Literature")
    assert record["passages"] == library.store.count_passages(record["id"]) > 20
    assert {"parsing", "embedding", "indexing"} <= set(stages)
    passages = library.store.passages_of(record["id"])
    assert all(p.spans and all(len(s.boxes[0]) == 4 for s in p.spans) for p in passages)
    assert library.pdf_path(record["id"]).read_bytes() == acl_pdf.read_bytes()


def test_same_bytes_are_not_parsed_twice(
    library: Library, acl_pdf: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = library.ingest(acl_pdf.read_bytes(), acl_pdf.name)

    def no_parse(*args, **kwargs):
        raise AssertionError("parsed again")

    monkeypatch.setattr(library_module, "parse", no_parse)
    again = library.ingest(acl_pdf.read_bytes(), "renamed.pdf")
    assert again.already_there and again.record["id"] == first.record["id"]
    assert len(library.papers()) == 1


class FailingEmbedder:
    """The real model, failing on its second batch: an ingest interrupted half-way."""

    def __init__(self, inner: MiniLMEmbedder) -> None:
        self.inner, self.model_id, self.dim, self.calls = inner, inner.model_id, inner.dim, 0

    def embed(self, texts):
        self.calls += 1
        if self.calls == 2:
            raise RuntimeError("embedding failed half-way")
        return self.inner.embed(texts)

    def embed_query(self, text):
        return self.inner.embed_query(text)


def test_failure_while_embedding_leaves_nothing(
    settings: Settings, embedder: MiniLMEmbedder, acl_pdf: Path
) -> None:
    store = Store(settings)
    try:
        library = Library(settings, store, FailingEmbedder(embedder))
        with pytest.raises(RuntimeError, match="half-way"):
            library.ingest(acl_pdf.read_bytes(), acl_pdf.name)
        pid = library_module.paper_id(acl_pdf.read_bytes())
        assert store.paper(pid) is None and store.count_passages(pid) == 0
        assert library.papers() == []
    finally:
        store.close()


def test_failure_after_passages_were_written_removes_them(
    library: Library, acl_pdf: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_add_paper(record):
        raise RuntimeError("disk full")

    monkeypatch.setattr(library.store, "add_paper", broken_add_paper)
    with pytest.raises(RuntimeError, match="disk full"):
        library.ingest(acl_pdf.read_bytes(), acl_pdf.name)
    monkeypatch.undo()
    pid = library_module.paper_id(acl_pdf.read_bytes())
    assert library.store.paper(pid) is None and library.store.count_passages(pid) == 0
    assert not library.pdf_path(pid).exists()


def test_orphaned_passages_are_removed_on_open(
    settings: Settings, embedder: MiniLMEmbedder, acl_pdf: Path
) -> None:
    store = Store(settings)
    try:
        Library(settings, store, embedder)  # creates the collections
        # passages without a paper record: what a process killed before the last step leaves
        paper = parse(acl_pdf.read_bytes())
        pid = paper.id
        some = chunk(paper)[:5]
        vectors = np.stack([embedder.embed_query(p.text) for p in some])
        store.add_passages(some, vectors, [([1], [1.0])] * len(some))
        assert store.count_passages(pid) == 5
        Library(settings, store, embedder)
        assert store.count_passages(pid) == 0
    finally:
        store.close()


def test_delete_removes_passages_and_pdf(library: Library, acl_pdf: Path) -> None:
    pid = library.ingest(acl_pdf.read_bytes(), acl_pdf.name).record["id"]
    library.delete(pid)
    assert library.paper(pid) is None and library.store.count_passages(pid) == 0
    assert not library.pdf_path(pid).exists()
    assert library.papers() == []


def test_upload_size_limit(settings: Settings, embedder: MiniLMEmbedder, acl_pdf: Path) -> None:
    small = settings.model_copy(update={"max_upload_mb": 0})
    store = Store(small)
    try:
        with pytest.raises(PdfError, match="over the 0 MB limit.*PAPERLIGHT_MAX_UPLOAD_MB"):
            Library(small, store, embedder).ingest(acl_pdf.read_bytes(), acl_pdf.name)
    finally:
        store.close()
