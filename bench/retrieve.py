"""Query latency on a library of at least 50 papers (the eval PDFs plus QASPER's papers).

Usage: python bench/retrieve.py [--home DIR]   (EVAL=../shared/eval)
With --home, the library built there is kept and reused by the next run.
Prints one JSON object: p50/p95 in ms, for questions filtered to their paper and over all.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from paperlight.config import load_settings
from paperlight.embedding import load_embedder
from paperlight.evaluation import load_questions
from paperlight.library import Library
from paperlight.plaintext import paper_from_paragraphs
from paperlight.retrieval import retrieve
from paperlight.store import Store


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def build(library: Library, eval_dir: Path) -> list[tuple[str, str]]:
    """Ingest every paper; return (question, paper id) pairs."""
    for pdf in sorted((eval_dir / "pdfs").glob("*.pdf")):
        library.ingest(pdf.read_bytes(), pdf.name)
    pairs = []
    questions, _ = load_questions(eval_dir / "questions.jsonl")
    by_name = {r["filename"]: r["id"] for r in library.papers()}
    pairs += [(q["question"], by_name[Path(q["pdf"]).name]) for q in questions]
    qasper, papers = load_questions(eval_dir / "qasper/questions_flat.jsonl")
    ids = {key: library.ingest_paper(paper_from_paragraphs(p)).record["id"]
           for key, p in papers.items()}  # fmt: skip
    pairs += [(q["question"], ids[q["paper"]]) for q in qasper]
    return pairs


def main() -> None:
    eval_dir = Path(os.environ.get("EVAL", "../shared/eval"))
    parser = argparse.ArgumentParser()
    parser.add_argument("--home", type=Path, default=None)
    args = parser.parse_args()
    home = args.home or Path(tempfile.mkdtemp(prefix="paperlight-bench-"))
    settings = load_settings(home=home)
    store = Store(settings)
    embedder = load_embedder(settings)
    pairs = build(Library(settings, store, embedder), eval_dir)
    papers = len(store.papers())
    embedder.embed_query("warm up")
    filtered, everything = [], []
    for question, paper in pairs:
        started = time.perf_counter()
        retrieve(question, store, embedder, [paper])
        filtered.append(1000 * (time.perf_counter() - started))
    for question, _ in pairs[:40]:
        started = time.perf_counter()
        retrieve(question, store, embedder, [])
        everything.append(1000 * (time.perf_counter() - started))
    store.close()
    print(json.dumps({
        "papers": papers,
        "queries": len(pairs),
        "filtered_to_paper_ms_p50": round(quantile(filtered, 0.5), 1),
        "filtered_to_paper_ms_p95": round(quantile(filtered, 0.95), 1),
        "whole_library_ms_p50": round(quantile(everything, 0.5), 1),
        "whole_library_ms_p95": round(quantile(everything, 0.95), 1),
        "home": str(home),
    }, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
