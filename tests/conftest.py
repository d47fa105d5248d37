"""Session-wide fixtures: the real bundled model and the shipped bank, loaded once."""

from __future__ import annotations

import multiprocessing
import os
from dataclasses import replace
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from bot.app import Knowledge, load_knowledge
from bot.content.bank import Bank
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


def lora_item(knowledge: Knowledge) -> str:
    """The id of the bank's LoRA vs QLoRA item (the tests' usual daily question)."""
    for item in knowledge.bank.answered:
        if "qlora" in item.question.lower() and "lora" in item.question.lower():
            return item.id
    raise AssertionError("the bank has no LoRA vs QLoRA item")


def asking(knowledge: Knowledge, *item_ids: str) -> Knowledge:
    """``knowledge`` with a bank of only these items: a bot built on it asks nothing else
    (its retriever and grader still know the whole bank)."""
    return replace(knowledge, bank=Bank(tuple(knowledge.bank.by_id[i] for i in item_ids)))


def asking_lora(knowledge: Knowledge) -> Knowledge:
    """``knowledge`` whose bank is the LoRA vs QLoRA item alone."""
    return asking(knowledge, lora_item(knowledge))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Kill child processes a failed test left behind: the run ends instead of waiting on them."""
    for child in multiprocessing.active_children():
        child.kill()
        child.join(timeout=10)
