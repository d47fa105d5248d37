"""Due work: claim what the database says is due, in bounded batches, and work it concurrently.

Each tick costs what is due, not what is registered: the store hands out claimed batches
(``Store.claim_due_posts``, ``claim_reveals``, …) and ``drain`` keeps a bounded number of
them in flight, claiming more as workers free up, so several instances split a busy minute
and one slow or failing channel never holds up the rest.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from bot.core.model import Scope

log = logging.getLogger(__name__)

T = TypeVar("T")

EVERYWHERE = Scope()
"""The scope of a single instance serving every channel in its database."""


async def drain(
    claim: Callable[[int], Awaitable[list[T]]],
    handle: Callable[[T], Coroutine[Any, Any, bool]],
    *,
    concurrency: int,
    what: str,
) -> int:
    """Claim and handle due work until a claim comes back empty; returns how many ``handle``
    calls returned True.

    At most ``concurrency`` claims are held at once (claimed work waits for no one), claimed
    in batches of at least half of it (a claim per freed worker would be a transaction per
    item), and a handler's exception is logged and counted as False: the boundary is the
    single item.
    """
    pending: deque[T] = deque()
    running: set[asyncio.Task[bool]] = set()
    done, more = 0, True
    batch = max(1, concurrency // 2)
    while True:
        while more and len(running) < concurrency:
            if not pending:
                if running and concurrency - len(running) < batch:
                    break  # claim again once half the workers are free
                try:
                    pending.extend(await claim(concurrency - len(running)))
                except Exception:
                    log.exception("claiming due %s failed; the next tick tries again", what)
                    more = False
                    break
                if not pending:
                    more = False
                    break
            running.add(asyncio.create_task(handle(pending.popleft())))
        if not running:
            return done
        finished, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
        for task in finished:
            if task.exception() is not None:
                log.error("%s failed", what, exc_info=task.exception())
            else:
                done += task.result()
