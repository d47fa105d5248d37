"""Scheduled posting at the platform's pace: spaced calls, one pause for all on a 429."""

from __future__ import annotations

import asyncio

import pytest

from bot.core.pacing import SLACK_SECONDS, Pacer
from bot.core.ports import PlatformError


class FakeTime:
    """A clock that only moves when someone sleeps."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


async def test_calls_go_out_no_faster_than_the_rate() -> None:
    clock = FakeTime()
    pacer = Pacer(20, clock, clock.sleep)
    sent: list[float] = []

    async def send() -> None:
        sent.append(clock.now)

    await asyncio.gather(*(pacer.call(send) for _ in range(41)))
    assert len(sent) == 41
    # 40 gaps of 1/20 s, less the short burst a platform's bucket allows
    assert 2.0 - SLACK_SECONDS - 1e-9 <= sent[-1] - sent[0] <= 2.0 + 1e-9


async def test_a_rate_limit_refusal_holds_back_every_paced_call() -> None:
    clock = FakeTime()
    pacer = Pacer(1000, clock, clock.sleep)

    async def refused() -> None:
        raise PlatformError("rate limited", retry_after=3.0, unsent=True)

    with pytest.raises(PlatformError):
        await pacer.call(refused)
    refused_at = clock.now
    sent: list[float] = []

    async def send() -> None:
        sent.append(clock.now)

    await asyncio.gather(pacer.call(send), pacer.call(send))
    assert min(sent) >= refused_at + 3.0


async def test_without_a_rate_nothing_waits() -> None:
    clock = FakeTime()
    pacer = Pacer(0, clock, clock.sleep)

    async def send() -> float:
        return clock.now

    assert {await pacer.call(send) for _ in range(50)} == {100.0}
