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

from bot.core.marks import on_marks_thread
from bot.core.model import Delivery
from bot.core.ports import InboxStore

log = logging.getLogger(__name__)

Handler = Callable[[Delivery], Awaitable[None]]
Clock = Callable[[], datetime]

LEASE = timedelta(seconds=60)
"""How long a claimed delivery is left to its instance before another may process it."""

MAX_TRIES = 5
"""Processing a delivery is started at most this often; then it is given up (and logged)."""

KEEP_DONE = timedelta(days=1)
"""How long a processed delivery's key is kept to recognise repeats (Slack's retries come
within minutes)."""

BATCH = 100
CONCURRENCY = 8


class Inbox:
    """Receives deliveries (commit first) and runs the adapter's handler on each, once.

    ``run`` sweeps the inbox periodically: a delivery acknowledged but never processed (the
    process died, the database failed mid-way) is processed after the restart, or by another
    instance once its claim is older than the lease. Claims of deliveries still being
    processed are renewed, so only a dead instance's are taken over.
    """

    def __init__(
        self,
        store: InboxStore,
        handler: Handler,
        clock: Clock,
        *,
        platform: str,
        lease: timedelta = LEASE,
    ) -> None:
        self._store = store
        self._handler = handler
        self._clock = clock
        self.platform = platform
        self.lease = lease
        self._started_at = clock()
        self._running: set[str] = set()
        self._waiting: set[str] = set()
        """Claimed by a sweep, waiting for a free slot: renewed too, so nobody takes them."""
        self._pruned_at: datetime | None = None

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
        """Run the handler on a received delivery, then mark it done.

        A failure leaves it claimed: the sweep processes it again once the lease is over.
        One already being processed here (its claim lapsed meanwhile) is left to that.
        """
        self._waiting.discard(delivery.key)
        if delivery.key in self._running:
            return
        self._running.add(delivery.key)
        try:
            await self._handler(delivery)
        except Exception:
            log.exception(
                "processing %s event %s failed (try %d); it is tried again in %s",
                delivery.platform,
                delivery.key,
                delivery.tries,
                self.lease,
            )
            return
        finally:
            self._running.discard(delivery.key)
        try:
            # at once, not behind a burst's work: a kill before this repeats what was told
            await on_marks_thread(
                self._store.finish_delivery, delivery.platform, delivery.key, self._clock()
            )
        except Exception:
            log.exception("could not mark %s event %s done", delivery.platform, delivery.key)

    async def save_progress(self, delivery: Delivery, payload: str) -> None:
        """Record how far processing ``delivery`` got: processed again (its instance died),
        it starts from there, not from the start."""
        await on_marks_thread(self._store.save_progress, delivery.platform, delivery.key, payload)

    async def stored(self, delivery: Delivery) -> str | None:
        """The recorded payload of an unfinished delivery (its progress), if any."""
        return await asyncio.to_thread(self._store.stored_payload, delivery.platform, delivery.key)

    async def renew(self) -> None:
        """Renew this instance's claims of the deliveries it is processing."""
        if self._running or self._waiting:
            keys = sorted(self._running | self._waiting)
            await asyncio.to_thread(
                self._store.renew_deliveries, self.platform, keys, self._clock()
            )

    async def sweep(self) -> int:
        """Process what nobody is processing; returns how many deliveries were taken up."""
        now = self._clock()
        found = await asyncio.to_thread(
            self._store.claim_unfinished, self.platform, now, self.lease, BATCH, self._started_at
        )
        bound = asyncio.Semaphore(CONCURRENCY)
        self._waiting.update(d.key for d in found if d.key not in self._running)

        async def one(delivery: Delivery) -> None:
            async with bound:
                if delivery.tries > MAX_TRIES:
                    log.error(
                        "giving up %s event %s after %d tries; see the errors above",
                        delivery.platform,
                        delivery.key,
                        MAX_TRIES,
                    )
                    self._waiting.discard(delivery.key)
                    await asyncio.to_thread(
                        self._store.finish_delivery, delivery.platform, delivery.key, now
                    )
                    return
                log.warning(
                    "processing %s event %s, acknowledged but not processed before",
                    delivery.platform,
                    delivery.key,
                )
                await self.process(delivery)

        await asyncio.gather(*(one(delivery) for delivery in found))
        if self._pruned_at is None or now - self._pruned_at > timedelta(hours=1):
            await asyncio.to_thread(self._store.prune_deliveries, now - KEEP_DONE)
            self._pruned_at = now
        return len(found)

    async def run(self, every: float | None = None) -> None:
        """Sweep now and then every ``every`` seconds (a quarter of the lease), renewing
        claims as often, until cancelled."""
        interval = every if every is not None else self.lease.total_seconds() / 4
        renewing = asyncio.create_task(self._renew_every(interval))
        try:
            while True:
                try:
                    while await self.sweep() == BATCH:
                        pass  # a backlog: take the next batch at once
                except Exception:
                    log.exception("sweeping the %s inbox failed; trying again", self.platform)
                await asyncio.sleep(interval)
        finally:
            renewing.cancel()

    async def _renew_every(self, interval: float) -> None:
        # Apart from the sweep, which can be busy processing a backlog for longer than a lease.
        while True:
            await asyncio.sleep(interval)
            try:
                await self.renew()
            except Exception:
                log.exception("renewing claims in the %s inbox failed", self.platform)
