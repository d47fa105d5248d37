"""A channel's life-cycle, the same on every platform: registered, read, lost.

A channel gets daily questions once it is registered: the bot was invited to it, or an
admin set its schedule. Reading a channel's schedule never registers it. A question posted
on demand (``/today``) in an unknown channel records it paused. A permanent platform error
about a channel ("lost") pauses it and leaves its admins one notice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import replace

from bot.core import replies
from bot.core.model import ChannelRef, Schedule
from bot.core.ports import PlatformError, Store

log = logging.getLogger(__name__)

ScheduleListener = Callable[[ChannelRef, Schedule], None]


def pause_notice(error: BaseException) -> str:
    """What admins read after a permanent platform error paused the channel."""
    return (
        f"I could not post here ({replies.clip(str(error), 200)}), "
        "so I paused daily questions in this channel. Check that I am still a member with "
        "permission to post, then run `/schedule resume`."
    )


class Channels:
    """Registration, look-ups and pauses of channels, with the store as the source of truth."""

    def __init__(self, store: Store, listener: ScheduleListener | None = None) -> None:
        self._store = store
        self.listener = listener
        """Who hears about schedule changes (the scheduler), pauses included."""

    async def known(self, channel: ChannelRef) -> Schedule | None:
        """The channel's schedule, or None when it is not registered (never registers)."""
        found: Schedule | None = await asyncio.to_thread(self._store.get_schedule, channel)
        return found

    async def schedule_of(self, channel: ChannelRef) -> Schedule:
        """The channel's schedule for reading: the default one for an unknown channel."""
        return await self.known(channel) or Schedule()

    async def joined(self, channel: ChannelRef, *, direct: bool = False) -> Schedule:
        """The bot was invited: the channel gets daily questions (a DM only on demand)."""
        found = await self.known(channel)
        if found is not None:
            return found
        schedule = Schedule(paused=direct)
        await self.set(channel, schedule)
        log.info("channel %s registered for daily questions", channel)
        return schedule

    async def on_demand(self, channel: ChannelRef) -> Schedule:
        """A question is posted on demand: an unknown channel is recorded, paused."""
        found = await self.known(channel)
        if found is not None:
            return found
        paused = Schedule(paused=True)
        await asyncio.to_thread(self._store.set_schedule, channel, paused)
        return paused

    async def set(self, channel: ChannelRef, schedule: Schedule) -> None:
        """An admin's new schedule (registers the channel); the scheduler hears of it."""
        await asyncio.to_thread(self._store.set_schedule, channel, schedule)
        if self.listener:
            self.listener(channel, schedule)

    async def lost(self, channel: ChannelRef, error: PlatformError) -> bool:
        """The platform refused the channel for good: pause it and tell its admins, once.

        Returns False when it was already paused (nothing new to say).
        """
        schedule = await self.known(channel)
        if schedule is not None and schedule.paused:
            log.warning("%s refused again while paused: %s", channel, error)
            return False
        paused = replace(schedule or Schedule(), paused=True)
        await asyncio.to_thread(self._store.set_schedule, channel, paused)
        await asyncio.to_thread(self._store.add_notice, channel, pause_notice(error))
        log.warning("paused %s after a permanent platform error: %s", channel, error)
        if self.listener:
            self.listener(channel, paused)
        return True
