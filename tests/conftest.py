"""Session-wide fixtures: the real bundled model and the shipped bank, loaded once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from bot.app import Knowledge, load_knowledge
from bot.embeddings import SentenceTransformerEmbedder
from bot.settings import Settings


@pytest.fixture(scope="session")
def real_embedder() -> SentenceTransformerEmbedder:
    """The bundled all-MiniLM-L6-v2, loaded once for the whole run."""
    return SentenceTransformerEmbedder()


@pytest.fixture(scope="session")
def knowledge(
    real_embedder: SentenceTransformerEmbedder, tmp_path_factory: pytest.TempPathFactory
) -> Knowledge:
    """The shipped bank with the real retriever and grader."""
    cache = tmp_path_factory.mktemp("cache")
    settings = Settings(cache_dir=Path(cache), _env_file=None)  # type: ignore[call-arg]
    return load_knowledge(settings, real_embedder)
