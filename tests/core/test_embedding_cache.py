"""The on-disk embedding cache: a hit does not embed, a change of text or model does."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bot.core.index import ItemVectors
from bot.core.model import Difficulty, Item
from bot.core.ports import Vectors
from bot.embedding_cache import EmbeddingCache, cached_item_vectors


class CountingEmbedder:
    """A deterministic fake embedder that counts how many texts it was asked to encode."""

    def __init__(self, name: str = "fake-model") -> None:
        self._name = name
        self.calls = 0
        self.texts = 0

    @property
    def name(self) -> str:
        return self._name

    def encode(self, texts: Sequence[str]) -> Vectors:
        self.calls += 1
        self.texts += len(texts)
        rows = [np.random.default_rng(abs(hash(t)) % 2**32).normal(size=8) for t in texts]
        vectors = np.asarray(rows, dtype=np.float32).reshape(len(texts), 8)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def _item(answer: str = "Low-rank matrices are trained. The base stays frozen.") -> Item:
    return Item(
        id="lora",
        question="What is LoRA?",
        answer=answer,
        key_points=("low-rank update", "frozen base"),
        topic="fine-tuning",
        difficulty=Difficulty.EASY,
        source="test",
    )


def test_second_load_is_a_cache_hit_without_embedding(tmp_path: Path) -> None:
    first = CountingEmbedder()
    built = cached_item_vectors([_item()], first, tmp_path)
    second = CountingEmbedder()
    loaded = cached_item_vectors([_item()], second, tmp_path)
    assert first.calls == 1
    assert second.calls == 0
    assert np.allclose(built.vectors, loaded.vectors)
    assert list(tmp_path.glob("*.npy"))
    assert not list(tmp_path.glob("*.tmp"))


def test_changed_text_is_a_cache_miss(tmp_path: Path) -> None:
    cached_item_vectors([_item()], CountingEmbedder(), tmp_path)
    again = CountingEmbedder()
    cached_item_vectors([_item("A different answer now.")], again, tmp_path)
    assert again.calls == 1


def test_other_model_is_a_cache_miss(tmp_path: Path) -> None:
    cached_item_vectors([_item()], CountingEmbedder("model-a"), tmp_path)
    other = CountingEmbedder("model-b")
    cached_item_vectors([_item()], other, tmp_path)
    assert other.calls == 1


def test_unreadable_cache_file_is_recomputed(tmp_path: Path) -> None:
    embedder = CountingEmbedder()
    cache = EmbeddingCache(embedder, tmp_path)
    cache.path_for(["a", "b"]).write_bytes(b"not a numpy file")
    vectors = cache.encode(["a", "b"])
    assert vectors.shape == (2, 8)
    assert embedder.calls == 1


def test_item_vectors_know_which_items_they_describe(tmp_path: Path) -> None:
    vectors: ItemVectors = cached_item_vectors([_item()], CountingEmbedder(), tmp_path)
    assert vectors.matches([_item()])
    assert not vectors.matches([_item("changed")])
