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
def embedding_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One embedding cache for the run, so processes started by tests start warm."""
    return Path(tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="session")
def knowledge(real_embedder: SentenceTransformerEmbedder, embedding_cache_dir: Path) -> Knowledge:
    """The shipped bank with the real retriever and grader."""
    settings = Settings(cache_dir=embedding_cache_dir, _env_file=None)
    return load_knowledge(settings, real_embedder)
