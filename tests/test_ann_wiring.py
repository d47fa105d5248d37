"""load_knowledge: a bank above EXACT_ROWS texts is searched through an ANN index over
memory-mapped cached vectors; a bank-sized one keeps exact search."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot import app
from bot.content.bank import load_bank
from bot.core import retrieval
from bot.core.index import VectorIndex
from bot.core.ports import Vectors
from bot.embedding_cache import cached_item_vectors
from bot.settings import Settings
from tests.fakes.hash_embedder import HashEmbedder


def _is_memory_mapped(vectors: Vectors) -> bool:
    return isinstance(vectors, np.memmap) or isinstance(vectors.base, np.memmap)


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> list[Vectors]:
    """The matrices app.build_ann was asked to index (it still builds the real index)."""
    calls: list[Vectors] = []
    real = app.build_ann

    def spy(vectors: Vectors, kind: str = app.DEFAULT_KIND) -> VectorIndex:
        calls.append(vectors)
        return real(vectors, kind)

    monkeypatch.setattr(app, "build_ann", spy)
    return calls


@pytest.mark.parametrize("background", [False, True])
def test_bank_above_exact_rows_is_searched_through_an_ann_index(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, built: list[Vectors], background: bool
) -> None:
    monkeypatch.setattr(retrieval, "EXACT_ROWS", 100)  # the shipped bank has ~750 texts
    settings = Settings(cache_dir=tmp_path, _env_file=None)
    knowledge = app.load_knowledge(settings, HashEmbedder(), background=background)
    item = next(i for i in knowledge.bank.items if i.answer and not i.is_prompt)

    result = knowledge.retriever.search(item.question)

    assert knowledge.index == app.DEFAULT_KIND
    assert len(built) == 1 and len(built[0]) > 100
    assert _is_memory_mapped(built[0])
    assert result.matches and result.matches[0].item.id == item.id


def test_bank_within_exact_rows_keeps_exact_search(tmp_path: Path, built: list[Vectors]) -> None:
    settings = Settings(cache_dir=tmp_path, _env_file=None)
    knowledge = app.load_knowledge(settings, HashEmbedder())
    assert knowledge.index == "exact"
    assert built == []


def test_mapped_cache_returns_the_same_vectors_read_only(tmp_path: Path) -> None:
    items = load_bank().items[:5]
    computed = cached_item_vectors(items, HashEmbedder(), tmp_path, mmap=True)
    loaded = cached_item_vectors(items, HashEmbedder(), tmp_path, mmap=True)
    for vectors in (computed.vectors, loaded.vectors):
        assert _is_memory_mapped(vectors)
        assert not vectors.flags.writeable
    assert np.array_equal(computed.vectors, loaded.vectors)
