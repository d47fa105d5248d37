"""The inbox: each platform delivery is committed before it is acknowledged, then processed
from that record, once, whichever instance (or redelivery) gets to it.

A platform redelivers an event until it is acknowledged, and sometimes after (a lost
acknowledgement, a retry that reached another instance). The record, keyed by the
platform's event id in the shared database, is what makes a repeat a no-op.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from bot.core.model import Delivery
from bot.core.ports import InboxStore

log = logging.getLogger(__name__)

Handler = Callable[[Delivery], Awaitable[None]]
Clock = Callable[[], datetime]

LEASE = timedelta(seconds=60)
"""How long a claimed delivery is left to its instance before another may process it."""


class Inbox:
    """Receives deliveries (commit first) and runs the adapter's handler on each, once."""

    def __init__(
        self, store: InboxStore, handler: Handler, clock: Clock, *, lease: timedelta = LEASE
    ) -> None:
        self._store = store
        self._handler = handler
        self._clock = clock
        self.lease = lease

    async def receive(self, delivery: Delivery) -> bool:
        """Commit ``delivery`` and claim it; True when this instance is to process it now.

        That is its first delivery, or a repeat of one whose processing stopped (its instance
        died); a repeat of one done or in progress elsewhere is False. Raises when the record
        cannot be written: the delivery must then not be acknowledged.
        """
        return await asyncio.to_thread(
            self._store.receive_delivery, delivery, self._clock(), self.lease
        )

    async def process(self, delivery: Delivery) -> None:
        """Run the handler on a received delivery, then mark it done."""
        try:
            await self._handler(delivery)
        except Exception:
            log.exception("processing %s event %s failed", delivery.platform, delivery.key)
            return
        await asyncio.to_thread(
            self._store.finish_delivery, delivery.platform, delivery.key, self._clock()
        )
