"""Attempts, members' stats, streaks in local days, and the leaderboard."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.core.model import Attempt, ChannelRef, UserRef
from bot.storage.progress import streaks
from bot.storage.sql_store import SqlStore
from tests.storage.conftest import CHANNEL, Clock

ANN = UserRef("slack", "U-ann", "Ann")
BOB = UserRef("slack", "U-bob", "Bob")
CAT = UserRef("slack", "U-cat", "Cat")


def at(text: str) -> datetime:
    """A UTC instant from ``YYYY-MM-DD HH:MM``."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def answer(
    store: SqlStore,
    user: UserRef,
    when: datetime,
    score: int,
    flagged: bool = False,
    channel: ChannelRef = CHANNEL,
    day: str | None = None,
) -> int:
    """Store an attempt on the channel's post of ``day`` (claimed on demand); return the post id."""
    local_date = day or when.date().isoformat()
    post = store.post_for_date(channel, local_date) or store.claim_post(
        channel, local_date, f"item-{local_date}", 0, when, None
    )
    assert post is not None
    store.add_attempt(Attempt(post.id, user, "my answer", score, ("a",), ("b",), flagged, when))
    return post.id


def test_attempts_round_trip_oldest_first(store: SqlStore) -> None:
    post_id = answer(store, ANN, at("2026-03-10 10:00"), 70)
    store.add_attempt(
        Attempt(post_id, BOB, "ünïcode ✓", 90, ("x", "y"), (), True, at("2026-03-10 09:00"))
    )
    attempts = store.attempts_for_post(post_id)
    assert [a.user.user_id for a in attempts] == ["U-bob", "U-ann"]
    assert attempts[0] == Attempt(
        post_id, BOB, "ünïcode ✓", 90, ("x", "y"), (), True, at("2026-03-10 09:00")
    )
    assert attempts[1].covered == ("a",) and attempts[1].missed == ("b",)
    assert store.attempts_for_post(post_id + 1000) == []


def test_stats_count_each_post_once_with_its_best_unflagged_score(store: SqlStore) -> None:
    answer(store, ANN, at("2026-03-09 10:00"), 40)
    answer(store, ANN, at("2026-03-09 11:00"), 80)
    answer(store, ANN, at("2026-03-10 10:00"), 60)
    answer(store, ANN, at("2026-03-10 10:05"), 100, flagged=True)
    answer(store, BOB, at("2026-03-10 10:00"), 100)
    stats = store.user_stats(CHANNEL, ANN.user_id, "UTC")
    assert stats is not None
    assert (stats.answered, stats.points, stats.average_score) == (2, 140, 70.0)
    assert (stats.streak, stats.best_streak, stats.display_name) == (2, 2, "Ann")
    assert stats.by_topic == {}


def test_unknown_member_or_channel_has_no_stats(store: SqlStore) -> None:
    answer(store, ANN, at("2026-03-10 10:00"), 50)
    assert store.user_stats(CHANNEL, "U-nobody", "UTC") is None
    assert store.user_stats(ChannelRef("slack", "T1", "other"), ANN.user_id, "UTC") is None


def test_display_name_is_the_latest_one_used(store: SqlStore) -> None:
    answer(store, ANN, at("2026-03-09 10:00"), 50)
    answer(store, UserRef("slack", ANN.user_id, "Ann B."), at("2026-03-10 10:00"), 50)
    stats = store.user_stats(CHANNEL, ANN.user_id, "UTC")
    assert stats is not None and stats.display_name == "Ann B."


@pytest.mark.parametrize(
    ("zone", "expected"), [("Asia/Tokyo", (2, 2)), ("UTC", (1, 1))], ids=["tokyo", "utc"]
)
def test_answers_either_side_of_local_midnight_are_two_days(
    store: SqlStore, zone: str, expected: tuple[int, int]
) -> None:
    # 23:30 and 00:30 in Tokyo, both on 2026-03-09 in UTC.
    answer(store, ANN, at("2026-03-09 14:30"), 50, day="2026-03-09")
    answer(store, ANN, at("2026-03-09 15:30"), 50, day="2026-03-10")
    stats = store.user_stats(CHANNEL, ANN.user_id, zone)
    assert stats is not None and (stats.streak, stats.best_streak) == expected


@pytest.mark.parametrize(
    ("zone", "expected"), [("America/New_York", (1, 1)), ("UTC", (2, 2))], ids=["new-york", "utc"]
)
def test_answers_on_two_utc_dates_in_one_local_evening_are_one_day(
    store: SqlStore, zone: str, expected: tuple[int, int]
) -> None:
    # 19:30 and 21:30 in New York on 2026-03-09, but on two UTC dates.
    answer(store, ANN, at("2026-03-09 23:30"), 50, day="2026-03-09")
    answer(store, ANN, at("2026-03-10 01:30"), 50, day="2026-03-10")
    stats = store.user_stats(CHANNEL, ANN.user_id, zone)
    assert stats is not None and (stats.streak, stats.best_streak) == expected


def test_streak_lapses_after_a_missed_day_but_best_streak_remains(
    store: SqlStore, clock: Clock
) -> None:
    for day in ("2026-03-01", "2026-03-02", "2026-03-03", "2026-03-05", "2026-03-06"):
        answer(store, ANN, at(f"{day} 10:00"), 50)
    clock.now = at("2026-03-07 12:00")
    stats = store.user_stats(CHANNEL, ANN.user_id, "UTC")
    assert stats is not None and (stats.streak, stats.best_streak) == (2, 3)
    clock.now = at("2026-03-10 12:00")  # Monday 9 (a scheduled day) passed unanswered
    stats = store.user_stats(CHANNEL, ANN.user_id, "UTC")
    assert stats is not None and (stats.streak, stats.best_streak) == (0, 3)


def test_a_monday_to_friday_streak_survives_the_weekend(store: SqlStore, clock: Clock) -> None:
    # The default schedule is Monday to Friday: Thu 5, Fri 6, then Mon 9 and Tue 10 March.
    for day in ("2026-03-05", "2026-03-06", "2026-03-09", "2026-03-10"):
        answer(store, ANN, at(f"{day} 10:00"), 50)
    clock.now = at("2026-03-10 12:00")
    stats = store.user_stats(CHANNEL, ANN.user_id, "UTC")
    assert stats is not None and (stats.streak, stats.best_streak) == (4, 4)
    assert store.leaderboard(CHANNEL, None, 10, "UTC")[0].streak == 4


def test_a_friday_streak_is_still_alive_on_sunday_and_monday_morning(
    store: SqlStore, clock: Clock
) -> None:
    for day in ("2026-03-05", "2026-03-06"):
        answer(store, ANN, at(f"{day} 10:00"), 50)
    for now in ("2026-03-08 12:00", "2026-03-09 08:00"):
        clock.now = at(now)
        stats = store.user_stats(CHANNEL, ANN.user_id, "UTC")
        assert stats is not None and stats.streak == 2


def test_a_daily_channel_still_breaks_the_streak_on_a_missed_saturday() -> None:
    days = [date(2026, 3, 6), date(2026, 3, 8)]  # Friday, Sunday
    assert streaks(days, date(2026, 3, 8), weekdays=range(7)) == (1, 1)
    assert streaks(days, date(2026, 3, 8), weekdays=range(5)) == (2, 2)


def test_streaks_count_back_from_today_or_yesterday() -> None:
    days = [date(2026, 3, d) for d in (1, 2, 4, 5, 6)]
    assert streaks(days, date(2026, 3, 6)) == (3, 3)
    assert streaks(days, date(2026, 3, 7)) == (3, 3)
    assert streaks(days, date(2026, 3, 8)) == (0, 3)
    assert streaks([], date(2026, 3, 8)) == (0, 0)


def test_leaderboard_ranks_by_points(store: SqlStore) -> None:
    answer(store, ANN, at("2026-03-08 10:00"), 80)
    answer(store, ANN, at("2026-03-09 10:00"), 60)
    answer(store, BOB, at("2026-03-09 10:00"), 40)
    answer(store, BOB, at("2026-03-09 11:00"), 100)
    answer(store, CAT, at("2026-03-09 10:00"), 100, flagged=True)
    board = store.leaderboard(CHANNEL, None, 10, "UTC")
    assert [(s.display_name, s.points, s.answered) for s in board] == [
        ("Ann", 140, 2),
        ("Bob", 100, 1),
    ]
    assert [s.user_id for s in store.leaderboard(CHANNEL, None, 1, "UTC")] == [ANN.user_id]


def test_leaderboard_counts_only_points_since(store: SqlStore) -> None:
    answer(store, ANN, at("2026-03-08 10:00"), 80)
    answer(store, ANN, at("2026-03-09 10:00"), 60)
    answer(store, BOB, at("2026-03-09 10:00"), 70)
    board = store.leaderboard(CHANNEL, at("2026-03-09 00:00"), 10, "UTC")
    assert [(s.user_id, s.points) for s in board] == [(BOB.user_id, 70), (ANN.user_id, 60)]
    assert board[1].streak == 2  # streaks still count every answering day
    later = at("2026-03-09 10:00") + timedelta(seconds=1)
    assert store.leaderboard(CHANNEL, later, 10, "UTC") == []


def test_leaderboard_keeps_channels_apart(store: SqlStore) -> None:
    answer(store, ANN, at("2026-03-09 10:00"), 60)
    answer(store, BOB, at("2026-03-09 10:00"), 70, channel=ChannelRef("slack", "T1", "C2"))
    assert [s.user_id for s in store.leaderboard(CHANNEL, None, 10, "UTC")] == [ANN.user_id]
    assert store.leaderboard(ChannelRef("slack", "T9", "C9"), None, 10, "UTC") == []
