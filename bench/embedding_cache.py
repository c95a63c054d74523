"""An embedder wrapper for benchmarks: each distinct text is embedded once per run, so
pipelines compared in one run pay for the same text once. Imported by other bench scripts."""

from __future__ import annotations

import numpy as np


class CachedEmbedder:
    def __init__(self, inner) -> None:
        self.inner, self.model_id, self.dim = inner, inner.model_id, inner.dim
        self.cache: dict[str, np.ndarray] = {}

    def embed(self, texts):
        texts = list(texts)
        missing = [t for t in dict.fromkeys(texts) if t not in self.cache]
        for start in range(0, len(missing), 256):
            batch = missing[start : start + 256]
            self.cache.update(zip(batch, self.inner.embed(batch), strict=True))
        return np.stack([self.cache[t] for t in texts]) if texts else np.zeros((0, self.dim))

    def embed_query(self, text):
        return self.embed([text])[0]
