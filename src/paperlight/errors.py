"""Typed errors whose message says what happened and what to do; faces print them, never a traceback."""

from __future__ import annotations


class PaperlightError(Exception):
    """Base class: ``str(error)`` is one line a reader can act on."""


class PdfError(PaperlightError):
    """The PDF cannot be read (empty, not a PDF, corrupt, encrypted, scanned, too long)."""


class StoreError(PaperlightError):
    """Qdrant cannot be opened or used (locked folder, server down, schema mismatch)."""


class EmbeddingError(PaperlightError):
    """The embedding model cannot be loaded or the embeddings endpoint failed."""


class LLMError(PaperlightError):
    """The LLM endpoint failed: down, slow, key refused, model missing or nonsense output."""
