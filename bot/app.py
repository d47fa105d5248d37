"""The composition root: ``bootstrap()`` wires settings, bank, embedder, retrieval, grading, the
database and its stores, the service on one platform, its scheduler and the ops endpoints.

Every runner (console, Slack, Discord), the test processes and the tests build the bot here;
nothing is rewired after construction."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.ann_index import DEFAULT_KIND, build_ann
from bot.charts import progress_chart
from bot.content.bank import Bank, load_bank
from bot.core import grading, retrieval
from bot.core.index import VectorIndex, item_texts
from bot.core.model import ChannelRef, Item, Schedule, Scope
from bot.core.ports import ChatPlatform, Embedder, Grader, Metrics, NoMetrics, Searcher
from bot.core.retrieval import ExplainResult, Retriever
from bot.core.service import QotdService
from bot.embedding_cache import cached_item_vectors
from bot.embeddings import SentenceTransformerEmbedder
from bot.http_service import start_http
from bot.metrics import PrometheusMetrics
from bot.scheduling import TICK_SECONDS, DailyScheduler
from bot.settings import Settings
from bot.storage.database import Database
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
    grader = grading.Grader(embedder)
    return Knowledge(bank, embedder, retriever, grader, time.perf_counter() - started, kind)


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (for messages), or None."""
    prefix = "sqlite:///"
    return Path(url[len(prefix) :]) if url.startswith(prefix) else None


class App:
    """One process's bot as ``bootstrap`` builds it: owns the database, its stores, the service,
    the scheduler and the ops endpoints. ``start`` once the platform is connected, ``stop`` when
    it disconnects, ``close`` last (the database)."""

    def __init__(
        self,
        settings: Settings,
        knowledge: Knowledge,
        database: Database,
        store: SqlStore,
        service: QotdService,
        scheduler: DailyScheduler,
        metrics: Metrics,
    ) -> None:
        self.settings = settings
        self.knowledge = knowledge
        self.database = database
        self.store = store
        self.service = service
        self.scheduler = scheduler
        self.metrics = metrics
        self.ops: web.AppRunner | None = None
        """The /healthz and /metrics server while running (QOTD_HTTP_PORT set)."""

    async def start(self) -> None:
        """Log the (redacted) settings, serve the ops endpoints when QOTD_HTTP_PORT is set,
        and start the scheduler's ticks; again, it does nothing (reconnects)."""
        if self.scheduler.running:
            return
        log.info("starting with %r", self.settings)
        port = self.settings.http_port
        if port is not None and isinstance(self.metrics, PrometheusMetrics):
            self.ops = await start_http(self.store, self.metrics, port, self.settings.http_host)
        self.scheduler.start()

    async def stop(self) -> None:
        """Stop the ticks, answer catch-up and the ops endpoints (the database stays open)."""
        self.scheduler.shutdown()
        self.service.catchup.stop()
        if self.ops is not None:
            await self.ops.cleanup()
            self.ops = None

    def close(self) -> None:
        """Release the database (every store on it)."""
        self.database.close()


def bootstrap(
    settings: Settings,
    platform: ChatPlatform,
    knowledge: Knowledge | None = None,
    *,
    scope: Scope | None = None,
    store: SqlStore | None = None,
    tick_seconds: float = TICK_SECONDS,
    **overrides: Any,
) -> App:
    """The bot for one platform: the database opened and migrated once and shared by the core
    and learning stores, the service serving ``scope`` (the platform's channels, its shards),
    its scheduler (told of every schedule change) and, with QOTD_HTTP_PORT, Prometheus metrics.

    ``store`` is a store already open (a test's; its database is shared); ``overrides``
    replace ``QotdService`` options (a test's clock, retry policy, or ``learning=None``).
    A database that cannot be opened raises ``DatabaseUnavailable`` before the model loads.
    """
    database = store.database if store is not None else Database(settings.database_url)
    try:
        store = store or SqlStore(database, instance=settings.instance_id)
        knowledge = knowledge or load_knowledge(settings)
        metrics: Metrics = PrometheusMetrics() if settings.http_port is not None else NoMetrics()

        def schedule_changed(channel: ChannelRef, schedule: Schedule) -> None:
            scheduler.update(channel, schedule)

        options: dict[str, Any] = {
            "admins": settings.admin_ids,
            **settings.service_options(),
            "learning": SqlLearningStore(database),
            "charts": progress_chart,
            "metrics": metrics,
            "scope": scope,
            "on_schedule_change": schedule_changed,
            **overrides,
        }
        service = QotdService(
            knowledge.bank.items, store, platform, knowledge.retriever, knowledge.grader, **options
        )
        scheduler = DailyScheduler(service, tick_seconds)
    except BaseException:
        database.close()
        raise
    return App(settings, knowledge, database, store, service, scheduler, service.metrics)
