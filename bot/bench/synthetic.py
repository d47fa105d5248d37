"""Synthetic banks of 10k-1M items for the speed benchmark, made from the real bank.

How a synthetic item is made (stated in the bench output and docs/PERFORMANCE.md): its question
is two sentences of the real bank (questions, key points, answer sentences) picked at random
and joined; its answer is the same text, so it has one embedded text. Its vector is not
computed by the model (a million encodes take hours on two CPU cores): it is the normalised sum
of the two sentences' real embeddings, the second at weight 0.5, plus Gaussian noise
(sigma 0.02 per dimension), so neighbourhoods look like real ones. Real bank items stay in.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from bot.core.index import ItemVectors, item_texts
from bot.core.model import Difficulty, Item
from bot.core.ports import Vectors

HOW = (
    "synthetic item = 2 random real bank sentences joined (question = answer, 1 text); "
    "vector = normalise(e1 + 0.5*e2 + N(0, 0.02^2)) from the sentences' real embeddings; "
    "the real bank items are included"
)


def bank_sentences(vectors: ItemVectors) -> tuple[list[str], Vectors]:
    """The bank's embedded texts that are one plain sentence, with their vectors."""
    keep = [
        i
        for i, text in enumerate(vectors.texts)
        if 20 <= len(text) <= 200 and not re.search(r"[.!?]\s", text) and "`" not in text
    ]
    return [vectors.texts[i] for i in keep], np.asarray(vectors.vectors[keep], dtype=np.float32)


def synthetic_bank(
    items: Sequence[Item], vectors: ItemVectors, size: int, seed: int = 0
) -> tuple[list[Item], ItemVectors]:
    """``items`` plus synthetic ones up to ``size`` items, with vectors for every text."""
    rng = np.random.default_rng(seed)
    sentences, sentence_vectors = bank_sentences(vectors)
    extra = max(0, size - len(vectors.item_ids))
    first = rng.integers(0, len(sentences), extra)
    second = rng.integers(0, len(sentences), extra)
    difficulty = next(iter(Difficulty))
    synthetic = [
        Item(
            id=f"synthetic-{n}",
            question=text,
            answer=text,
            key_points=(),
            topic="synthetic",
            difficulty=difficulty,
            source="synthetic",
        )
        for n, (a, b) in enumerate(zip(first.tolist(), second.tolist(), strict=True))
        for text in (f"{sentences[a].rstrip('.?!')}; {sentences[b]}",)
    ]
    everything = [*items, *synthetic]
    ids, texts, owners = item_texts(everything)
    owner_array = np.asarray(owners, dtype=np.int64)
    real = len(vectors.texts)
    assert texts[:real] == vectors.texts, "real items must come first"
    out = np.empty((len(texts), sentence_vectors.shape[1]), dtype=np.float32)
    out[:real] = vectors.vectors
    base = owner_array[real:] - len(vectors.item_ids)
    for start in range(0, len(base), 100_000):  # in blocks: bounded temporary memory
        block = base[start : start + 100_000]
        mixed = sentence_vectors[first[block]] + 0.5 * sentence_vectors[second[block]]
        mixed += np.asarray(rng.normal(0.0, 0.02, size=mixed.shape), dtype=np.float32)
        mixed /= np.linalg.norm(mixed, axis=1, keepdims=True)
        out[real + start : real + start + len(block)] = mixed
    return everything, ItemVectors(ids, texts, owner_array, out)
