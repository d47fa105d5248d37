"""Channels, schedules, claimed posts and reveals, on every backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.model import ChannelRef, MessageRef, Post, Schedule
from bot.storage.sql_store import SqlStore
from tests.storage.conftest import CHANNEL

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
OTHER = ChannelRef("discord", "G1", "C9")


def claim(
    store: SqlStore,
    date: str = "2026-03-10",
    channel: ChannelRef = CHANNEL,
    item_id: str = "item-1",
    cycle: int = 0,
    now: datetime = NOW,
    reveal_due_at: datetime | None = None,
) -> Post | None:
    """Claim a post with sensible defaults."""
    return store.claim_post(channel, date, item_id, cycle, now, reveal_due_at)


def test_new_channel_gets_the_default_schedule(store: SqlStore) -> None:
    assert store.get_schedule(CHANNEL) is None
    assert store.ensure_channel(CHANNEL) == Schedule()
    assert store.get_schedule(CHANNEL) == Schedule()
    assert store.list_channels() == [(CHANNEL, Schedule())]


def test_schedule_round_trips(store: SqlStore) -> None:
    schedule = Schedule(
        hour=7,
        minute=45,
        timezone="America/New_York",
        weekdays=(0, 2, 6),
        reveal_after_minutes=90,
        topics=("retrieval", "fine-tuning"),
        difficulty="hard",
        paused=True,
    )
    store.set_schedule(CHANNEL, schedule)
    assert store.get_schedule(CHANNEL) == schedule
    assert store.ensure_channel(CHANNEL) == schedule


def test_schedule_with_no_weekdays_round_trips(store: SqlStore) -> None:
    store.set_schedule(CHANNEL, Schedule(weekdays=()))
    assert store.get_schedule(CHANNEL) == Schedule(weekdays=())


def test_channels_are_told_apart_by_platform_workspace_and_channel(store: SqlStore) -> None:
    store.set_schedule(CHANNEL, Schedule(hour=6))
    store.set_schedule(ChannelRef("slack", "T2", "C1"), Schedule(hour=7))
    store.set_schedule(OTHER, Schedule(hour=8))
    hours = {ref: schedule.hour for ref, schedule in store.list_channels()}
    assert hours == {CHANNEL: 6, ChannelRef("slack", "T2", "C1"): 7, OTHER: 8}


def test_post_is_claimed_once_per_channel_and_date(store: SqlStore) -> None:
    first = claim(store)
    assert first is not None
    assert first.channel == CHANNEL and first.local_date == "2026-03-10"
    assert first.created_at == NOW and first.message is None
    assert claim(store, item_id="item-2") is None
    assert claim(store, "2026-03-11") is not None
    assert claim(store, channel=OTHER) is not None
    assert store.post_for_date(CHANNEL, "2026-03-10") == first


def test_released_claim_can_be_claimed_again(store: SqlStore) -> None:
    first = claim(store)
    assert first is not None
    store.release_post(first.id)
    assert store.get_post(first.id) is None
    again = claim(store, item_id="item-2")
    assert again is not None and again.item_id == "item-2"


def test_posted_message_is_found_by_thread_or_message_id(store: SqlStore) -> None:
    post = claim(store)
    assert post is not None
    store.set_post_message(post.id, MessageRef(CHANNEL, "m-1", "t-1"))
    found = store.post_by_thread(CHANNEL, "t-1")
    assert found is not None and found.message == MessageRef(CHANNEL, "m-1", "t-1")
    assert store.post_by_thread(CHANNEL, "m-1") == found
    assert store.post_by_thread(OTHER, "t-1") is None
    assert store.post_by_thread(CHANNEL, "nope") is None


def test_latest_recent_and_cycle_posts(store: SqlStore) -> None:
    for day, cycle in (("2026-03-08", 0), ("2026-03-10", 1), ("2026-03-09", 1)):
        claim(store, day, item_id=f"item-{day}", cycle=cycle)
    latest = store.latest_post(CHANNEL)
    assert latest is not None and latest.local_date == "2026-03-10"
    assert [p.local_date for p in store.recent_posts(CHANNEL, 2)] == ["2026-03-10", "2026-03-09"]
    assert [p.local_date for p in store.posts_in_cycle(CHANNEL, 1)] == ["2026-03-10", "2026-03-09"]
    assert store.latest_post(OTHER) is None


def test_only_posted_unrevealed_unskipped_due_posts_are_due(store: SqlStore) -> None:
    due = NOW + timedelta(hours=8)
    posted = claim(store, "2026-03-01", reveal_due_at=due)
    unposted = claim(store, "2026-03-02", reveal_due_at=due)
    skipped = claim(store, "2026-03-03", reveal_due_at=due)
    later = claim(store, "2026-03-04", reveal_due_at=due + timedelta(hours=1))
    revealed = claim(store, "2026-03-05", reveal_due_at=due)
    for post in (posted, skipped, later, revealed):
        assert post is not None
        store.set_post_message(post.id, MessageRef(CHANNEL, f"m{post.id}", f"t{post.id}"))
    assert skipped is not None and revealed is not None and unposted is not None
    store.mark_skipped(skipped.id)
    store.mark_revealed(revealed.id, NOW)
    assert [p.local_date for p in store.posts_due_for_reveal(due)] == ["2026-03-01"]
    assert store.posts_due_for_reveal(due - timedelta(seconds=1)) == []
    assert len(store.posts_due_for_reveal(due + timedelta(hours=2))) == 2


def test_post_is_revealed_only_once(store: SqlStore) -> None:
    post = claim(store)
    assert post is not None
    assert store.mark_revealed(post.id, NOW) is True
    assert store.mark_revealed(post.id, NOW + timedelta(minutes=1)) is False
    stored = store.get_post(post.id)
    assert stored is not None and stored.revealed_at == NOW


def test_timestamps_come_back_as_utc_aware(store: SqlStore) -> None:
    local = datetime(2026, 3, 10, 10, 30, tzinfo=UTC).astimezone()
    post = claim(store, now=local, reveal_due_at=datetime(2026, 3, 10, 18, 0))
    assert post is not None
    stored = store.get_post(post.id)
    assert stored is not None
    assert stored.created_at == local and stored.created_at.utcoffset() == timedelta(0)
    assert stored.reveal_due_at == datetime(2026, 3, 10, 18, 0, tzinfo=UTC)
