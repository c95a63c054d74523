"""Evidence recall and context size for several passage and window sizes, in one run.

Usage: python bench/chunk_sizes.py [QUESTIONS.jsonl ...] [--sizes 300:500:1100,...]
Prints one JSON object: {size: report}. Embeddings of identical texts are computed once per
run (an in-memory cache), so the sizes are compared on equal terms.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from embedding_cache import CachedEmbedder

from paperlight import chunking, evaluation, windows
from paperlight.config import load_settings
from paperlight.embedding import load_embedder


def main() -> None:
    eval_dir = Path(os.environ.get("EVAL", "../shared/eval"))
    parser = argparse.ArgumentParser()
    parser.add_argument("questions", nargs="*", type=Path)
    parser.add_argument(
        "--sizes", default="300:500:1100,400:700:1100", help="passage target:max:window chars"
    )
    args = parser.parse_args()
    files = args.questions or [
        eval_dir / "questions.jsonl",
        eval_dir / "qasper/questions_flat.jsonl",
    ]
    settings = load_settings()
    embedder = CachedEmbedder(load_embedder(settings))
    results = {}
    for size in args.sizes.split(","):
        target, most, window = map(int, size.split(":"))
        chunking.TARGET_CHARS, chunking.MAX_CHARS = target, most
        windows.WINDOW_CHARS = window
        for path in files:
            report = evaluation.run(path, settings=settings, embedder=embedder)
            results[f"{size} {path.name}"] = report["sets"]
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
