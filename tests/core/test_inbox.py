"""The inbox on SQLite and PostgreSQL: what was recorded is processed once, after failures,
restarts and dead instances; claims of work in progress are renewed, never stolen."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.inbox import MAX_TRIES, Inbox
from bot.core.model import Delivery
from bot.storage.inbox_store import SqlInbox
from tests.dbfixtures import database_url, postgres, postgres_url  # noqa: F401

LEASE = timedelta(seconds=60)


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: datetime(2026, 12, 2, 9, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Handler:
    """Counts what it processed; fails the first ``fail`` calls; waits while ``hold`` is set."""

    done: Counter[str] = field(default_factory=Counter)
    fail: int = 0
    hold: asyncio.Event | None = None

    async def __call__(self, delivery: Delivery) -> None:
        if self.hold is not None:
            await self.hold.wait()
        if self.fail:
            self.fail -= 1
            raise ConnectionError("database unreachable")
        self.done[delivery.key] += 1


@pytest.fixture
def stores(database_url: str) -> Iterator[dict[str, SqlInbox]]:  # noqa: F811
    """Inbox tables of instances by name, on one database (opened on first use)."""
    opened: dict[str, SqlInbox] = {}

    class Stores(dict[str, SqlInbox]):
        def __missing__(self, name: str) -> SqlInbox:
            opened[name] = self[name] = SqlInbox(database_url, instance=name)
            return opened[name]

    yield Stores()
    for store in opened.values():
        store.close()


def inbox(store: SqlInbox, handler: Handler, clock: Clock) -> Inbox:
    return Inbox(store, handler, clock, platform="slack", lease=LEASE)


def delivery(clock: Clock, key: str = "Ev1") -> Delivery:
    return Delivery("slack", key, "{}", clock())


async def test_a_delivery_whose_processing_failed_is_processed_again_after_the_lease(
    stores: dict[str, SqlInbox],
) -> None:
    clock, handler = Clock(), Handler(fail=1)
    a = inbox(stores["a"], handler, clock)
    assert await a.receive(delivery(clock))
    await a.process(delivery(clock))  # the database failed mid-way
    assert await a.sweep() == 0  # still within the lease
    clock.now += LEASE + timedelta(seconds=1)
    assert await a.sweep() == 1
    clock.now += 2 * LEASE
    assert await a.sweep() == 0
    assert handler.done == {"Ev1": 1}


async def test_a_restarted_instance_processes_what_its_previous_run_left_at_once(
    stores: dict[str, SqlInbox],
) -> None:
    clock, handler = Clock(), Handler()
    killed = inbox(stores["bot-a"], handler, clock)
    assert await killed.receive(delivery(clock))  # acknowledged, then SIGKILL
    clock.now += timedelta(seconds=3)
    restarted = inbox(stores["bot-a"], handler, clock)
    assert await restarted.receive(delivery(clock, "Ev2"))  # arrives before the first sweep
    assert await restarted.sweep() == 1
    assert handler.done == {"Ev1": 1}  # Ev2 is the live path's, not an orphan


async def test_another_instance_takes_a_dead_ones_deliveries_only_after_the_lease(
    stores: dict[str, SqlInbox],
) -> None:
    clock, handler = Clock(), Handler()
    dead = inbox(stores["a"], handler, clock)
    for n in range(3):
        await dead.receive(delivery(clock, f"Ev{n}"))
    other = inbox(stores["b"], handler, clock)
    clock.now += LEASE - timedelta(seconds=1)
    assert await other.sweep() == 0
    clock.now += timedelta(seconds=2)
    third = inbox(stores["c"], handler, clock)
    taken = await asyncio.gather(other.sweep(), third.sweep())
    assert sum(taken) == 3  # shared out, each once
    assert handler.done == {"Ev0": 1, "Ev1": 1, "Ev2": 1}


async def test_a_delivery_still_being_processed_is_not_taken_over(
    stores: dict[str, SqlInbox],
) -> None:
    clock, hold = Clock(), asyncio.Event()
    slow = Handler(hold=hold)
    a = inbox(stores["a"], slow, clock)
    await a.receive(delivery(clock))
    working = asyncio.create_task(a.process(delivery(clock)))
    await asyncio.sleep(0)
    other = Handler()
    b = inbox(stores["b"], other, clock)
    for _ in range(3):
        clock.now += LEASE * 0.75
        await a.renew()
        assert await b.sweep() == 0
    hold.set()
    await working
    clock.now += 2 * LEASE
    assert await b.sweep() == 0
    assert slow.done == {"Ev1": 1} and not other.done


async def test_a_delivery_that_keeps_failing_is_given_up(stores: dict[str, SqlInbox]) -> None:
    clock, handler = Clock(), Handler(fail=100)
    a = inbox(stores["a"], handler, clock)
    await a.receive(delivery(clock))
    await a.process(delivery(clock))
    sweeps = 0
    clock.now += LEASE + timedelta(seconds=1)
    while await a.sweep():
        sweeps += 1
        clock.now += LEASE + timedelta(seconds=1)
    assert sweeps == MAX_TRIES  # tries 2..MAX_TRIES failed again, then it was given up
    assert handler.fail == 100 - MAX_TRIES and not handler.done
    clock.now += 2 * LEASE
    assert await a.sweep() == 0


async def test_a_backlog_waiting_in_the_sweep_is_renewed_so_a_redelivery_does_not_run_it_twice(
    stores: dict[str, SqlInbox],
) -> None:
    clock, hold = Clock(), asyncio.Event()
    dead = inbox(stores["a"], Handler(), clock)
    keys = [f"Ev{n}" for n in range(12)]  # more than the sweep processes at once
    for key in keys:
        await dead.receive(delivery(clock, key))
    clock.now += LEASE + timedelta(seconds=1)
    slow = Handler(hold=hold)
    b = inbox(stores["b"], slow, clock)
    sweeping = asyncio.create_task(b.sweep())
    for _ in range(20):
        await asyncio.sleep(0.05)  # the sweep claims all, starts 8, the rest wait
    for _ in range(3):
        clock.now += LEASE * 0.75
        await b.renew()
        assert [await b.receive(delivery(clock, key)) for key in keys] == [False] * 12
    hold.set()
    assert await sweeping == 12
    assert slow.done == dict.fromkeys(keys, 1)
