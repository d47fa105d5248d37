"""bootstrap(): wires settings, bank, embedder, store, retrieval, grading and one platform."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from bot.content.bank import Bank, load_bank
from bot.core.grading import Grader
from bot.core.ports import ChatPlatform, Embedder
from bot.core.retrieval import Retriever
from bot.core.service import QotdService
from bot.embedding_cache import cached_item_vectors
from bot.embeddings import SentenceTransformerEmbedder
from bot.settings import Settings
from bot.storage.sql_store import SqlStore

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Knowledge:
    """The bank and the models that search and grade it (no platform, no database)."""

    bank: Bank
    embedder: Embedder
    retriever: Retriever
    grader: Grader
    load_seconds: float


def configure_logging(settings: Settings) -> None:
    """Log to stderr at the configured level."""
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


def load_knowledge(settings: Settings, embedder: Embedder | None = None) -> Knowledge:
    """Load the bank and the model, and build the retrieval index (from the embedding cache)."""
    started = time.perf_counter()
    bank = load_bank(settings.bank_dir)
    embedder = embedder or SentenceTransformerEmbedder(settings.model)
    vectors = cached_item_vectors(bank.items, embedder, settings.cache_dir)
    retriever = Retriever(bank.items, embedder, vectors)
    grader = Grader(embedder)
    return Knowledge(bank, embedder, retriever, grader, time.perf_counter() - started)


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (for messages), or None."""
    prefix = "sqlite:///"
    return Path(url[len(prefix) :]) if url.startswith(prefix) else None


def bootstrap(
    settings: Settings, platform: ChatPlatform, knowledge: Knowledge | None = None
) -> QotdService:
    """The service for one platform, with its store and knowledge."""
    knowledge = knowledge or load_knowledge(settings)
    store = SqlStore(settings.database_url)
    return QotdService(
        knowledge.bank.items,
        store,
        platform,
        knowledge.retriever,
        knowledge.grader,
        admins=settings.admin_ids,
    )
