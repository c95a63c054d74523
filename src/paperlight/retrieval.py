"""Question → ranked passages + an answerability score.

Hybrid search: dense cosine and BM25 keyword hits fused by reciprocal rank in Qdrant.

The answerability score says how much better the best evidence matches the question than the
paper does on average: the best cosine of a sentence of the top hits minus the question's mean
cosine to all the paper's passages (its centroid). A sentence, not a passage, because the
detail a question asks for ("trained on two V100 GPUs") is one sentence of a passage.
Centring removes what raw cosines mostly measure, how close the question's wording is to the
paper's topic, and leaves whether some evidence stands out. The abstention gate compares it
with PAPERLIGHT_ABSTAIN_THRESHOLD.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from paperlight import keywords, windows
from paperlight.embedding import Embedder
from paperlight.models import ScoredPassage
from paperlight.sentences import sentence_spans
from paperlight.store import Store

TEXT_KINDS = ("text", "caption", "table", "footnote")
UNRELATED_COSINE = 0.15  # MiniLM's cosine between unrelated texts is about 0 to 0.15: a question
# far from the paper's topic must not score high because the paper's mean is far lower still
EVIDENCE_DEPTH = 5  # answerability reads the sentences of this many hits, whatever k is shown


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
    window_chars: int = 0,
) -> Retrieval:
    """The ``k`` best passages, each shown in a window of its section's neighbours."""
    dense = embedder.embed_query(question)
    sparse = keywords.query_vector(question)
    kinds = (*TEXT_KINDS, "reference") if include_references else TEXT_KINDS
    hits = store.hybrid_query(
        dense, sparse, paper_ids, kinds, limit=max(3 * k, EVIDENCE_DEPTH), mode=mode
    )
    window_chars = window_chars or windows.WINDOW_CHARS
    shown = windows.windows(
        [(p, fused) for p, fused, _ in hits], store.passages_at, k, window_chars
    )
    passages = [
        ScoredPassage(passage=passage, score=fused, rank=rank)
        for rank, (passage, fused) in enumerate(shown, start=1)
    ]
    sentences = [
        hit.text[start:end]
        for hit, _, _ in hits[:EVIDENCE_DEPTH]
        for start, end in sentence_spans(hit.text)
    ]
    best = float(np.max(embedder.embed(sentences) @ dense)) if sentences else 0.0
    baseline = _mean_cosine(store, dense, paper_ids or [p.paper_id for p, _, _ in hits])
    return Retrieval(question, passages, best - baseline if sentences else 0.0)


def _mean_cosine(store: Store, question: np.ndarray, paper_ids: Sequence[str]) -> float:
    centroids = [
        record["centroid"]
        for record in (store.paper(pid) for pid in dict.fromkeys(paper_ids))
        if record and record.get("centroid")
    ]
    mean = float(np.mean(np.asarray(centroids, dtype=np.float32) @ question)) if centroids else 0.0
    return max(mean, UNRELATED_COSINE)
