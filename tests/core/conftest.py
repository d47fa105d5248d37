"""Fixtures of the retrieval and grading tests: the real model and the shipped bank, once."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.content.bank import load_bank
from bot.core.grading import Grader
from bot.core.model import Item
from bot.core.retrieval import Retriever
from bot.embedding_cache import cached_item_vectors
from bot.embeddings import SentenceTransformerEmbedder

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="session")
def minilm() -> SentenceTransformerEmbedder:
    """The bundled all-MiniLM-L6-v2, loaded once."""
    return SentenceTransformerEmbedder()


@pytest.fixture(scope="session")
def bank_items() -> tuple[Item, ...]:
    """Every item of the shipped bank."""
    return tuple(load_bank().items)


@pytest.fixture(scope="session")
def retriever(
    minilm: SentenceTransformerEmbedder,
    bank_items: tuple[Item, ...],
    tmp_path_factory: pytest.TempPathFactory,
) -> Retriever:
    """A retriever over the shipped bank with the real model."""
    vectors = cached_item_vectors(bank_items, minilm, tmp_path_factory.mktemp("vectors"))
    return Retriever(bank_items, minilm, vectors)


@pytest.fixture(scope="session")
def grader(minilm: SentenceTransformerEmbedder) -> Grader:
    """A grader with the real model."""
    return Grader(minilm)


def load_data(name: str) -> list[dict[str, object]]:
    """Rows of a YAML file under tests/data."""
    rows: list[dict[str, object]] = yaml.safe_load((DATA / name).read_text())
    return rows
