"""Hybrid retrieval on a real library: the right passages, paper filters, answerability."""

from __future__ import annotations

from pathlib import Path

import pytest

from paperlight.config import load_settings
from paperlight.embedding import MiniLMEmbedder
from paperlight.library import Library
from paperlight.retrieval import retrieve
from paperlight.store import Store


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory, acl_pdf: Path, bdj_pdf: Path):
    settings = load_settings(home=tmp_path_factory.mktemp("home"))
    store = Store(settings)
    embedder = MiniLMEmbedder()
    library = Library(settings, store, embedder)
    acl = library.ingest(acl_pdf.read_bytes(), acl_pdf.name).record["id"]
    bdj = library.ingest(bdj_pdf.read_bytes(), bdj_pdf.name).record["id"]
    yield store, embedder, acl, bdj
    store.close()


def rank_of(found, needle: str) -> int | None:
    for scored in found.passages:
        if needle in scored.passage.text:
            return scored.rank
    return None


def test_finds_the_passage_that_answers(indexed) -> None:
    store, embedder, acl, _ = indexed
    question = "Which library converts each PDF page into a sequence of tokens?"
    found = retrieve(question, store, embedder, [acl])
    assert rank_of(found, "feed each page to Apache’s PDFBox library") is not None
    assert all(sp.passage.paper_id == acl for sp in found.passages)
    assert [sp.rank for sp in found.passages] == list(range(1, len(found.passages) + 1))


def test_filters_to_the_selected_paper(indexed) -> None:
    store, embedder, acl, bdj = indexed
    question = "Which GPU was used to train the model?"
    only_bdj = retrieve(question, store, embedder, [bdj], k=10)
    assert {sp.passage.paper_id for sp in only_bdj.passages} == {bdj}
    assert rank_of(only_bdj, "TITAN Xp") is not None
    both = retrieve(question, store, embedder, [acl, bdj], k=20)
    assert {sp.passage.paper_id for sp in both.passages} == {acl, bdj}


def test_hybrid_beats_dense_on_a_keyword_question(indexed) -> None:
    store, embedder, acl, _ = indexed
    question = "What does NELL stand for?"
    needle = "Never-Ending Language Learner"
    dense = retrieve(question, store, embedder, [acl], k=5, mode="dense")
    hybrid = retrieve(question, store, embedder, [acl], k=5)
    hybrid_rank, dense_rank = rank_of(hybrid, needle), rank_of(dense, needle)
    assert hybrid_rank is not None
    assert dense_rank is None or hybrid_rank < dense_rank


def test_references_only_on_request(indexed) -> None:
    store, embedder, acl, _ = indexed
    question = "Hochreiter and Schmidhuber Long short-term memory Neural computation"
    default = retrieve(question, store, embedder, [acl], k=10)
    assert all(sp.passage.kind != "reference" for sp in default.passages)
    with_refs = retrieve(question, store, embedder, [acl], k=10, include_references=True)
    assert any(sp.passage.kind == "reference" for sp in with_refs.passages)


def test_answerability_separates_answerable_from_unrelated(indexed) -> None:
    store, embedder, acl, _ = indexed
    answerable = retrieve("How are entity mentions linked to entities?", store, embedder, [acl])
    unrelated = retrieve("What is the boiling point of water on Mars?", store, embedder, [acl])
    assert answerable.answerability > unrelated.answerability + 0.15
