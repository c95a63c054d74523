"""Pages per second of paperlight's parser beside pdfplumber's plain extract_text(), same run.

Usage: python bench/parse.py [PDF_FOLDER] [--questions QUESTIONS.jsonl]
Prints one JSON object. Default folder: ../shared/eval/pdfs.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import pdfplumber

from paperlight.evaluation import parse_contiguity
from paperlight.pdf import parse


def pages_per_second(files: list[Path], read) -> tuple[float, int]:
    pages = 0
    started = time.perf_counter()
    for path in files:
        pages += read(path)
    return pages / (time.perf_counter() - started), pages


def paperlight_pages(path: Path) -> int:
    return len(parse(path.read_bytes(), path.name).pages)


def plumber_pages(path: Path) -> int:
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            page.extract_text()
            page.close()  # frees pdfminer's layout objects as it goes
        return len(pdf.pages)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("folder", nargs="?", default="../shared/eval/pdfs", type=Path)
    parser.add_argument("--questions", type=Path, default=None)
    args = parser.parse_args()
    files = sorted(args.folder.glob("*.pdf"))
    ours, pages = pages_per_second(files, paperlight_pages)
    plain, _ = pages_per_second(files, plumber_pages)
    questions = args.questions or args.folder.parent / "questions.jsonl"
    result = {
        "pdfs": len(files),
        "pages": pages,
        "paperlight_pages_per_second": round(ours, 1),
        "pdfplumber_extract_text_pages_per_second": round(plain, 1),
        "speedup": round(ours / plain, 2),
    }
    if questions.exists():
        result["parse_contiguity"] = parse_contiguity(questions)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
