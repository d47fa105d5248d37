"""Schedules: parsing what admins type, due dates in local time, and DST behaviour."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.model import Schedule
from bot.core.schedules import (
    ScheduleError,
    apply_settings,
    due_local_date,
    next_slot,
    parse_time,
    parse_weekdays,
)

TOPICS = {"quantization", "decoding"}


def test_schedule_command_sets_time_zone_and_days() -> None:
    updated = apply_settings(Schedule(), "09:30 Europe/Paris mon,wed,fri reveal=6h", TOPICS)
    assert (updated.hour, updated.minute, updated.timezone) == (9, 30, "Europe/Paris")
    assert updated.weekdays == (0, 2, 4)
    assert updated.reveal_after_minutes == 360


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ("tz=Mars/Olympus", "not an IANA timezone"),
        ("Europe/Pariss", "not an IANA timezone"),
        ("time=25:00", "not a valid time"),
        ("days=funday", "not a list of weekdays"),
        ("reveal=forever", "not a duration"),
        ("topics=astrology", "Unknown topic"),
        ("difficulty=extreme", "Difficulty must be"),
        ("colour=blue", "Unknown setting"),
        ("banana", "I don't understand"),
    ],
)
def test_bad_schedule_input_gets_a_clear_error(args: str, message: str) -> None:
    with pytest.raises(ScheduleError, match=message):
        apply_settings(Schedule(), args, TOPICS)


def test_timezone_typo_suggests_the_real_zone() -> None:
    with pytest.raises(ScheduleError, match="Europe/Paris"):
        apply_settings(Schedule(), "tz=Paris", TOPICS)


def test_time_formats() -> None:
    assert parse_time("9am") == (9, 0)
    assert parse_time("6:15pm") == (18, 15)
    assert parse_time("12am") == (0, 0)
    assert parse_weekdays("fri-mon") == (0, 4, 5, 6)
    assert parse_weekdays("weekdays") == (0, 1, 2, 3, 4)


def test_slot_is_due_in_the_channel_timezone_not_utc() -> None:
    schedule = Schedule(hour=9, minute=0, timezone="Asia/Tokyo", weekdays=tuple(range(7)))
    # 23:30 UTC on the 1st is 08:30 on the 2nd in Tokyo: not yet due.
    assert due_local_date(schedule, datetime(2026, 3, 1, 23, 30, tzinfo=UTC)) is None
    due = due_local_date(schedule, datetime(2026, 3, 2, 0, 5, tzinfo=UTC))
    assert due is not None and due.isoformat() == "2026-03-02"


def test_weekend_and_paused_slots_are_not_due() -> None:
    saturday_noon = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    assert due_local_date(Schedule(), saturday_noon) is None
    assert due_local_date(Schedule(weekdays=(5,), paused=True), saturday_noon) is None


def _fires(schedule: Schedule, start: datetime, days: int) -> list[datetime]:
    """The slots the poster looks at: each next slot after the previous day was posted."""
    fires: list[datetime] = []
    posted = None
    while (fire := next_slot(schedule, start, posted)) and fire < start + timedelta(days=days):
        fires.append(fire)
        posted = fire.astimezone(ZoneInfo(schedule.timezone)).date()
    return fires


@pytest.mark.parametrize("when", ["spring", "autumn"])
def test_dst_change_neither_skips_nor_repeats_a_day(when: str) -> None:
    tz = ZoneInfo("America/New_York")
    schedule = Schedule(hour=2, minute=30, timezone="America/New_York", weekdays=tuple(range(7)))
    start = (
        datetime(2026, 3, 6, tzinfo=tz) if when == "spring" else datetime(2026, 10, 30, tzinfo=tz)
    )
    fires = _fires(schedule, start, 5)
    local_days = [f.astimezone(tz).date() for f in fires]
    # One slot per local day, the day whose 02:30 does not exist or happens twice included.
    assert local_days == sorted(set(local_days)) and len(local_days) == 5
    minute = timedelta(minutes=1)
    due_days = set()
    for hour in range(5 * 24 * 60 // 15):
        now = start.astimezone(UTC) + hour * 15 * minute
        day = due_local_date(schedule, now)
        if day:
            due_days.add(day)
    expected = {(start + timedelta(days=d)).date() for d in range(5)}
    assert due_days == expected
