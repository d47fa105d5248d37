"""APScheduler wiring: one scheduler per process turning channel schedules into core calls."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.core.model import ChannelRef, Schedule
from bot.core.schedules import DAY_NAMES

if TYPE_CHECKING:
    from bot.core.service import QotdService

log = logging.getLogger(__name__)

MISFIRE_GRACE_SECONDS = 6 * 3600
"""A slot missed by up to six hours (busy loop, suspended laptop) still runs once."""

TICK_SECONDS = 60


def cron_trigger(schedule: Schedule) -> CronTrigger:
    """The CronTrigger firing at a schedule's local time on its weekdays (DST-aware)."""
    days = ",".join(DAY_NAMES[d] for d in schedule.weekdays) or "mon-sun"
    return CronTrigger(
        hour=schedule.hour, minute=schedule.minute, day_of_week=days, timezone=schedule.timezone
    )


def job_id(channel: ChannelRef) -> str:
    """Stable scheduler job id of a channel's daily slot."""
    return f"daily:{channel.platform}:{channel.workspace}:{channel.channel}"


class DailyScheduler:
    """Owns the process's scheduler; `start` is idempotent so reconnects never add jobs twice."""

    def __init__(self, service: QotdService, tick_seconds: float = TICK_SECONDS) -> None:
        self._service = service
        self._tick_seconds = tick_seconds
        self._scheduler = AsyncIOScheduler(
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": MISFIRE_GRACE_SECONDS,
            }
        )
        self._started = False

    @property
    def running(self) -> bool:
        """True once started."""
        return self._started

    def start(self, channels: list[tuple[ChannelRef, Schedule]]) -> None:
        """Register every channel's slot and the minute tick, then start (once)."""
        if self._started:
            return
        for channel, schedule in channels:
            self.update(channel, schedule)
        # The tick reveals due answers and posts any slot a cron run missed (DST gap, new channel).
        self._scheduler.add_job(
            self._tick,
            IntervalTrigger(seconds=self._tick_seconds),
            id="tick",
            replace_existing=True,
        )
        self._scheduler.start()
        self._started = True

    def update(self, channel: ChannelRef, schedule: Schedule) -> None:
        """(Re)schedule a channel after its settings changed."""
        jid = job_id(channel)
        if schedule.paused:
            if self._scheduler.get_job(jid):
                self._scheduler.remove_job(jid)
            return
        self._scheduler.add_job(
            self._service.run_daily,
            cron_trigger(schedule),
            args=[channel],
            id=jid,
            replace_existing=True,
        )

    def next_run(self, channel: ChannelRef) -> str:
        """When the channel's next slot fires, for display."""
        job = self._scheduler.get_job(job_id(channel))
        return str(job.next_run_time) if job and job.next_run_time else "not scheduled"

    async def _tick(self) -> None:
        try:
            await self._service.run_minute_tick()
        except Exception:
            log.exception("scheduler tick failed")
        # Practice nudges, quiet-thread hints and Monday recaps (each at most once).
        learning = getattr(self._service, "run_learning", None)
        if learning is not None:
            try:
                await learning()
            except Exception:
                log.exception("learning tick failed")

    def shutdown(self) -> None:
        """Stop the scheduler without waiting for running jobs."""
        if self._started:
            self._scheduler.shutdown(wait=False)
            self._started = False
