"""BM25-style sparse vectors: term-frequency weights here, inverse document frequency in Qdrant.

Qdrant multiplies each weight by the term's IDF over the collection (the IDF modifier), so
the dot product of a query vector (ones) and a passage vector is the BM25 score. Nothing is
downloaded: terms are lower-cased, stemmed with NLTK's Porter stemmer (pure code) and hashed.
"""

from __future__ import annotations

import re
import zlib
from collections import Counter
from functools import lru_cache

from nltk.stem.porter import PorterStemmer

K1 = 1.2
B = 0.75
AVERAGE_TERMS = 80.0  # typical passage length in terms; BM25's length normalisation
TOKEN = re.compile(r"[a-z0-9]+(?:[-_.][a-z0-9]+)*")
STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "also",
        "using",
        "used",
        "use",
        "via",
        "were",
        "paper",
        "study",
    ]
)
_stemmer = PorterStemmer()


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    return _stemmer.stem(word)


def terms(text: str) -> list[str]:
    words = TOKEN.findall(text.lower())
    out: list[str] = []
    for word in words:
        if word in STOPWORDS or len(word) < 2:
            continue
        out.append(_stem(word))
        if "-" in word:  # "fine-tuning" also counts as "fine" and "tuning"
            out.extend(_stem(part) for part in word.split("-") if part and part not in STOPWORDS)
    return out


def term_id(term: str) -> int:
    return zlib.crc32(term.encode()) & 0x7FFFFFFF


def document_vector(text: str) -> tuple[list[int], list[float]]:
    """Sparse (indices, values): BM25's saturated term frequency with length normalisation."""
    counts = Counter(terms(text))
    length = sum(counts.values()) or 1
    norm = K1 * (1 - B + B * length / AVERAGE_TERMS)
    weights: dict[int, float] = {}
    for term, tf in counts.items():
        index = term_id(term)
        weights[index] = weights.get(index, 0.0) + tf * (K1 + 1) / (tf + norm)
    return list(weights), list(weights.values())


def query_vector(text: str) -> tuple[list[int], list[float]]:
    indices = sorted({term_id(term) for term in terms(text)})
    return indices, [1.0] * len(indices)
