"""Daily sessions against a real SQLite store: once per local date, catch-up, reveals, skip."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.daily import DailySession
from bot.core.model import Attempt, ChannelRef, Schedule, UserRef
from bot.storage.sql_store import SqlStore
from tests.core.items import small_bank
from tests.fakes.platform import RecordingPlatform

CHANNEL = ChannelRef("test", "team", "general")
PARIS = Schedule(hour=9, minute=0, timezone="Europe/Paris", weekdays=tuple(range(7)))


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: datetime(2026, 11, 24, 7, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'qotd.db'}"


def session(url: str, clock: Clock, platform: RecordingPlatform) -> DailySession:
    store = SqlStore(url)
    store.set_schedule(CHANNEL, PARIS)
    return DailySession(small_bank(12), store, platform, clock)


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


async def test_failed_post_releases_the_claim_so_the_next_tick_retries(db_url: str) -> None:
    clock, platform = (
        Clock(datetime(2026, 11, 24, 8, 30, tzinfo=UTC)),
        RecordingPlatform(fail_posts=1),
    )
    daily = session(db_url, clock, platform)
    with pytest.raises(ConnectionError):
        await daily.post_if_due(CHANNEL)
    assert await daily.post_if_due(CHANNEL) is not None
    assert len(platform.of("post")) == 1


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
