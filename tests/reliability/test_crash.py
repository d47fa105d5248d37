"""kill -9 during a burst of answers: nothing acknowledged is lost, nothing is stored twice.

A platform delivers each message until the bot acknowledges it (HTTP 200 after the service
handled it, as the Slack Events API and Socket Mode do), and redelivers what was not
acknowledged, sometimes also what was (a lost acknowledgement).
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from aiohttp import ClientError, ClientSession, ClientTimeout
from sqlalchemy import create_engine, select

from bot.core.model import ChannelRef, MessageRef
from bot.storage.sql_store import SqlStore
from bot.storage.tables import AttemptRow
from tests.core.items import small_bank

pytestmark = pytest.mark.asyncio(loop_scope="session")

ATTEMPTS = 1000
THREADS = 50
KILL_AFTER_ACKS = 400
CONCURRENCY = 16
REDELIVERED_ACKED = 100


def question_threads(url: str) -> None:
    """THREADS channels, each with today's question posted in a thread ``q<n>``."""
    store = SqlStore(url)
    items = small_bank(12)
    for n in range(THREADS):
        channel = ChannelRef("test", "w", f"t{n}")
        post = store.claim_post(
            channel, "2026-11-24", items[n % len(items)].id, 0, store._clock(), None
        )
        assert post is not None
        store.set_post_message(post.id, MessageRef(channel, f"q{n}", f"q{n}"))
    store.close()


def event(i: int) -> dict[str, str]:
    n = i % THREADS
    return {
        "channel": f"t{n}",
        "thread": f"q{n}",
        "user": f"u{i % 97}",
        "message_id": f"answer-{i}",
        "text": f"Answer {i}: idea one, because the first idea matters most here.",
    }


def stored_ids(url: str) -> Counter[str]:
    engine = create_engine(url)
    with engine.connect() as connection:
        ids = connection.scalars(select(AttemptRow.message_id)).all()
    engine.dispose()
    return Counter(str(i) for i in ids)


async def deliver(
    port: int, events: list[int], on_ack: Callable[[int], None]
) -> tuple[set[int], set[int]]:
    """Send events concurrently; returns (acknowledged, not acknowledged)."""
    acked: set[int] = set()
    failed: set[int] = set()
    bound = asyncio.Semaphore(CONCURRENCY)
    async with ClientSession(timeout=ClientTimeout(total=30)) as http:

        async def one(i: int) -> None:
            async with bound:
                try:
                    async with http.post(f"http://127.0.0.1:{port}/event", json=event(i)) as r:
                        ok = r.status == 200
                except (TimeoutError, ClientError, OSError):
                    ok = False
            if ok:
                acked.add(i)
                on_ack(len(acked))
            else:
                failed.add(i)

        await asyncio.gather(*(one(i) for i in events))
    return acked, failed


async def test_kill_9_mid_burst_loses_no_acknowledged_answer_and_stores_none_twice(
    database_url: str, spawn: Callable[..., Any]
) -> None:
    question_threads(database_url)
    bot = await spawn("answers", database_url, "bot-a")

    def kill_when_due(count: int) -> None:
        if count == KILL_AFTER_ACKS:
            bot.kill()

    acked, lost = await deliver(int(bot.ready.split()[1]), list(range(ATTEMPTS)), kill_when_due)
    assert await bot.process.wait() == -9 and lost, "the bot was not killed mid-burst"

    after_crash = stored_ids(database_url)
    assert all(after_crash[f"answer-{i}"] == 1 for i in acked)  # every acknowledged answer kept
    assert max(after_crash.values()) == 1

    restarted = await spawn("answers", database_url, "bot-b")
    again = sorted(lost) + random.Random(5).sample(sorted(acked), REDELIVERED_ACKED)
    _, lost_again = await deliver(int(restarted.ready.split()[1]), again, lambda _: None)
    assert not lost_again

    final = stored_ids(database_url)
    assert set(final) == {f"answer-{i}" for i in range(ATTEMPTS)}
    assert set(final.values()) == {1}
    in_flight_kept = sum(1 for i in lost if after_crash[f"answer-{i}"])
    print(
        f"\n{ATTEMPTS} answers over {THREADS} threads: killed after {len(acked)} acks; "
        f"{len(lost)} unacknowledged ({in_flight_kept} of them already stored), "
        f"redelivered {len(again)}; stored {sum(final.values())}, duplicates 0"
    )
