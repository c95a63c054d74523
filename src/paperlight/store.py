"""The one Qdrant client: collections, upsert, hybrid query, delete. Nothing else talks to Qdrant.

Local mode (a folder) by default; a Qdrant server or cluster by URL with the same code.
Collections: ``papers`` (metadata, no vectors; a paper's record is written last, so a paper
without one is an interrupted ingest and is cleaned away), passages (dense + BM25 sparse
vectors: one ``passages`` collection on a server, one ``passages-<paper>`` per paper locally;
see below) and ``sessions`` (turns; see sessions.py). The schema version and the embedding model
that built the library are kept in a ``meta`` point of ``papers``.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from typing import Any

import numpy as np
from qdrant_client import QdrantClient
from qdrant_client import models as qm
from qdrant_client.http.exceptions import ResponseHandlingException, UnexpectedResponse

from paperlight.config import Settings
from paperlight.errors import StoreError
from paperlight.models import Passage, Span

SCHEMA_VERSION = 1
PAPERS = "papers"
PASSAGES = "passages"
LOCAL_PREFIX = "passages-"
SESSIONS = "sessions"
META_ID = str(uuid.uuid5(uuid.NAMESPACE_URL, "paperlight:meta"))
DENSE = "dense"
SPARSE = "bm25"


class Store:
    """Thread-safe wrapper of one QdrantClient (local mode allows one client per folder)."""

    def __init__(self, settings: Settings) -> None:
        self.location = settings.qdrant_url or str(settings.qdrant_dir)
        self.is_server = bool(settings.qdrant_url)
        self.dim = 0  # set by ensure_schema
        self._lock = threading.RLock()
        try:
            if settings.qdrant_url:
                key = settings.qdrant_api_key.get_secret_value() or None
                self.client = QdrantClient(
                    url=settings.qdrant_url, api_key=key, timeout=30, check_compatibility=False
                )
                self.client.get_collections()
            else:
                settings.qdrant_dir.mkdir(parents=True, exist_ok=True)
                self.client = QdrantClient(path=str(settings.qdrant_dir))
        except RuntimeError as error:
            if "already accessed" in str(error):
                raise StoreError(
                    f"The library folder {settings.qdrant_dir} is in use by another paperlight "
                    "process (the app or a CLI command): close it and try again, or set "
                    "PAPERLIGHT_QDRANT_URL to a Qdrant server to share one library."
                ) from error
            raise StoreError(f"Cannot open the library at {self.location}: {error}") from error
        except (ResponseHandlingException, UnexpectedResponse, OSError) as error:
            raise StoreError(
                f"Cannot reach the Qdrant server at {settings.qdrant_url}: is it running, and is "
                "PAPERLIGHT_QDRANT_API_KEY right?"
            ) from error

    def close(self) -> None:
        with self._lock:
            self.client.close()

    @contextmanager
    def _call(self) -> Iterator[QdrantClient]:
        with self._lock:
            try:
                yield self.client
            except (ResponseHandlingException, UnexpectedResponse) as error:
                raise StoreError(f"Qdrant at {self.location} failed: {error}") from error

    # --- schema -------------------------------------------------------------------------

    def ensure_schema(self, model_id: str, dim: int) -> None:
        """Create the collections on first use; refuse a library built with another model."""
        with self._call() as client:
            if not client.collection_exists(PAPERS):
                client.create_collection(PAPERS, vectors_config={})
            meta = client.retrieve(PAPERS, [META_ID], with_payload=True)
            if meta:
                stored = meta[0].payload or {}
                if stored.get("embedding_model") != model_id or stored.get("dim") != dim:
                    raise StoreError(
                        f"This library was indexed with the embedding model "
                        f"'{stored.get('embedding_model')}', not '{model_id}': switch the "
                        "embedding settings back, or re-index: set PAPERLIGHT_HOME to a new "
                        "folder and ingest the papers again."
                    )
            else:
                payload = {"kind": "meta", "schema_version": SCHEMA_VERSION,
                           "embedding_model": model_id, "dim": dim}  # fmt: skip
                client.upsert(PAPERS, [qm.PointStruct(id=META_ID, vector={}, payload=payload)])
            self.dim = dim
            if self.is_server and not client.collection_exists(PASSAGES):
                self._create_passages(client, PASSAGES)
                schema = qm.KeywordIndexParams(type=qm.KeywordIndexType.KEYWORD, is_tenant=True)
                client.create_payload_index(PASSAGES, "paper_id", schema)
                client.create_payload_index(PASSAGES, "kind", qm.PayloadSchemaType.KEYWORD)
            if not client.collection_exists(SESSIONS):
                client.create_collection(
                    SESSIONS,
                    vectors_config=qm.VectorParams(size=dim, distance=qm.Distance.COSINE),
                )

    def _create_passages(self, client: QdrantClient, name: str) -> None:
        client.create_collection(
            name,
            vectors_config={DENSE: qm.VectorParams(size=self.dim, distance=qm.Distance.COSINE)},
            sparse_vectors_config={SPARSE: qm.SparseVectorParams(modifier=qm.Modifier.IDF)},
        )

    def meta(self) -> dict[str, Any]:
        with self._call() as client:
            if not client.collection_exists(PAPERS):
                return {}
            found = client.retrieve(PAPERS, [META_ID], with_payload=True)
            return dict(found[0].payload or {}) if found else {}

    # --- papers -------------------------------------------------------------------------

    def paper(self, paper_id: str) -> dict[str, Any] | None:
        with self._call() as client:
            found = client.retrieve(PAPERS, [_paper_point(paper_id)], with_payload=True)
            return dict(found[0].payload or {}) if found else None

    def papers(self) -> list[dict[str, Any]]:
        with self._call() as client:
            records, _ = client.scroll(
                PAPERS,
                scroll_filter=qm.Filter(must=[_match("kind", "paper")]),
                limit=100_000,
                with_payload=True,
            )
        return sorted((dict(r.payload or {}) for r in records), key=lambda p: p.get("added", ""))

    def add_paper(self, record: dict[str, Any]) -> None:
        """Write the paper's record: the last step of an ingest, which makes it visible."""
        payload = {**record, "kind": "paper"}
        with self._call() as client:
            point = qm.PointStruct(id=_paper_point(record["id"]), vector={}, payload=payload)
            client.upsert(PAPERS, [point])

    def delete_paper(self, paper_id: str) -> None:
        with self._call() as client:
            client.delete(PAPERS, [_paper_point(paper_id)])
            self._delete_passages(client, paper_id)

    def _delete_passages(self, client: QdrantClient, paper_id: str) -> None:
        if self.is_server:
            client.delete(PASSAGES, qm.Filter(must=[_match("paper_id", paper_id)]))
        elif client.collection_exists(_local_collection(paper_id)):
            client.delete_collection(_local_collection(paper_id))

    def remove_orphans(self) -> int:
        """Delete passages of ingests that never finished (no paper record)."""
        known = {p["id"] for p in self.papers()}
        with self._call() as client:
            if self.is_server:
                records, _ = client.scroll(PASSAGES, limit=1_000_000, with_payload=["paper_id"])
                orphans = {r.payload["paper_id"] for r in records if r.payload} - known
                for paper_id in orphans:
                    self._delete_passages(client, paper_id)
                return len(orphans)
            kept = {_local_collection(pid) for pid in known}
            names = [c.name for c in client.get_collections().collections]
            orphaned = [n for n in names if n.startswith(LOCAL_PREFIX) and n not in kept]
            for name in orphaned:
                client.delete_collection(name)
            return len(orphaned)

    # --- passages -----------------------------------------------------------------------
    # A server keeps all passages in one collection, partitioned by a tenant index on
    # paper_id. Local mode keeps one collection per paper: qdrant-client's local engine
    # filters payloads and scores sparse vectors in Python, point by point, so a query
    # filtered to one paper costs in proportion to that paper, not to the whole library.

    def _targets(self, client: QdrantClient, paper_ids: Sequence[str]) -> list[tuple[str, list]]:
        """(collection, extra filter conditions) to query for these papers (all when empty)."""
        if self.is_server:
            conditions = [qm.FieldCondition(key="paper_id", match=qm.MatchAny(any=list(paper_ids)))]
            return [(PASSAGES, conditions if paper_ids else [])]
        if paper_ids:
            names = [_local_collection(pid) for pid in paper_ids]
        else:
            names = [c.name for c in client.get_collections().collections]
        return [
            (n, []) for n in names if n.startswith(LOCAL_PREFIX) and client.collection_exists(n)
        ]

    def add_passages(
        self,
        passages: Sequence[Passage],
        dense: Sequence[np.ndarray | None],
        sparse: Sequence[tuple[list[int], list[float]]],
        batch: int = 256,
    ) -> None:
        """Write the passages of one paper; a passage without a dense vector (a reference
        entry) is found by keywords only."""
        if not passages:
            return
        paper_ids = {p.paper_id for p in passages}
        if len(paper_ids) != 1:
            raise ValueError("add_passages takes the passages of one paper")
        points = []
        for passage, vector, (indices, values) in zip(passages, dense, sparse, strict=True):
            vectors: dict[str, Any] = {SPARSE: qm.SparseVector(indices=indices, values=values)}
            if vector is not None:
                vectors[DENSE] = vector.tolist()
            points.append(
                qm.PointStruct(id=passage.id, vector=vectors, payload=passage_payload(passage))
            )
        with self._call() as client:
            name = PASSAGES if self.is_server else _local_collection(paper_ids.pop())
            if not client.collection_exists(name):
                self._create_passages(client, name)
            for start in range(0, len(points), batch):
                client.upsert(name, points[start : start + batch], wait=True)

    def count_passages(self, paper_id: str) -> int:
        with self._call() as client:
            return sum(
                client.count(name, count_filter=qm.Filter(must=conditions), exact=True).count
                for name, conditions in self._targets(client, [paper_id])
            )

    def passages_at(self, paper_id: str, orders: Sequence[int]) -> dict[int, Passage]:
        """A paper's passages by position (ids follow from paper id and order)."""
        from paperlight.chunking import passage_id

        ids = [passage_id(paper_id, order) for order in orders if order >= 0]
        name = PASSAGES if self.is_server else _local_collection(paper_id)
        with self._call() as client:
            if not ids or not client.collection_exists(name):
                return {}
            records = client.retrieve(name, ids, with_payload=True)
        passages = (payload_passage(r.payload or {}) for r in records)
        return {p.order: p for p in passages}

    def passages_of(self, paper_id: str) -> list[Passage]:
        found: list[Passage] = []
        with self._call() as client:
            for name, conditions in self._targets(client, [paper_id]):
                records, _ = client.scroll(
                    name, scroll_filter=qm.Filter(must=conditions), limit=1_000_000,
                    with_payload=True,
                )  # fmt: skip
                found.extend(payload_passage(r.payload or {}) for r in records)
        return sorted(found, key=lambda p: p.order)

    def hybrid_query(
        self,
        dense: np.ndarray,
        sparse: tuple[list[int], list[float]],
        paper_ids: Sequence[str],
        kinds: Sequence[str],
        limit: int,
        candidates: int = 50,
        mode: str = "hybrid",
    ) -> list[tuple[Passage, float, float]]:
        """Passages by reciprocal-rank fusion of dense and BM25 hits: (passage, fused, cosine).

        ``mode`` "dense" or "sparse" uses one of the two alone (for comparisons)."""
        results: list[tuple[Passage, float, float]] = []
        with self._call() as client:
            for name, conditions in self._targets(client, paper_ids):
                kind = qm.FieldCondition(key="kind", match=qm.MatchAny(any=list(kinds)))
                flt = qm.Filter(must=[kind, *conditions])
                prefetch = _prefetch(dense, sparse, flt, candidates, mode)
                points = client.query_points(
                    name,
                    prefetch=prefetch,
                    query=qm.FusionQuery(fusion=qm.Fusion.RRF),
                    limit=limit,
                    with_payload=True,
                    with_vectors=[DENSE],
                ).points
                for point in points:
                    stored = (point.vector or {}).get(DENSE)  # type: ignore[union-attr]
                    cosine = float(np.asarray(stored, dtype=np.float32) @ dense) if stored else 0.0
                    results.append((payload_passage(point.payload or {}), point.score, cosine))
        results.sort(key=lambda hit: (-hit[1], -hit[2]))
        return results[:limit]

    # --- sessions (points of the sessions collection; sessions.py shapes them) -----------

    def upsert_turn(self, point_id: str, vector: np.ndarray, payload: dict[str, Any]) -> None:
        with self._call() as client:
            point = qm.PointStruct(id=point_id, vector=vector.tolist(), payload=payload)
            client.upsert(SESSIONS, [point], wait=True)

    def turns(self, session_id: str | None = None) -> list[dict[str, Any]]:
        flt = qm.Filter(must=[_match("session_id", session_id)]) if session_id else None
        with self._call() as client:
            records, _ = client.scroll(
                SESSIONS, scroll_filter=flt, limit=1_000_000, with_payload=True
            )
        return [dict(r.payload or {}) for r in records]

    def search_turns(self, vector: np.ndarray, limit: int) -> list[tuple[dict[str, Any], float]]:
        with self._call() as client:
            hits = client.query_points(
                SESSIONS, query=vector.tolist(), limit=limit, with_payload=True
            ).points
        return [(dict(h.payload or {}), h.score) for h in hits]

    def delete_session(self, session_id: str) -> None:
        with self._call() as client:
            client.delete(SESSIONS, qm.Filter(must=[_match("session_id", session_id)]))


def _prefetch(
    dense: np.ndarray,
    sparse: tuple[list[int], list[float]],
    flt: qm.Filter,
    candidates: int,
    mode: str,
) -> list[qm.Prefetch]:
    prefetch = []
    if mode in ("hybrid", "dense"):
        prefetch.append(
            qm.Prefetch(query=dense.tolist(), using=DENSE, limit=candidates, filter=flt)
        )
    indices, values = sparse
    if indices and mode in ("hybrid", "sparse"):
        vector = qm.SparseVector(indices=indices, values=values)
        prefetch.append(qm.Prefetch(query=vector, using=SPARSE, limit=candidates, filter=flt))
    return prefetch


def _local_collection(paper_id: str) -> str:
    return LOCAL_PREFIX + paper_id[:32]


def _match(key: str, value: str) -> qm.FieldCondition:
    return qm.FieldCondition(key=key, match=qm.MatchValue(value=value))


def _paper_point(paper_id: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"paperlight:paper:{paper_id}"))


def passage_payload(passage: Passage) -> dict[str, Any]:
    """Spans are stored compactly: [start, end, page, x0, top, x1, bottom] per word."""
    payload = asdict(passage)
    payload["spans"] = [
        [s.start, s.end, s.page, *[round(v, 2) for v in s.boxes[0]]] for s in passage.spans
    ]
    return payload


def payload_passage(payload: dict[str, Any]) -> Passage:
    spans = tuple(
        Span(int(s[0]), int(s[1]), int(s[2]), ((s[3], s[4], s[5], s[6]),))
        for s in payload.get("spans", [])
    )
    return Passage(
        id=payload["id"],
        paper_id=payload["paper_id"],
        section=payload.get("section", ""),
        kind=payload.get("kind", "text"),
        text=payload["text"],
        spans=spans,
        order=int(payload.get("order", 0)),
    )
