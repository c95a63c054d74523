"""The eval harness on a question file of the eval format, built from a fixture paper."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from paperlight import evaluation

QUESTIONS = [
    {
        "id": "q1", "set": "demo", "pdf": "pdfs/acl.pdf", "answerable": True,
        "question": "Which library converts each PDF page into a sequence of tokens?",
        "gold_evidence": ["feed each page to Apache’s PDFBox library to convert it into a "
                          "sequence of tokens"],
    },
    {
        "id": "q2", "set": "demo", "pdf": "pdfs/acl.pdf", "answerable": True,
        "question": "How many nodes does the literature graph consist of?",
        "gold_evidence": ["The resulting literature graph consists of more than 280M nodes"],
    },
    {
        "id": "q3", "set": "demo", "pdf": "pdfs/acl.pdf", "answerable": False,
        "question": "What was the dose of the antiviral drug given to the mice?",
    },
    {
        "id": "q4", "set": "demo", "pdf": "pdfs/acl.pdf", "answerable": False,
        "question": "Which telescope recorded the spectra of the galaxy?",
    },
]  # fmt: skip


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory, acl_pdf: Path) -> dict:
    folder = tmp_path_factory.mktemp("eval")
    (folder / "pdfs").mkdir()
    shutil.copy(acl_pdf, folder / "pdfs" / "acl.pdf")
    questions = folder / "questions.jsonl"
    questions.write_text("".join(json.dumps(q) + "\n" for q in QUESTIONS))
    return evaluation.run(questions, k=5)


def test_measures_are_reported(report: dict) -> None:
    demo = report["sets"]["demo"]
    assert report["parse_contiguity"] == 1.0
    assert demo["evidence_recall@10"] == 1.0
    assert demo["evidence_recall@1"] <= demo["evidence_recall@5"] <= demo["evidence_recall@10"]
    assert 0 < demo["context_chars@5"] <= 5 * 1500
    assert demo["answerability_roc_auc"] == 1.0  # both answerable ones score above both others
    assert {"abstention_accuracy", "abstention_precision", "abstention_recall"} <= set(demo)
    assert report["highlight_fidelity"] >= 0.99 and report["highlighted_spans"] > 0
    assert report["retrieval_latency_ms_p95"] >= report["retrieval_latency_ms_p50"] > 0
    assert report["ingest_seconds_per_page_median"] > 0


def test_roc_auc_and_threshold() -> None:
    assert evaluation.roc_auc([0.9, 0.8, 0.1], [True, True, False]) == 1.0
    assert evaluation.roc_auc([0.1, 0.8, 0.9], [True, True, False]) == 0.0
    assert evaluation.roc_auc([0.5, 0.5], [True, False]) == 0.5
    threshold = evaluation.best_threshold([0.9, 0.7, 0.3, 0.2], [True, True, False, False])
    assert 0.3 < threshold < 0.7


def test_contains_is_fuzzy_about_case_space_and_hyphens() -> None:
    passage = "We feed each page to Apache’s PDFBox li- brary to convert it into tokens."
    assert evaluation.contains(passage, "feed each page to apache’s pdfbox library")
    assert not evaluation.contains(passage, "The resulting literature graph has 280M nodes")


def test_cli_eval_reports_a_missing_file(tmp_path: Path) -> None:
    missing = subprocess.run(
        [sys.executable, "-m", "paperlight.cli", "eval", str(tmp_path / "nope.jsonl"), "--json"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert missing.returncode != 0 and "no such file" in missing.stderr
