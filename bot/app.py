"""bootstrap(): wires settings, bank, embedder, store, retrieval, grading and one platform."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.ann_index import DEFAULT_KIND, build_ann
from bot.charts import progress_chart
from bot.content.bank import Bank, load_bank
from bot.content.live import BankRules
from bot.core import retrieval
from bot.core.grading import Grader
from bot.core.index import VectorIndex, item_texts
from bot.core.model import Item
from bot.core.ports import ChatPlatform, Embedder
from bot.core.retrieval import ExplainResult, Retriever
from bot.core.service import QotdService, Searcher
from bot.embedding_cache import cached_item_vectors
from bot.embeddings import SentenceTransformerEmbedder
from bot.settings import Settings
from bot.storage.learning_store import SqlLearningStore
from bot.storage.sql_store import SqlStore

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Knowledge:
    """The bank and the models that search and grade it (no platform, no database)."""

    bank: Bank
    embedder: Embedder
    retriever: Searcher
    grader: Grader
    load_seconds: float
    index: str = "exact"
    """How explain finds candidates: 'exact' (every item scored) or the ANN library used."""


class BackgroundRetriever:
    """Builds the retrieval index in a worker thread, so the bot can post before it is ready.

    The first search waits for the index; an error while building surfaces there.
    """

    def __init__(self, build: Callable[[], Retriever]) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="qotd-index")
        self._future: Future[Retriever] = self._pool.submit(build)
        self._pool.shutdown(wait=False)

    @property
    def ready(self) -> bool:
        """True once the index is built."""
        return self._future.done()

    def result(self) -> Retriever:
        """The built retriever (waits for it)."""
        return self._future.result()

    def search(self, query: str, k: int = 3) -> ExplainResult:
        """Search once the index is built."""
        return self.result().search(query, k)

    def with_items(self, items: Sequence[Item]) -> Retriever:
        """The built retriever grown by ``items`` (live items; waits for the build)."""
        return self.result().with_items(items)


def configure_logging(settings: Settings) -> None:
    """Log to stderr at the configured level."""
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


def index_kind(items: Sequence[Item]) -> str:
    """'exact' for a bank of up to ``EXACT_ROWS`` embedded texts, else the ANN library to use."""
    # read from the module at call time, so it always agrees with what Retriever uses
    return "exact" if len(item_texts(items)[1]) <= retrieval.EXACT_ROWS else DEFAULT_KIND


def build_retriever(
    items: Sequence[Item],
    embedder: Embedder,
    cache_dir: Path | str | None,
    kind: str = "exact",
    *,
    progress: bool = True,
) -> Retriever:
    """The retriever over ``items``; for an ANN ``kind``, over memory-mapped cached vectors."""
    approximate = kind != "exact"
    vectors = cached_item_vectors(items, embedder, cache_dir, mmap=approximate, progress=progress)
    index: VectorIndex | None = None
    if approximate:
        started = time.perf_counter()
        index = build_ann(vectors.vectors, kind)
        log.info(
            "%s index of %d texts built in %.1f s",
            kind,
            len(vectors.texts),
            time.perf_counter() - started,
        )
    return Retriever(items, embedder, vectors, index=index)


def load_knowledge(
    settings: Settings,
    embedder: Embedder | None = None,
    *,
    background: bool = False,
    progress: bool = True,
) -> Knowledge:
    """Load the bank and the model, and build the retrieval index (from the embedding cache).

    With ``background`` the index is built in a worker thread (the first explain waits for it);
    ``progress=False`` keeps the first run's embedding bar off the terminal.
    A bank of more than ``EXACT_ROWS`` embedded texts is searched through an ANN index.
    """
    started = time.perf_counter()
    bank = load_bank(settings.bank_dir)
    embedder = embedder or SentenceTransformerEmbedder(settings.model)
    model = embedder
    kind = index_kind(bank.items)

    def build() -> Retriever:
        return build_retriever(bank.items, model, settings.cache_dir, kind, progress=progress)

    retriever: Searcher = BackgroundRetriever(build) if background else build()
    grader = Grader(embedder)
    return Knowledge(bank, embedder, retriever, grader, time.perf_counter() - started, kind)


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (for messages), or None."""
    prefix = "sqlite:///"
    return Path(url[len(prefix) :]) if url.startswith(prefix) else None


def learning_options(settings: Settings) -> dict[str, Any]:
    """The learning loop's collaborators: its store (same database), the chart drawer and
    the bank's rules for approved suggestions, which then go live at once."""
    return {
        "learning": SqlLearningStore(settings.database_url),
        "charts": progress_chart,
        "item_rules": BankRules(),
    }


def bootstrap(
    settings: Settings, platform: ChatPlatform, knowledge: Knowledge | None = None
) -> QotdService:
    """The service for one platform, with its store and knowledge."""
    knowledge = knowledge or load_knowledge(settings)
    store = SqlStore(settings.database_url, instance=settings.instance_id)
    return QotdService(
        knowledge.bank.items,
        store,
        platform,
        knowledge.retriever,
        knowledge.grader,
        admins=settings.admin_ids,
        **settings.service_options(),
        **learning_options(settings),
    )
