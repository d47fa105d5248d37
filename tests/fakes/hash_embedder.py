"""A model-free Embedder for tests of retrieval plumbing."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from bot.core.ports import Vectors


class HashEmbedder:
    """Deterministic bag-of-words vectors (no model): texts sharing words are close."""

    name = "hash"

    def encode(self, texts: Sequence[str]) -> Vectors:
        """One 64-dimensional unit vector per text, from the hashes of its words."""
        out = np.zeros((len(texts), 64), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                out[row, hashlib.md5(word.encode()).digest()[0] % 64] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)
