"""APScheduler wiring: one scheduler, started once, one job per channel, forgiving misfires."""

from __future__ import annotations

from typing import Any

from bot.core.model import ChannelRef, Schedule
from bot.scheduling import MISFIRE_GRACE_SECONDS, DailyScheduler, job_id

A = ChannelRef("test", "w", "a")
B = ChannelRef("test", "w", "b")


class FakeService:
    def __init__(self) -> None:
        self.calls: list[Any] = []

    async def run_daily(self, channel: ChannelRef) -> None:
        self.calls.append(channel)

    async def start(self) -> int:
        return 0


async def test_starting_twice_registers_each_job_once() -> None:
    scheduler = DailyScheduler(FakeService())  # type: ignore[arg-type]
    channels = [(A, Schedule()), (B, Schedule(hour=18, timezone="Asia/Tokyo"))]
    scheduler.start(channels)
    scheduler.start(channels)  # e.g. a platform reconnect
    jobs = scheduler._scheduler.get_jobs()
    try:
        assert sorted(j.id for j in jobs) == sorted([job_id(A), job_id(B), "tick"])
        daily = scheduler._scheduler.get_job(job_id(B))
        assert daily.coalesce is True and daily.max_instances == 1
        assert daily.misfire_grace_time == MISFIRE_GRACE_SECONDS
        assert str(daily.trigger.timezone) == "Asia/Tokyo"
    finally:
        scheduler.shutdown()


async def test_schedule_change_replaces_the_job_and_pause_removes_it() -> None:
    scheduler = DailyScheduler(FakeService())  # type: ignore[arg-type]
    scheduler.start([(A, Schedule())])
    try:
        scheduler.update(A, Schedule(hour=7, minute=45))
        job = scheduler._scheduler.get_job(job_id(A))
        fields = {f.name: str(f) for f in job.trigger.fields}
        assert fields["hour"] == "7" and fields["minute"] == "45"
        scheduler.update(A, Schedule(paused=True))
        assert scheduler._scheduler.get_job(job_id(A)) is None
    finally:
        scheduler.shutdown()
