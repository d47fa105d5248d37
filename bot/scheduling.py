"""APScheduler wiring: one scheduler per process, a few minute ticks whatever the channel count.

Each channel's next slot lives in the database (``channels.next_post_at``), so there is no
per-channel job: the ticks ask the store for what is due, and a schedule changed on any
instance is seen by all of them at their next tick. Posting, reveals and the learning loop
are separate jobs, so a long posting run (thousands of channels due at 09:00) never delays
reveals or hints; the heartbeat (``bot.core.instances``) is a fourth.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.core.model import ChannelRef, Schedule

if TYPE_CHECKING:
    from bot.core.service import QotdService

log = logging.getLogger(__name__)

MISFIRE_GRACE_SECONDS = 6 * 3600
"""A tick missed by up to six hours (busy loop, suspended laptop) still runs once."""

TICK_SECONDS = 60
JOBS = ("posts", "reveals", "learning", "heartbeat")


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

    def start(self, channels: object = None) -> None:
        """Add the ticks and start (once). ``channels`` is ignored: slots live in the database."""
        if self._started:
            return
        work: dict[str, Callable[[], Awaitable[int]]] = {
            "posts": self._service.run_posts,
            "reveals": self._service.run_reveals,
            "learning": self._service.run_learning,
        }
        for name, call in work.items():
            self._scheduler.add_job(
                _guarded,
                IntervalTrigger(seconds=self._tick_seconds),
                args=[name, call],
                id=name,
                replace_existing=True,
            )
        # The heartbeat beats at once: the first posts go at this instance's share of the rate.
        self._scheduler.add_job(
            _guarded,
            IntervalTrigger(seconds=self._service.presence.interval.total_seconds()),
            args=["heartbeat", self._service.run_heartbeat],
            id="heartbeat",
            replace_existing=True,
            next_run_time=datetime.now(UTC),
        )
        self._scheduler.start()
        self._started = True

    def update(self, channel: ChannelRef, schedule: Schedule) -> None:
        """A channel's schedule changed (the store already made it due): look at once."""
        if self._started and not schedule.paused:
            self._scheduler.modify_job("posts", next_run_time=datetime.now(UTC))

    def shutdown(self) -> None:
        """Stop the scheduler without waiting for running jobs, and leave the heartbeats."""
        if self._started:
            self._scheduler.shutdown(wait=False)
            self._started = False
            try:
                self._service.leave()
            except Exception:
                log.warning("could not remove this instance's heartbeat; it expires", exc_info=True)


async def _guarded(name: str, call: Callable[[], Awaitable[int]]) -> None:
    """One tick; its failure is logged and the next tick runs as usual."""
    try:
        await call()
    except Exception:
        log.exception("%s tick failed", name)
