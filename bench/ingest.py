"""Ingest speed: parse + chunk + embed + upsert, per page and per paper.

Usage: python bench/ingest.py [PDF_FOLDER]   (default: $EVAL/pdfs, EVAL=../shared/eval)
Prints one JSON object with medians and the share of time in each stage.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from statistics import median

from paperlight import keywords
from paperlight.chunking import chunk
from paperlight.config import load_settings
from paperlight.embedding import load_embedder
from paperlight.library import Library
from paperlight.pdf import parse
from paperlight.store import Store


def main() -> None:
    default = Path(os.environ.get("EVAL", "../shared/eval")) / "pdfs"
    parser = argparse.ArgumentParser()
    parser.add_argument("folder", nargs="?", type=Path, default=default)
    args = parser.parse_args()
    files = sorted(args.folder.glob("*.pdf"))
    stages = {"parse": 0.0, "chunk": 0.0, "embed": 0.0, "upsert": 0.0}
    per_page, per_paper, pages_total = [], [], 0
    with tempfile.TemporaryDirectory() as home:
        settings = load_settings(home=Path(home))
        store = Store(settings)
        library = Library(settings, store, load_embedder(settings))
        library.embedder.embed(["warm up"])
        for path in files:
            data = path.read_bytes()
            started = time.perf_counter()
            paper = parse(data, path.name)
            parsed = time.perf_counter()
            passages = chunk(paper)
            chunked = time.perf_counter()
            vectors = library._embed([p.text for p in passages], None)
            embedded = time.perf_counter()
            sparse = [keywords.document_vector(p.text) for p in passages]
            store.add_passages(passages, vectors, sparse)
            done = time.perf_counter()
            stages["parse"] += parsed - started
            stages["chunk"] += chunked - parsed
            stages["embed"] += embedded - chunked
            stages["upsert"] += done - embedded
            per_paper.append(done - started)
            per_page.append((done - started) / len(paper.pages))
            pages_total += len(paper.pages)
        store.close()
    total = sum(stages.values())
    print(json.dumps({
        "papers": len(files),
        "pages": pages_total,
        "seconds_per_page_median": round(median(per_page), 3),
        "seconds_per_paper_median": round(median(per_paper), 2),
        "pages_per_second_overall": round(pages_total / total, 2),
        "stage_share": {k: round(v / total, 3) for k, v in stages.items()},
    }, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
