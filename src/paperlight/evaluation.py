"""The eval harness behind ``paperlight eval``: measures of ../shared/eval/README.md on any
question file of that format (or QASPER's flat format), in a temporary library."""

from __future__ import annotations

import json
import re
import tempfile
import time
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from statistics import mean, median
from typing import Any

from rapidfuzz import fuzz

from paperlight import answering
from paperlight.config import Settings, load_settings
from paperlight.embedding import Embedder, load_embedder
from paperlight.evidence import highlight_fidelity
from paperlight.library import Library
from paperlight.models import EvidenceSpan
from paperlight.pdf import parse
from paperlight.plaintext import paper_from_paragraphs
from paperlight.retrieval import retrieve
from paperlight.store import Store

KS = (1, 3, 5, 10)
CONTIGUOUS = 90  # fuzzy score (0-100) for a gold passage found whole in the parsed text
CONTAINS = 80  # fuzzy score for a retrieved passage holding the gold passage

Log = Callable[[str], None]


def normalise(text: str) -> str:
    """Case, white space and hyphenation folded, as the eval README defines."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"[-\u2010\u2011\u00ad]\s+", "", text)
    return re.sub(r"\s+", " ", text).strip()


def contains(passage: str, gold: str) -> bool:
    """The passage holds the gold text, or (gold longer than a passage) lies inside it."""
    return fuzz.partial_ratio(normalise(gold), normalise(passage)) >= CONTAINS


def load_questions(path: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Questions in the eval format, plus QASPER papers when the file is QASPER's."""
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    if rows and "annotations" in rows[0]:
        return _qasper(rows, path.parent / "papers_paragraphs.jsonl")
    return rows, {}


def _qasper(rows: list[dict[str, Any]], papers_file: Path) -> tuple[list, dict]:
    papers = {p["paper_id"]: p for p in map(json.loads, papers_file.read_text().splitlines())}
    questions = []
    for row in rows:
        evidence = [e for a in row["annotations"] if not a["unanswerable"] for e in a["evidence"]]
        answerable = any(not a["unanswerable"] for a in row["annotations"])
        questions.append(
            {
                "id": row["question_id"],
                "set": "qasper",
                "paper": row["paper_id"],
                "question": row["question"],
                "answerable": answerable,
                "gold_evidence": [e for e in dict.fromkeys(evidence) if e.strip()],
            }
        )
    return questions, papers


def run(
    questions_path: Path,
    k: int = 5,
    settings: Settings | None = None,
    embedder: Embedder | None = None,
    log: Log | None = None,
) -> dict[str, Any]:
    questions, text_papers = load_questions(questions_path)
    base = questions_path.parent
    with tempfile.TemporaryDirectory(prefix="paperlight-eval-") as home:
        settings = settings or load_settings()
        settings = settings.model_copy(update={"home": Path(home), "qdrant_path": None})
        embedder = embedder or load_embedder(settings)
        store = Store(settings)
        try:
            library = Library(settings, store, embedder)
            ids, contiguity, ingest = _ingest_all(questions, text_papers, base, library, log)
            pdfs = {q["pdf"]: base / q["pdf"] for q in questions if "pdf" in q}
            report = _measure(questions, ids, store, embedder, k, settings, pdfs, log)
        finally:
            store.close()
    if contiguity:  # PDFs with gold evidence (not QASPER's plain-text papers)
        report["parse_contiguity"] = _ratio(contiguity)
    if ingest["per_page"]:
        report["ingest_seconds_per_page_median"] = _round(median(ingest["per_page"]))
    report["ingest_seconds_per_paper_median"] = _round(median(ingest["per_paper"]))
    report["papers"] = len(ids)
    report["questions"] = len(questions)
    return report


def _ingest_all(questions, text_papers, base, library, log):
    ids: dict[str, str] = {}
    contiguity: list[bool] = []
    timings: dict[str, list[float]] = {"per_page": [], "per_paper": []}
    for q in questions:
        key = q.get("pdf") or q.get("paper")
        if key in ids:
            continue
        started = time.perf_counter()
        if "pdf" in q:
            data = (base / q["pdf"]).read_bytes()
            result = library.ingest(data, Path(q["pdf"]).name)
            paper_text = result.paper.text if result.paper else ""
            pages = result.record["pages"]
        else:
            paper = paper_from_paragraphs(text_papers[key])
            result = library.ingest_paper(paper)
            paper_text, pages = paper.text, 0
        elapsed = time.perf_counter() - started
        ids[key] = result.record["id"]
        timings["per_paper"].append(elapsed)
        if pages:
            timings["per_page"].append(elapsed / pages)
        if log:
            log(f"ingested {key} in {elapsed:.1f}s")
        norm_text = normalise(paper_text)
        for other in questions:
            if (other.get("pdf") or other.get("paper")) == key and "pdf" in other:
                for gold in other.get("gold_evidence") or []:
                    contiguity.append(fuzz.partial_ratio(normalise(gold), norm_text) >= CONTIGUOUS)
    return ids, contiguity, timings


def _measure(questions, ids, store, embedder, k, settings, pdfs, log) -> dict[str, Any]:
    by_set: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    latencies: list[float] = []
    highlighted: dict[Path, list[EvidenceSpan]] = defaultdict(list)
    depth = max(max(KS), k)
    for q in questions:
        paper = ids[q.get("pdf") or q.get("paper")]
        started = time.perf_counter()
        found = retrieve(q["question"], store, embedder, [paper], k=depth)
        latencies.append(time.perf_counter() - started)
        result = answering.answer(
            q["question"], found.passages[:k], found.answerability, settings, embedder
        )
        spans = [span for citation in result.citations for span in citation.spans]
        if "pdf" in q:
            highlighted[pdfs[q["pdf"]]].extend(spans)
        row = by_set[q.get("set", "all")]
        gold = q.get("gold_evidence") or []
        if gold and q.get("answerable", True):
            texts = [sp.passage.text for sp in found.passages]
            hit_rank = next(
                (i for i, t in enumerate(texts, 1) if any(contains(t, g) for g in gold)), None
            )
            for cut in KS:
                row[f"recall@{cut}"].append(hit_rank is not None and hit_rank <= cut)
                row[f"context_chars@{cut}"].append(sum(len(t) for t in texts[:cut]))
            cited = [s.text for s in spans] if not result.abstained else []
            row["cited_in_gold"].append(any(contains(g, c) for c in cited for g in gold))
        if "answerable" in q:
            row["scores"].append(found.answerability)
            row["labels"].append(bool(q["answerable"]))
            row["abstained"].append(result.abstained)
    report: dict[str, Any] = {"k": k, "abstain_threshold": settings.abstain_threshold, "sets": {}}
    for name, row in by_set.items():
        entry: dict[str, Any] = {"questions": len(row["scores"]) or len(row["recall@1"])}
        for cut in KS:
            if row[f"recall@{cut}"]:
                entry[f"evidence_recall@{cut}"] = _ratio(row[f"recall@{cut}"])
                entry[f"context_chars@{cut}"] = round(mean(row[f"context_chars@{cut}"]))
        if row["cited_in_gold"]:
            entry["extractive_cited_sentence_in_gold"] = _ratio(row["cited_in_gold"])
        labels = row["labels"]
        if labels and len(set(labels)) == 2:
            entry["answerability_roc_auc"] = _round(roc_auc(row["scores"], labels))
            entry["answerability_best_threshold"] = _round(best_threshold(row["scores"], labels))
            entry.update(_decisions(row["abstained"], labels))
        report["sets"][name] = entry
    spans_total = sum(len(spans) for spans in highlighted.values())
    if spans_total:
        fidelity = sum(
            highlight_fidelity(path, spans) * len(spans) for path, spans in highlighted.items()
        )
        report["highlight_fidelity"] = _round(fidelity / spans_total)
        report["highlighted_spans"] = spans_total
    ordered = sorted(latencies)
    report["retrieval_latency_ms_p50"] = _round(1000 * _quantile(ordered, 0.5))
    report["retrieval_latency_ms_p95"] = _round(1000 * _quantile(ordered, 0.95))
    return report


def _decisions(abstained: list[bool], labels: list[bool]) -> dict[str, float]:
    """Answer-or-abstain as the pipeline decided; 'positive' means abstain (not in the paper)."""
    truth = [not label for label in labels]
    pairs = list(zip(abstained, truth, strict=True))
    tp = sum(a and t for a, t in pairs)
    fp = sum(a and not t for a, t in pairs)
    fn = sum(t and not a for a, t in pairs)
    return {
        "abstention_accuracy": _round(sum(a == t for a, t in pairs) / len(pairs)),
        "abstention_precision": _round(tp / (tp + fp)) if tp + fp else 0.0,
        "abstention_recall": _round(tp / (tp + fn)) if tp + fn else 0.0,
    }


def best_threshold(scores: list[float], labels: list[bool]) -> float:
    """The answerability threshold with the best answer-or-abstain accuracy on these questions
    (a midpoint between neighbouring scores): how PAPERLIGHT_ABSTAIN_THRESHOLD is set."""
    ordered = sorted(set(scores))
    candidates = [ordered[0] - 1e-6] + [
        (a + b) / 2 for a, b in zip(ordered, ordered[1:], strict=False)
    ]

    def accuracy(threshold: float) -> float:
        return sum((s >= threshold) == label for s, label in zip(scores, labels, strict=True))

    return max(candidates, key=accuracy)


def roc_auc(scores: list[float], labels: list[bool]) -> float:
    """Probability that a random answerable question outscores a random unanswerable one."""
    positives = [s for s, label in zip(scores, labels, strict=True) if label]
    negatives = [s for s, label in zip(scores, labels, strict=True) if not label]
    wins = sum((p > n) + 0.5 * (p == n) for p in positives for n in negatives)
    return wins / (len(positives) * len(negatives))


def _quantile(ordered: list[float], q: float) -> float:
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _ratio(flags: list[bool]) -> float:
    return _round(sum(flags) / len(flags)) if flags else 0.0


def _round(value: float) -> float:
    return round(value, 4)


def parse_contiguity(questions_path: Path) -> float:
    """Parse contiguity alone (no index): used by bench/parse.py."""
    questions, _ = load_questions(questions_path)
    texts: dict[str, str] = {}
    flags = []
    for q in questions:
        if "pdf" not in q:
            continue
        if q["pdf"] not in texts:
            data = (questions_path.parent / q["pdf"]).read_bytes()
            texts[q["pdf"]] = normalise(parse(data).text)
        for gold in q.get("gold_evidence") or []:
            flags.append(fuzz.partial_ratio(normalise(gold), texts[q["pdf"]]) >= CONTIGUOUS)
    return _ratio(flags)
