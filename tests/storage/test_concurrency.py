"""Racing claims: one post per channel and local date across threads, engines and processes."""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.model import MessageRef
from bot.storage.sql_store import SqlStore
from tests.storage.conftest import CHANNEL, PostgresServer

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
RACERS = 8


def _race(stores: list[SqlStore], action: Callable[[SqlStore], object]) -> list[object]:
    """Run ``action`` once per racer, all released at the same instant, spread over ``stores``."""
    start = threading.Barrier(RACERS)

    def run(index: int) -> object:
        start.wait()
        return action(stores[index % len(stores)])

    with ThreadPoolExecutor(RACERS) as pool:
        return list(pool.map(run, range(RACERS)))


def test_racing_claims_from_two_engines_yield_one_post(
    open_store: Callable[[], SqlStore],
) -> None:
    stores = [open_store(), open_store()]
    results = _race(
        stores, lambda store: store.claim_post(CHANNEL, "2026-03-10", "item", 0, NOW, None)
    )
    claimed = [post for post in results if post is not None]
    assert len(claimed) == 1
    assert stores[0].post_for_date(CHANNEL, "2026-03-10") == claimed[0]


def test_racing_reveals_from_two_engines_reveal_once(open_store: Callable[[], SqlStore]) -> None:
    stores = [open_store(), open_store()]
    post = stores[0].claim_post(CHANNEL, "2026-03-10", "item", 0, NOW, NOW)
    assert post is not None
    stores[0].set_post_message(post.id, MessageRef(CHANNEL, "m", "t"))
    results = _race(stores, lambda store: store.mark_revealed(post.id, NOW))
    assert results.count(True) == 1


def _claim_in_process(url: str, start: object, results: object) -> None:
    """Child process: open the store (migrating if needed) and claim the shared date."""
    store = SqlStore(url)
    start.wait(timeout=60)  # type: ignore[attr-defined]
    post = store.claim_post(CHANNEL, "2026-03-10", "item", 0, NOW, None)
    results.put(post is not None)  # type: ignore[attr-defined]
    store.close()


def _race_processes(url: str) -> list[bool]:
    context = multiprocessing.get_context("spawn")
    start, results = context.Barrier(4), context.Queue()
    workers = [
        context.Process(target=_claim_in_process, args=(url, start, results), daemon=True)
        for _ in range(4)
    ]
    try:
        for worker in workers:
            worker.start()
        outcomes = [results.get(timeout=90) for _ in workers]
        for worker in workers:
            worker.join(timeout=60)
            assert worker.exitcode == 0
        return outcomes
    finally:
        # A child that failed leaves the others at the barrier: never let them outlive the test.
        for worker in workers:
            if worker.is_alive():
                worker.kill()
                worker.join(timeout=10)


def test_processes_racing_on_a_fresh_sqlite_file_claim_once(tmp_path: Path) -> None:
    assert sorted(_race_processes(f"sqlite:///{tmp_path}/fresh/qotd.db")) == [False] * 3 + [True]


@pytest.mark.postgres
def test_processes_racing_on_a_fresh_postgres_database_claim_once(
    postgres: PostgresServer,
) -> None:
    assert sorted(_race_processes(postgres.new_database())) == [False] * 3 + [True]
