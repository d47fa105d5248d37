"""The poster asks the database what is due: a posted channel is quiet until its next slot,
a schedule changed on another instance is posted by this one, a failure is retried soon."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.daily import DailySession, RetryPolicy
from bot.core.model import ChannelRef, Schedule, Scope
from bot.storage.sql_store import SqlStore
from tests.core.items import small_bank
from tests.core.test_daily import PARIS, Clock
from tests.dbfixtures import database_url, postgres, postgres_url  # noqa: F401
from tests.fakes.platform import RecordingPlatform

EVERYWHERE = Scope()
CHANNELS = [ChannelRef("test", "team", f"c{n}") for n in range(6)]


@pytest.fixture
def stores(database_url: str) -> Iterator[list[SqlStore]]:  # noqa: F811
    opened = [SqlStore(database_url, instance=f"i{n}") for n in range(2)]
    yield opened
    for store in opened:
        store.close()


def daily(store: SqlStore, clock: Clock, platform: RecordingPlatform) -> DailySession:
    retry = RetryPolicy(attempts=2, base_seconds=0.0)
    return DailySession(small_bank(12), store, platform, clock, retry=retry)  # type: ignore[arg-type]


async def test_a_posted_channel_is_not_looked_at_again_before_its_next_slot(
    stores: list[SqlStore],
) -> None:
    store = stores[0]
    clock, platform = Clock(datetime(2026, 11, 24, 8, 30, tzinfo=UTC)), RecordingPlatform()
    for channel in CHANNELS:
        store.set_schedule(channel, PARIS)
    session = daily(store, clock, platform)
    assert await session.post_due() == len(CHANNELS)
    clock.now = datetime(2026, 11, 25, 7, 59, tzinfo=UTC)  # 08:59 in Paris the next day
    assert store.claim_due_posts(EVERYWHERE, clock.now, 100, timedelta(minutes=5)) == []
    clock.now += timedelta(minutes=1)
    assert await session.post_due() == len(CHANNELS)
    assert len(platform.of("post")) == 2 * len(CHANNELS)


async def test_a_schedule_changed_on_another_instance_is_posted_by_this_one(
    stores: list[SqlStore],
) -> None:
    here, there = stores
    clock, platform = Clock(datetime(2026, 11, 24, 8, 30, tzinfo=UTC)), RecordingPlatform()
    channel = CHANNELS[0]
    here.set_schedule(channel, Schedule(hour=18, timezone="Europe/Paris"))
    session = daily(here, clock, platform)
    assert await session.post_due() == 0  # 09:30 in Paris: the 18:00 slot is hours away
    there.set_schedule(channel, PARIS)  # an admin on the other instance: 09:00
    assert await session.post_due() == 1
    assert [s.channel for s in platform.of("post")] == [channel]


async def test_a_failed_post_is_tried_again_a_minute_later_and_posted_once(
    stores: list[SqlStore],
) -> None:
    store = stores[0]
    clock = Clock(datetime(2026, 11, 24, 8, 30, tzinfo=UTC))
    platform = RecordingPlatform(fail_posts=2)  # both attempts of the first try fail
    store.set_schedule(CHANNELS[0], PARIS)
    session = daily(store, clock, platform)
    assert await session.post_due() == 0
    assert await session.post_due() == 0  # not due again yet
    clock.now += timedelta(minutes=1)
    assert await session.post_due() == 1
    assert await session.post_due() == 0
    assert len(platform.of("post")) == 1


async def test_two_instances_split_the_due_channels_and_post_each_once(
    stores: list[SqlStore],
) -> None:
    clock, platform = Clock(datetime(2026, 11, 24, 8, 30, tzinfo=UTC)), RecordingPlatform()
    due = [ChannelRef("test", "team", f"d{n}") for n in range(40)]
    for channel in due:
        stores[0].set_schedule(channel, PARIS)
    sessions = [daily(store, clock, platform) for store in stores]
    made = await asyncio.gather(*(session.post_due() for session in sessions))
    posted = [s.channel for s in platform.of("post")]
    assert sum(made) == len(posted) == 40 and set(posted) == set(due)
