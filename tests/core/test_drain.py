"""Draining due work: bounded claims, in batches, every item handled once."""

from __future__ import annotations

import asyncio
import random

from bot.core.due import drain


async def test_claims_come_in_batches_of_half_the_workers_and_never_exceed_them() -> None:
    queue = list(range(100))
    asked: list[int] = []
    held = 0
    most = 0
    handled: list[int] = []
    rng = random.Random(7)

    async def claim(limit: int) -> list[int]:
        nonlocal held, most
        asked.append(limit)
        batch, queue[:limit] = queue[:limit], []
        held += len(batch)
        most = max(most, held)
        return batch

    async def handle(item: int) -> bool:
        nonlocal held
        await asyncio.sleep(rng.random() / 1000)
        handled.append(item)
        held -= 1
        return item % 2 == 0

    assert await drain(claim, handle, concurrency=8, what="items") == 50
    assert sorted(handled) == list(range(100))
    assert most <= 8
    # one claim per freed worker would be about a hundred; batches of 4 or more make 25 at most
    assert min(asked) >= 4 and len(asked) <= 26
