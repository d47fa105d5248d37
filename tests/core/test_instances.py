"""Instances that know of each other (heartbeats in the database, several stores on one
database): the post rate is split between the live instances of a platform as they come and
go, and a dead Discord shard's due work is taken over by the live instances, then given back."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.instances import FORGET, Presence, orphaned_shards
from bot.core.model import ChannelRef, Instance, Schedule, Scope, shard_of
from bot.core.pacing import Pacer
from bot.core.service import QotdService
from bot.storage.sql_store import SqlStore
from tests.core.items import small_bank
from tests.core.test_daily import Clock
from tests.dbfixtures import database_url, postgres, postgres_url  # noqa: F401
from tests.fakes.platform import RecordingPlatform
from tests.reliability.botproc import FakeGrader, FakeSearcher

BEAT = timedelta(seconds=10)
NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
DISCORD = Scope("discord")
GUILDS = {shard: str((shard + 6) << 22) for shard in range(2)}  # a guild on each of 2 shards
DAILY = Schedule(hour=9, weekdays=tuple(range(7)))


@pytest.fixture
def open_store(database_url: str) -> Iterator[Callable[[str], SqlStore]]:  # noqa: F811
    """Opens stores on one database, each an instance of its own name."""
    opened: list[SqlStore] = []

    def factory(name: str) -> SqlStore:
        opened.append(SqlStore(database_url, instance=name))
        return opened[-1]

    yield factory
    for store in opened:
        store.close()


class Errors:
    """Metrics that keep the error kinds."""

    def __init__(self) -> None:
        self.kinds: list[str] = []

    def post_made(self) -> None: ...

    def attempt_graded(self) -> None: ...

    def explain_seconds(self, seconds: float) -> None: ...

    def error(self, kind: str) -> None:
        self.kinds.append(kind)


def presence(store: SqlStore, clock: Clock, rate: float = 90.0) -> Presence:
    return Presence(store, Pacer(rate), clock, rate=rate, interval=BEAT)


async def test_the_post_rate_is_split_between_the_live_instances_as_they_come_and_go(
    open_store: Callable[[str], SqlStore],
) -> None:
    clock = Clock(NOW)
    a, b, c = (presence(open_store(name), clock) for name in "abc")
    slack = presence(open_store("slack-1"), clock)
    assert await a.beat(DISCORD) == 1 and a._pacer.rate == 90  # alone: the whole rate
    assert await b.beat(DISCORD) == 2 and b._pacer.rate == 45
    assert await a.beat(DISCORD) == 2 and a._pacer.rate == 45
    await c.beat(DISCORD)
    await slack.beat(Scope("slack"))  # another platform's limits are not shared
    assert await a.beat(DISCORD) == 3 and a._pacer.rate == 30
    c.leave()  # a clean stop: its share is taken at the next beat
    assert await a.beat(DISCORD) == 2 and a._pacer.rate == 45
    clock.now += BEAT * 4 - timedelta(seconds=1)  # b silent for almost 4 beats: still alive
    assert await a.beat(DISCORD) == 2
    clock.now += timedelta(seconds=2)  # b missed 4 beats: dead, its share is a's again
    assert await a.beat(DISCORD) == 1 and a._pacer.rate == 90
    assert await b.beat(DISCORD) == 2 and b._pacer.rate == 45  # b is back


def test_heartbeats_keep_the_start_and_forget_long_dead_instances(
    open_store: Callable[[str], SqlStore],
) -> None:
    a, b = open_store("a"), open_store("b")
    scope = Scope("discord", 4, (1, 3))
    a.beat(scope, NOW, NOW - FORGET)
    a.beat(scope, NOW + BEAT, NOW + BEAT - FORGET)
    [seen] = b.instances("discord")
    assert seen == Instance("a", scope, NOW, NOW + BEAT)
    assert b.instances("slack") == []
    later = NOW + FORGET + BEAT * 2
    b.beat(Scope("discord", 4, (0, 2)), later, later - FORGET)
    assert [i.name for i in a.instances("discord")] == ["b"]  # a's row is gone


def test_orphaned_shards_are_those_no_live_instance_of_the_shard_count_runs() -> None:
    def instance(scope: Scope) -> Instance:
        return Instance("x", scope, NOW, NOW)

    home = Scope("discord", 4, (0,))
    live = [instance(home), instance(Scope("discord", 4, (1, 2)))]
    assert orphaned_shards(home, live) == (3,)
    # another shard count numbers guilds differently; another platform has its own shards
    assert orphaned_shards(home, [*live, instance(Scope("discord", 8, (3,)))]) == (3,)
    assert orphaned_shards(home, [*live, instance(Scope("slack", 4, (3,)))]) == (3,)
    assert orphaned_shards(home, [*live, instance(Scope("discord", 4))]) == ()  # runs all 4
    assert orphaned_shards(Scope("discord"), []) == ()  # unsharded: nothing to take over


def service(store: SqlStore, platform: RecordingPlatform, clock: Clock, shard: int) -> QotdService:
    return QotdService(
        small_bank(12),
        store,
        platform,
        FakeSearcher(),
        FakeGrader(),  # type: ignore[arg-type]
        clock=clock,
        scope=Scope("discord", 2, (shard,)),
        heartbeat=BEAT,
        metrics=Errors(),
    )


async def test_a_dead_shards_due_posts_are_taken_over_and_given_back_posted_once(
    open_store: Callable[[str], SqlStore],
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock, platform = Clock(NOW), RecordingPlatform()
    first = service(open_store("discord-1"), platform, clock, 0)
    second = service(open_store("discord-2"), platform, clock, 1)
    channels = {
        shard: [ChannelRef("discord", guild, f"{shard}{n}") for n in range(3)]
        for shard, guild in GUILDS.items()
    }
    for ref in [*channels[0], *channels[1]]:
        assert shard_of(ref.workspace, 2) == int(ref.channel[0])
        first.store.set_schedule(ref, DAILY)
    await second.run_heartbeat()
    await first.run_heartbeat()
    # Both alive: the first posts in its shard's guilds only.
    assert await first.run_posts() == 3
    assert {s.channel for s in platform.of("post")} == set(channels[0])
    # The second instance stops beating: after 4 beats the first takes its shard over.
    clock.now += BEAT * 4 + timedelta(seconds=1)
    with caplog.at_level(logging.WARNING, "bot.core.instances"):
        await first.run_heartbeat()
    assert first.serving == Scope("discord", 2, (0, 1))
    assert "shards 1 (last seen 09:30:00) have no live instance" in caplog.text
    assert "orphaned_shards" in first.metrics.kinds  # type: ignore[attr-defined]
    assert await first.run_posts() == 3
    assert {s.channel for s in platform.of("post")} == {*channels[0], *channels[1]}
    # The second is back: the first gives its shard back, and nothing is posted twice.
    await second.run_heartbeat()
    await first.run_heartbeat()
    assert first.serving == Scope("discord", 2, (0,))
    assert await second.run_posts() == 0
    assert len(platform.of("post")) == 6
