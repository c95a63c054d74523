"""The baseline pipelines our issue quotes, and paperlight's own, side by side in one run.

Usage: python bench/baselines.py [QUESTIONS.jsonl ...] [--no-paperlight]   (EVAL=../shared/eval)
Prints one JSON object: per set and pipeline, evidence recall@k and mean context chars at k
(the definitions of paperlight.evaluation), answerability ROC-AUC of the top dense cosine
where a set has answerable labels, and paperlight / baseline ratios at k=5.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
from collections import Counter, defaultdict
from pathlib import Path
from statistics import mean

import numpy as np
from embedding_cache import CachedEmbedder
from llama_index.core.node_parser import SentenceSplitter

from paperlight import evaluation
from paperlight.config import load_settings
from paperlight.embedding import load_embedder
from paperlight.evaluation import KS, contains, load_questions, roc_auc
from paperlight.keywords import terms

# SentenceSplitter counts tokens with tiktoken; llama-index points TIKTOKEN_CACHE_DIR at the
# cache it vendors (llama_index/core/_static), so nothing is downloaded.
DEPTH = max(KS)
RRF_K = 60
K1, B = 1.2, 0.75
# pipeline: (text extractor, chunker, ranking)
PIPELINES = {
    "llamaindex_default": ("pdfplumber", "tokens_1024_200", "dense"),
    "paperqa2_style": ("pypdf", "chars_5000_250", "dense"),
    "pypdf_256_dense": ("pypdf", "tokens_256_20", "dense"),
    "pypdf_256_bm25": ("pypdf", "tokens_256_20", "bm25"),
    "pypdf_256_rrf": ("pypdf", "tokens_256_20", "rrf"),
}


def extract(kind: str, path: Path) -> str:
    if kind == "pdfplumber":
        import pdfplumber

        with pdfplumber.open(path) as pdf:
            return "\n".join(page.extract_text() or "" for page in pdf.pages)
    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # font warnings, one per page
    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


def paragraphs_text(record: dict) -> str:
    """QASPER's text-only paper: abstract, paragraphs and captions, joined by blank lines."""
    floats = record.get("figures_and_tables") or {}
    parts = [record.get("abstract", "")] + [p["text"] for p in record.get("paragraphs") or []]
    parts += floats.get("caption", []) if isinstance(floats, dict) else []
    return "\n\n".join(p for p in parts if p.strip())


def chunk(kind: str, text: str) -> list[str]:
    unit, size, overlap = kind.split("_")
    size, overlap = int(size), int(overlap)
    if unit == "chars":
        step = size - overlap
        return [text[i : i + size] for i in range(0, max(len(text) - overlap, 1), step)]
    return SentenceSplitter(chunk_size=size, chunk_overlap=overlap).split_text(text)


def bm25_scores(query: str, chunks: list[str]) -> np.ndarray:
    """Okapi BM25 (k1=1.2, b=0.75, Lucene's non-negative idf) over one paper's chunks."""
    docs = [Counter(terms(c)) for c in chunks]
    lengths = np.array([sum(d.values()) for d in docs], dtype=float)
    avgdl = lengths.mean() or 1.0
    df = Counter(t for d in docs for t in d)
    scores = np.zeros(len(chunks))
    for term in terms(query):
        if term not in df:
            continue
        idf = math.log((len(docs) - df[term] + 0.5) / (df[term] + 0.5) + 1)
        tf = np.array([d[term] for d in docs], dtype=float)
        scores += idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * lengths / avgdl))
    return scores


def rank(ranking: str, query: str, chunks: list[str], vectors: np.ndarray, embedder):
    """Top-DEPTH chunk indices, and the top dense cosine (dense ranking only)."""
    cosine = vectors @ embedder.embed_query(query) if ranking != "bm25" else None
    if ranking == "dense":
        return list(np.argsort(-cosine, kind="stable")[:DEPTH]), float(cosine.max())
    sparse = np.argsort(-bm25_scores(query, chunks), kind="stable")
    if ranking == "bm25":
        return list(sparse[:DEPTH]), None
    fused: dict[int, float] = defaultdict(float)
    for order in (np.argsort(-cosine, kind="stable"), sparse):
        for position, index in enumerate(order, 1):
            fused[int(index)] += 1 / (RRF_K + position)
    return sorted(fused, key=lambda i: -fused[i])[:DEPTH], None  # the dense score is above


def run_baseline(name, questions, base, text_papers, embedder, texts: dict) -> dict:
    extractor, chunker, ranking = PIPELINES[name]
    rows: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    chunked: dict[str, tuple[list[str], np.ndarray | None]] = {}
    for q in questions:
        key = q.get("pdf") or q["paper"]
        source = extractor if "pdf" in q else "paragraphs"
        if (source, key) not in texts:
            texts[source, key] = (
                extract(source, base / key) if "pdf" in q else paragraphs_text(text_papers[key])
            )
        if key not in chunked:
            chunks = chunk(chunker, texts[source, key]) or [""]
            chunked[key] = (chunks, embedder.embed(chunks) if ranking != "bm25" else None)
        chunks, vectors = chunked[key]
        top, best_cosine = rank(ranking, q["question"], chunks, vectors, embedder)
        found = [chunks[i] for i in top]
        row, gold = rows[q.get("set", "all")], q.get("gold_evidence") or []
        if gold and q.get("answerable", True):
            hit = next((i for i, t in enumerate(found, 1) if any(contains(t, g) for g in gold)), 0)
            for cut in KS:
                row[f"recall@{cut}"].append(0 < hit <= cut)
                row[f"context_chars@{cut}"].append(sum(map(len, found[:cut])))
        if "answerable" in q and best_cosine is not None:
            row["scores"].append(best_cosine)
            row["labels"].append(bool(q["answerable"]))
        row["chunks"].append(len(chunks))
    return {name: summarise(row) for name, row in rows.items()}


def summarise(row: dict[str, list]) -> dict:
    out: dict = {}
    for cut in KS:
        if row[f"recall@{cut}"]:
            out[f"recall@{cut}"] = round(mean(row[f"recall@{cut}"]), 4)
            out[f"context_chars@{cut}"] = round(mean(row[f"context_chars@{cut}"]))
    if len(set(row["labels"])) == 2:
        out["answerability_roc_auc"] = round(roc_auc(row["scores"], row["labels"]), 4)
    out["chunks_per_paper_mean_over_questions"] = round(mean(row["chunks"]), 1)
    return out


def paperlight_entry(report_set: dict) -> dict:
    out = {}
    for cut in KS:
        if f"evidence_recall@{cut}" in report_set:
            out[f"recall@{cut}"] = report_set[f"evidence_recall@{cut}"]
            out[f"context_chars@{cut}"] = report_set[f"context_chars@{cut}"]
    if "answerability_roc_auc" in report_set:
        out["answerability_roc_auc"] = report_set["answerability_roc_auc"]
    return out


def ratios(results: dict) -> dict:
    out: dict = {}
    for set_name, pipelines in results.items():
        ours = pipelines.get("paperlight", {})
        for name, entry in pipelines.items():
            if name == "paperlight" or "recall@5" not in ours or "recall@5" not in entry:
                continue
            pair = {}
            for key in ("recall@5", "context_chars@5"):
                pair[key] = round(ours[key] / entry[key], 2) if entry[key] else None
            out.setdefault(set_name, {})[name] = pair
    return out


def main() -> None:
    eval_dir = Path(os.environ.get("EVAL", "../shared/eval"))
    parser = argparse.ArgumentParser()
    parser.add_argument("questions", nargs="*", type=Path)
    parser.add_argument("--no-paperlight", action="store_true", help="baselines only")
    args = parser.parse_args()
    files = args.questions or [
        eval_dir / "questions.jsonl",
        eval_dir / "qasper/questions_flat.jsonl",
    ]
    settings = load_settings()
    embedder = CachedEmbedder(load_embedder(settings))
    results: dict[str, dict[str, dict]] = defaultdict(dict)
    for path in files:
        questions, text_papers = load_questions(path)
        texts: dict = {}
        for name in PIPELINES:
            for set_name, entry in run_baseline(
                name, questions, path.parent, text_papers, embedder, texts
            ).items():
                results[set_name][name] = entry
        if not args.no_paperlight:
            report = evaluation.run(path, k=5, settings=settings, embedder=embedder)
            for set_name, entry in report["sets"].items():
                results[set_name]["paperlight"] = paperlight_entry(entry)
    notes = [
        "one run; recall@k and context_chars@k as paperlight.evaluation defines them "
        "(questions with gold_evidence that are answerable; top-10 per question, own paper only)",
        "dense = cosine of the bundled MiniLM (all-MiniLM-L6-v2 int8), which truncates every "
        "chunk to 256 tokens: 1024-token and 5,000-char chunks are ranked by their first "
        "~256 tokens (the real tools default to OpenAI embeddings, which read whole chunks)",
        "QASPER has no PDFs: baselines use the abstract, paragraphs and captions joined by "
        "blank lines as the document text instead of PDF extraction",
        "answerability_roc_auc of baselines: the top-1 (= max top-5) dense cosine",
        "BM25: Okapi k1=1.2 b=0.75, Lucene idf, paperlight.keywords.terms tokens; RRF k=60",
        f"embedded distinct texts: {len(embedder.cache)}",
    ]
    print(json.dumps({**results, "ratios": ratios(results), "notes": notes}, indent=1))


if __name__ == "__main__":
    main()
