"""Question → ranked passages + an answerability score.

Hybrid search: dense cosine and BM25 keyword hits fused by reciprocal rank in Qdrant. The
answerability score says how well the best evidence matches the question (the abstention
gate compares it with PAPERLIGHT_ABSTAIN_THRESHOLD).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from paperlight import keywords
from paperlight.embedding import Embedder
from paperlight.models import ScoredPassage
from paperlight.store import Store

TEXT_KINDS = ("text", "caption", "table", "footnote")


@dataclass(frozen=True)
class Retrieval:
    question: str
    passages: list[ScoredPassage]
    answerability: float


def retrieve(
    question: str,
    store: Store,
    embedder: Embedder,
    paper_ids: Sequence[str],
    k: int = 5,
    include_references: bool = False,
    mode: str = "hybrid",
) -> Retrieval:
    dense = embedder.embed_query(question)
    sparse = keywords.query_vector(question)
    kinds = (*TEXT_KINDS, "reference") if include_references else TEXT_KINDS
    hits = store.hybrid_query(dense, sparse, paper_ids, kinds, limit=k, mode=mode)
    passages = [
        ScoredPassage(passage=passage, score=fused, rank=rank)
        for rank, (passage, fused, _) in enumerate(hits, start=1)
    ]
    answerability = max((cosine for _, _, cosine in hits), default=0.0)
    return Retrieval(question, passages, answerability)
