"""Scheduled posting at the platform's pace: a per-instance rate, and one pause for everyone
when the platform says "too many requests".

Thousands of channels due at 09:00 would otherwise be sent as fast as the workers go: the
platform answers 429s, each worker waits on its own, and the waits and retries multiply.
``PacedPlatform`` spaces the scheduled calls (question posts, their look-ups, reveals, hints
and recaps) ``1 / rate`` seconds apart, and a refusal carrying ``retry_after`` holds back
every scheduled call of the instance until then. Interactive replies are not paced.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar

from bot.core.model import ChannelRef, MessageRef, Reply, UserRef
from bot.core.ports import ChatPlatform, PlatformError

T = TypeVar("T")

SLACK_SECONDS = 0.1
"""How far behind its pace an instance may catch up at once (platforms allow short bursts)."""


class Pacer:
    """Lets calls through at most ``rate`` per second (0: unpaced), none during a back-off."""

    def __init__(
        self,
        rate: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.rate = rate
        self._clock, self._sleep = clock, sleep
        self._next = 0.0
        self._paused_until = 0.0

    @property
    def rate(self) -> float:
        """Calls per second (0: unpaced); instances set it to their share of the platform's."""
        return self._rate

    @rate.setter
    def rate(self, rate: float) -> None:
        self._rate = rate
        self._interval = 1.0 / rate if rate > 0 else 0.0

    async def wait(self) -> None:
        """Return when this call may go out."""
        while True:
            now = self._clock()
            ready = max(self._next, self._paused_until)
            if ready <= now:
                # A slot missed while the loop was busy may be used a little late (a burst of
                # SLACK_SECONDS at most), so stalls do not lower the average rate.
                self._next = max(self._next, now - SLACK_SECONDS) + self._interval
                return
            await self._sleep(ready - now)

    def back_off(self, seconds: float) -> None:
        """The platform refused a call for ``seconds``: nothing goes out before they pass."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    async def call(self, send: Callable[[], Awaitable[T]]) -> T:
        """``send()`` when the pace allows; a rate-limit refusal pauses every paced call."""
        await self.wait()
        try:
            return await send()
        except PlatformError as exc:
            if exc.retry_after:
                self.back_off(exc.retry_after)
            raise


class PacedPlatform:
    """The platform, with the scheduled calls going through a ``Pacer``."""

    def __init__(self, platform: ChatPlatform, pacer: Pacer) -> None:
        self._platform = platform
        self.pacer = pacer

    def __getattr__(self, name: str) -> Any:
        # post_message (recaps, where the platform has it) is paced; anything else passes.
        found = getattr(self._platform, name)
        if name != "post_message":
            return found

        async def paced(*args: Any, **kwargs: Any) -> Any:
            return await self.pacer.call(lambda: found(*args, **kwargs))

        return paced

    async def post_question(self, channel: ChannelRef, reply: Reply, *, key: str) -> MessageRef:
        """Paced ``post_question``."""
        return await self.pacer.call(lambda: self._platform.post_question(channel, reply, key=key))

    async def find_question(
        self, channel: ChannelRef, key: str, since: datetime
    ) -> MessageRef | None:
        """Paced ``find_question`` (a history read counts against the same limits)."""
        return await self.pacer.call(lambda: self._platform.find_question(channel, key, since))

    async def reply_in_thread(self, thread: MessageRef, reply: Reply) -> MessageRef:
        """Paced ``reply_in_thread`` (reveals, hints)."""
        return await self.pacer.call(lambda: self._platform.reply_in_thread(thread, reply))

    async def reply_privately(
        self, channel: ChannelRef, user: UserRef, reply: Reply, thread: MessageRef | None = None
    ) -> None:
        """Paced ``reply_privately`` (practice nudges)."""
        await self.pacer.call(lambda: self._platform.reply_privately(channel, user, reply, thread))

    async def react(self, message: MessageRef, emoji: str) -> None:
        """Unpaced ``react``."""
        await self._platform.react(message, emoji)
