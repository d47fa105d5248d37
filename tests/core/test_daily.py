"""Daily sessions on SQLite and PostgreSQL: once per local date, catch-up, reveals, skip,
takeover of abandoned claims, retries and pauses on platform faults."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.daily import DailySession, RetryPolicy
from bot.core.model import Attempt, ChannelRef, MessageRef, Reply, Schedule, UserRef
from bot.core.ports import PlatformError
from bot.storage.sql_store import SqlStore
from tests.core.items import small_bank
from tests.dbfixtures import database_url, postgres, postgres_url  # noqa: F401
from tests.fakes.platform import RecordingPlatform

CHANNEL = ChannelRef("test", "team", "general")
PARIS = Schedule(hour=9, minute=0, timezone="Europe/Paris", weekdays=tuple(range(7)))


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: datetime(2026, 11, 24, 7, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now


NO_WAIT = RetryPolicy(attempts=3, base_seconds=0.0)
_opened: list[SqlStore] = []


@pytest.fixture
def db_url(database_url: str) -> Iterator[str]:  # noqa: F811
    """An empty database on each backend; stores opened by ``session`` are closed after."""
    yield database_url
    while _opened:
        _opened.pop().close()


def session(
    url: str,
    clock: Clock,
    platform: object,
    *,
    instance: str = "",
    retry: RetryPolicy = NO_WAIT,
) -> DailySession:
    store = SqlStore(url, instance=instance)
    _opened.append(store)
    store.set_schedule(CHANNEL, PARIS)
    return DailySession(small_bank(12), store, platform, clock, retry=retry)  # type: ignore[arg-type]


async def test_slot_posts_once_per_local_date_however_often_it_fires(db_url: str) -> None:
    clock, platform = Clock(), RecordingPlatform()
    daily = session(db_url, clock, platform)
    assert await daily.post_if_due(CHANNEL) is None  # 08:00 in Paris: not yet
    clock.now = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)  # 09:00 in Paris
    first = await daily.post_if_due(CHANNEL)
    again = await daily.post_if_due(CHANNEL)
    assert first is not None and again is None
    assert len(platform.of("post")) == 1
    posted = platform.of("post")[0].reply
    assert posted is not None and posted.fields[0].name == "Topic"


async def test_restart_catches_up_a_missed_post_once_and_never_double_posts(db_url: str) -> None:
    clock, platform = Clock(datetime(2026, 11, 24, 15, 0, tzinfo=UTC)), RecordingPlatform()
    # The bot was down at 09:00; it starts at 16:00 Paris time on the same day.
    assert await session(db_url, clock, platform).catch_up() == 1
    # A second restart the same day posts nothing more.
    assert await session(db_url, clock, platform).catch_up() == 0
    assert len(platform.of("post")) == 1
    # Next day after the slot: exactly one more.
    clock.now += timedelta(days=1)
    assert await session(db_url, clock, platform).catch_up() == 1
    assert len(platform.of("post")) == 2


async def test_missed_post_of_an_earlier_day_is_not_made_late(db_url: str) -> None:
    clock, platform = Clock(datetime(2026, 11, 25, 6, 0, tzinfo=UTC)), RecordingPlatform()
    # Down all of the 24th; at 07:00 Paris on the 25th today's slot (09:00) is not due yet.
    assert await session(db_url, clock, platform).catch_up() == 0
    assert platform.of("post") == []


async def test_transient_post_failure_is_retried_and_posts_once(db_url: str) -> None:
    clock, platform = (
        Clock(datetime(2026, 11, 24, 8, 30, tzinfo=UTC)),
        RecordingPlatform(fail_posts=2),
    )
    daily = session(db_url, clock, platform)
    post = await daily.post_if_due(CHANNEL)
    assert post is not None and post.message is not None
    assert len(platform.of("post")) == 1


async def test_failed_post_releases_the_claim_so_the_next_tick_retries(db_url: str) -> None:
    clock, platform = (
        Clock(datetime(2026, 11, 24, 8, 30, tzinfo=UTC)),
        RecordingPlatform(fail_posts=3),  # every one of the three attempts fails
    )
    daily = session(db_url, clock, platform)
    with pytest.raises(ConnectionError):
        await daily.post_if_due(CHANNEL)
    assert await daily.post_if_due(CHANNEL) is not None
    assert len(platform.of("post")) == 1


async def test_claim_of_a_dead_instance_is_taken_over_after_the_timeout(db_url: str) -> None:
    clock, platform = Clock(datetime(2026, 11, 24, 8, 30, tzinfo=UTC)), RecordingPlatform()
    dead = session(db_url, clock, platform, instance="host-a:1")
    # Instance A claimed today's slot and died before the platform answered.
    claim = dead._store.claim_post(CHANNEL, "2026-11-24", "item-00", 0, clock.now, None)
    assert claim is not None
    survivor = session(db_url, clock, platform, instance="host-b:2")
    clock.now += timedelta(minutes=4)
    assert await survivor.post_if_due(CHANNEL) is None  # A might still be posting
    clock.now += timedelta(minutes=2)
    post = await survivor.post_if_due(CHANNEL)
    assert post is not None and post.id == claim.id and post.message is not None
    assert await survivor.post_if_due(CHANNEL) is None
    assert await dead.post_if_due(CHANNEL) is None
    assert len(platform.of("post")) == 1


class Killed(BaseException):
    """Stands for SIGKILL: nothing after it runs, no clean-up either."""


def _killed(*args: object) -> None:
    raise Killed


async def test_a_takeover_records_the_post_a_dead_instance_made_and_posts_nothing(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock, platform = Clock(datetime(2026, 11, 24, 8, 30, tzinfo=UTC)), RecordingPlatform()
    dead = session(db_url, clock, platform, instance="host-a:1")
    # Instance A posted; the platform accepted; A died before the message id was committed.
    monkeypatch.setattr(dead._store, "set_post_message", _killed)
    with pytest.raises(Killed):
        await dead.post_if_due(CHANNEL)
    [accepted] = platform.of("post")
    claim = dead._store.post_for_date(CHANNEL, "2026-11-24")
    assert claim is not None and claim.message is None
    survivor = session(db_url, clock, platform, instance="host-b:2")
    clock.now += timedelta(minutes=6)
    post = await survivor.post_if_due(CHANNEL)
    assert post is not None and post.id == claim.id
    assert post.message == accepted.target and post.item_id == claim.item_id
    assert platform.of("post") == [accepted]  # members saw the question once
    assert platform.finds == [accepted.key]
    assert await survivor.current_post(CHANNEL) == post


async def test_a_takeover_finding_nothing_on_the_platform_posts_the_claimed_question_once(
    db_url: str,
) -> None:
    clock, platform = Clock(datetime(2026, 11, 24, 8, 30, tzinfo=UTC)), RecordingPlatform()
    dead = session(db_url, clock, platform, instance="host-a:1")
    # A died after claiming, before the platform received anything.
    claim = dead._store.claim_post(CHANNEL, "2026-11-24", "item-07", 0, clock.now, None)
    assert claim is not None
    survivor = session(db_url, clock, platform, instance="host-b:2")
    clock.now += timedelta(minutes=6)
    post = await survivor.post_if_due(CHANNEL)
    assert post is not None and post.id == claim.id and post.item_id == "item-07"
    [posted] = platform.of("post")
    assert platform.finds == [posted.key] and post.message == posted.target
    assert posted.reply is not None and posted.reply.text == "What is item 07?"


@dataclass
class BlindPlatform(RecordingPlatform):
    """The history lookup fails ``fail_finds`` times (transiently), then works."""

    fail_finds: int = 0

    async def find_question(
        self, channel: ChannelRef, key: str, since: datetime
    ) -> MessageRef | None:
        if self.fail_finds:
            self.fail_finds -= 1
            raise PlatformError("history unavailable")
        return await super().find_question(channel, key, since)


async def test_a_takeover_that_cannot_look_keeps_the_claim_and_looks_again_later(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock, platform = Clock(datetime(2026, 11, 24, 8, 30, tzinfo=UTC)), BlindPlatform()
    dead = session(db_url, clock, platform, instance="host-a:1")
    monkeypatch.setattr(dead._store, "set_post_message", _killed)
    with pytest.raises(Killed):
        await dead.post_if_due(CHANNEL)
    [accepted] = platform.of("post")
    survivor = session(db_url, clock, platform, instance="host-b:2")
    clock.now += timedelta(minutes=6)
    platform.fail_finds = NO_WAIT.attempts + 1  # every look of this takeover fails
    with pytest.raises(PlatformError):
        await survivor.post_if_due(CHANNEL)
    # Released, the claim would be posted again under a new key by the next tick.
    kept = survivor._store.post_for_date(CHANNEL, "2026-11-24")
    assert kept is not None and kept.message is None
    assert await survivor.post_if_due(CHANNEL) is None
    clock.now += timedelta(minutes=6)
    post = await survivor.post_if_due(CHANNEL)
    assert post is not None and post.message == accepted.target
    assert platform.of("post") == [accepted]


@dataclass
class AcceptingPlatform(RecordingPlatform):
    """Takes the next ``accept_and_fail`` posts, then answers them with an error anyway."""

    accept_and_fail: int = 0

    async def post_question(self, channel: ChannelRef, reply: Reply, *, key: str) -> MessageRef:
        ref = await super().post_question(channel, reply, key=key)
        if self.accept_and_fail:
            self.accept_and_fail -= 1
            raise PlatformError("HTTP 503")
        return ref


async def test_a_post_accepted_but_answered_with_an_error_is_found_not_sent_again(
    db_url: str,
) -> None:
    clock = Clock(datetime(2026, 11, 24, 8, 30, tzinfo=UTC))
    platform = AcceptingPlatform(accept_and_fail=5)
    post = await session(db_url, clock, platform).post_if_due(CHANNEL)
    [accepted] = platform.of("post")
    assert post is not None and post.message == accepted.target
    assert platform.finds == [accepted.key]  # looked up before the first re-send


async def test_a_fresh_claim_posts_without_looking_on_the_platform(db_url: str) -> None:
    clock, platform = Clock(datetime(2026, 11, 24, 8, 30, tzinfo=UTC)), RecordingPlatform()
    daily = session(db_url, clock, platform)
    post = await daily.post_if_due(CHANNEL)
    second = await daily.skip(CHANNEL)
    assert post is not None and second is not None and platform.finds == []
    keys = [s.key for s in platform.of("post")]
    assert len(keys) == 2 and len(set(keys)) == 2  # each claim's post has its own key


async def test_racing_takeovers_of_one_abandoned_claim_post_once(db_url: str) -> None:
    clock, platform = Clock(datetime(2026, 11, 24, 8, 30, tzinfo=UTC)), RecordingPlatform()
    first = session(db_url, clock, platform, instance="host-a:1")
    first._store.claim_post(CHANNEL, "2026-11-24", "item-00", 0, clock.now, None)
    clock.now += timedelta(minutes=10)
    racers = [session(db_url, clock, platform, instance=f"host-{n}:1") for n in "bcd"]
    results = await asyncio.gather(*(r.post_if_due(CHANNEL) for r in racers))
    assert sum(r is not None for r in results) == 1
    assert len(platform.of("post")) == 1


class GonePlatform(RecordingPlatform):
    """The bot was removed from one channel; the others work."""

    gone: ChannelRef | None = None

    async def post_question(self, channel: ChannelRef, reply: Reply, *, key: str) -> MessageRef:
        if channel == self.gone:
            raise PlatformError("channel_not_found", permanent=True)
        return await super().post_question(channel, reply, key=key)


async def test_permanent_error_pauses_the_channel_and_leaves_one_notice(db_url: str) -> None:
    clock, platform = Clock(datetime(2026, 11, 24, 8, 30, tzinfo=UTC)), GonePlatform()
    platform.gone = CHANNEL
    daily = session(db_url, clock, platform)
    paused: list[ChannelRef] = []
    daily.on_pause = lambda channel, schedule: paused.append(channel)
    with pytest.raises(PlatformError):
        await daily.post_if_due(CHANNEL)
    schedule = daily._store.get_schedule(CHANNEL)
    assert schedule is not None and schedule.paused and paused == [CHANNEL]
    [notice] = daily._store.take_notices(CHANNEL)
    assert "channel_not_found" in notice and "/schedule resume" in notice
    assert daily._store.take_notices(CHANNEL) == []
    assert await daily.post_if_due(CHANNEL) is None  # paused: no further attempts
    assert daily._store.post_for_date(CHANNEL, "2026-11-24") is None


@dataclass
class SlowPlatform(RecordingPlatform):
    """Posting in one channel keeps failing transiently (with real backoff sleeps)."""

    slow: ChannelRef | None = None
    events: list[str] = field(default_factory=list)

    async def post_question(self, channel: ChannelRef, reply: Reply, *, key: str) -> MessageRef:
        if channel == self.slow:
            self.events.append("failed attempt")
            raise PlatformError("rate_limited", retry_after=1.0)
        ref = await super().post_question(channel, reply, key=key)
        self.events.append("posted")
        return ref


async def test_a_failing_channel_does_not_delay_the_others_in_catch_up(db_url: str) -> None:
    clock, platform = Clock(datetime(2026, 11, 24, 8, 30, tzinfo=UTC)), SlowPlatform()
    daily = session(db_url, clock, platform, retry=RetryPolicy(attempts=3, base_seconds=0.0))
    others = [ChannelRef("test", "team", f"c{n}") for n in range(5)]
    for channel in others:
        daily._store.set_schedule(channel, PARIS)
    platform.slow = CHANNEL
    assert await daily.catch_up() == 5
    assert {s.channel for s in platform.of("post")} == set(others)
    # Every other channel was posted before the failing one made its second attempt (it waits
    # out a one-second Retry-After between attempts), i.e. nobody queued behind it.
    second_attempt = [i for i, e in enumerate(platform.events) if e == "failed attempt"][1]
    assert platform.events[:second_attempt].count("posted") == 5
    assert platform.events.count("failed attempt") == 3
    assert daily._store.post_for_date(CHANNEL, "2026-11-24") is None  # released for later


async def test_answer_is_revealed_at_the_configured_time_once_with_a_wrap_up(db_url: str) -> None:
    clock, platform = Clock(datetime(2026, 11, 24, 8, 0, tzinfo=UTC)), RecordingPlatform()
    daily = session(db_url, clock, platform)
    post = await daily.post_if_due(CHANNEL)
    assert post is not None
    item = daily.item(post.item_id)
    assert item is not None
    daily._store.add_attempt(
        Attempt(
            post.id,
            UserRef("test", "u1", "Ada"),
            "an answer",
            67,
            item.key_points[:2],
            item.key_points[2:],
            False,
            clock.now,
        )
    )
    clock.now += timedelta(hours=7, minutes=59)
    assert await daily.reveal_due() == 0
    clock.now += timedelta(minutes=2)
    assert await daily.reveal_due() == 1
    assert await daily.reveal_due() == 0
    [reveal] = platform.of("thread")
    assert reveal.reply is not None
    assert item.answer in reveal.reply.text
    assert "1 member answered, average score 67/100" in reveal.reply.text
    assert f"Key points nobody covered: {item.key_points[2]}" in reveal.reply.text


async def test_skip_replaces_todays_question_and_counts_the_skipped_one_as_used(
    db_url: str,
) -> None:
    clock, platform = Clock(datetime(2026, 11, 24, 8, 0, tzinfo=UTC)), RecordingPlatform()
    daily = session(db_url, clock, platform)
    first = await daily.post_if_due(CHANNEL)
    second = await daily.skip(CHANNEL)
    assert first is not None and second is not None and second.item_id != first.item_id
    current = await daily.current_post(CHANNEL)
    assert current is not None and current.id == second.id
    assert await daily.post_if_due(CHANNEL) is None
    assert len(platform.of("post")) == 2


async def test_today_waits_for_a_claim_in_progress_and_takes_over_an_abandoned_one(
    db_url: str,
) -> None:
    clock, platform = Clock(datetime(2026, 11, 24, 8, 30, tzinfo=UTC)), RecordingPlatform()
    other = session(db_url, clock, platform, instance="host-a:1")
    other._store.claim_post(CHANNEL, "2026-11-24", "item-00", 0, clock.now, None)
    daily = session(db_url, clock, platform, instance="host-b:2")
    assert await daily.post_today(CHANNEL) == (None, False)  # being posted elsewhere
    clock.now += timedelta(minutes=6)
    post, fresh = await daily.post_today(CHANNEL)
    assert post is not None and fresh and post.message is not None
    assert len(platform.of("post")) == 1
