"""APScheduler wiring: a few ticks whatever the channel count, started once; next slots."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

from bot.core.model import Schedule
from bot.core.schedules import next_monday_slot, next_slot
from bot.scheduling import JOBS, MISFIRE_GRACE_SECONDS, DailyScheduler


class FakeService:
    presence = SimpleNamespace(interval=timedelta(seconds=10))

    def __init__(self) -> None:
        self.left = False

    async def run_heartbeat(self) -> int:
        return 1

    def leave(self) -> None:
        self.left = True

    async def run_posts(self) -> int:
        return 0

    async def run_reveals(self) -> int:
        return 0

    async def run_learning(self) -> int:
        return 0


async def test_starting_twice_registers_the_ticks_once_and_no_job_per_channel() -> None:
    service = FakeService()
    scheduler = DailyScheduler(service)  # type: ignore[arg-type]
    scheduler.start()
    scheduler.start()  # e.g. a platform reconnect
    try:
        jobs = scheduler._scheduler.get_jobs()
        assert sorted(j.id for j in jobs) == sorted(JOBS)
        posts = scheduler._scheduler.get_job("posts")
        assert posts.coalesce is True and posts.max_instances == 1
        assert posts.misfire_grace_time == MISFIRE_GRACE_SECONDS
        # the heartbeat beats at once (the first posts go at this instance's share), then every 10 s
        heartbeat = scheduler._scheduler.get_job("heartbeat")
        assert heartbeat.trigger.interval == timedelta(seconds=10)
        assert heartbeat.next_run_time < posts.next_run_time
    finally:
        scheduler.shutdown()
    assert service.left  # a clean stop leaves the heartbeats: the others take its share


async def test_a_schedule_change_brings_the_posting_tick_forward() -> None:
    scheduler = DailyScheduler(FakeService(), tick_seconds=3600)  # type: ignore[arg-type]
    scheduler.start()
    try:
        before = scheduler._scheduler.get_job("posts").next_run_time
        scheduler.update(None, Schedule(hour=7))  # type: ignore[arg-type]
        assert scheduler._scheduler.get_job("posts").next_run_time < before
    finally:
        scheduler.shutdown()


WEEKDAYS = Schedule(hour=9, minute=30, timezone="Europe/Paris")


def test_next_slot_is_todays_even_when_its_time_has_passed_until_it_is_posted() -> None:
    tuesday_noon = datetime(2026, 11, 24, 11, 0, tzinfo=UTC)
    assert next_slot(WEEKDAYS, tuesday_noon) == datetime(2026, 11, 24, 8, 30, tzinfo=UTC)
    after = next_slot(WEEKDAYS, tuesday_noon, after=date(2026, 11, 24))
    assert after == datetime(2026, 11, 25, 8, 30, tzinfo=UTC)


def test_next_slot_skips_days_off_and_follows_daylight_saving() -> None:
    friday_posted = datetime(2026, 3, 27, 12, 0, tzinfo=UTC)
    # Saturday and Sunday are off; on Monday 30 March Paris is on summer time (UTC+2).
    monday = next_slot(WEEKDAYS, friday_posted, after=date(2026, 3, 27))
    assert monday == datetime(2026, 3, 30, 7, 30, tzinfo=UTC)


def test_a_slot_in_the_daylight_saving_gap_falls_just_after_it() -> None:
    gap = Schedule(hour=2, minute=30, timezone="Europe/Paris", weekdays=tuple(range(7)))
    slot = next_slot(gap, datetime(2026, 3, 29, 0, 0, tzinfo=UTC))
    assert slot == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # 03:30 local, after the jump


def test_paused_or_dayless_schedules_have_no_next_slot() -> None:
    now = datetime(2026, 11, 24, 11, 0, tzinfo=UTC)
    assert next_slot(Schedule(paused=True), now) is None
    assert next_slot(Schedule(weekdays=()), now) is None


def test_the_recap_falls_due_at_the_slot_of_the_next_monday() -> None:
    wednesday = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    assert next_monday_slot(WEEKDAYS, wednesday) == datetime(2026, 11, 30, 8, 30, tzinfo=UTC)
    monday = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    assert next_monday_slot(WEEKDAYS, monday, after=monday.date()) == datetime(
        2026, 12, 7, 8, 30, tzinfo=UTC
    )
