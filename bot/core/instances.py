"""Instances that know of each other: heartbeats in the database, the post rate split between
the live instances of a platform, and the due work of a dead shard's instance taken over.

Every instance beats (``Store.beat``) every ``interval``; one not seen for ``expiry`` is dead.
At each beat an instance

- paces its scheduled calls at the platform's rate divided by the live instances of its
  platform (so 3 instances sharing Discord's 50 requests/s send 16.7/s each, and the survivors
  speed up when one stops), and
- adds to its scope the Discord shards no live instance runs. Posting, reveals, hints and
  nudges go through the REST API, which any instance of the bot may call for any guild, and
  the claims keep each post to one instance whoever takes it; so a dead shard's channels still
  get their questions and reveals. What cannot be taken over are the shard's gateway events:
  answers posted in those guilds reach nobody until an instance runs the shard again (its
  start-up answer catch-up, and each reveal's catch-up of its thread, grade them then). The
  takeover is logged as a warning and counted as the ``orphaned_shards`` error while it lasts.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from bot.core.model import Instance, Scope
from bot.core.pacing import Pacer
from bot.core.ports import Metrics, NoMetrics, Store

log = logging.getLogger(__name__)

HEARTBEAT = timedelta(seconds=10)
"""How often an instance records that it is alive (and looks who else is)."""

MISSED_BEATS = 4
"""An instance silent for this many heartbeats is dead (its share and shards are taken)."""

FORGET = timedelta(days=1)
"""Rows of instances silent this long are deleted (instance names change with each restart)."""


def live_of(instances: Sequence[Instance], platform: str, since: datetime) -> list[Instance]:
    """The instances of ``platform`` seen at or after ``since``."""
    return [i for i in instances if i.scope.platform == platform and i.seen_at >= since]


def orphaned_shards(home: Scope, live: Sequence[Instance]) -> tuple[int, ...]:
    """The shards of ``home``'s shard count that no live instance of its platform runs.

    Instances with another shard count (a re-shard being rolled out) number guilds
    differently, so they cover none of these shards."""
    if home.shard_count <= 1:
        return ()
    every = set(range(home.shard_count))
    covered: set[int] = set()
    for other in live:
        if other.scope.platform != home.platform or other.scope.shard_count != home.shard_count:
            continue
        covered |= set(other.scope.shard_ids) if other.scope.shard_ids else every
    return tuple(sorted(every - covered))


class Presence:
    """This instance's heartbeat: its share of the post rate and the shards it serves."""

    def __init__(
        self,
        store: Store,
        pacer: Pacer,
        clock: Callable[[], datetime],
        *,
        rate: float,
        interval: timedelta = HEARTBEAT,
        metrics: Metrics | None = None,
    ) -> None:
        self._store = store
        self._pacer = pacer
        self._clock = clock
        self.rate = rate
        """The platform's rate for scheduled calls, shared by its live instances (0: unpaced)."""
        self.interval = interval
        self.metrics: Metrics = metrics or NoMetrics()
        self.live = 1
        """Live instances of this platform at the last beat (this one included)."""
        self.orphaned: tuple[int, ...] = ()
        """Shards without a live instance at the last beat, served by this one too."""
        pacer.rate = rate

    @property
    def expiry(self) -> timedelta:
        """How long an instance may stay silent before it counts as dead."""
        return self.interval * MISSED_BEATS

    def serving(self, home: Scope) -> Scope:
        """``home`` with the orphaned shards added: what this instance's due work covers."""
        if not self.orphaned or not home.shard_ids:
            return home
        return replace(home, shard_ids=tuple(sorted({*home.shard_ids, *self.orphaned})))

    async def beat(self, home: Scope) -> int:
        """Record this instance alive in ``home``, then set its share of the rate and the shards
        to take over from the live instances; returns how many are live."""
        now = self._clock()
        await asyncio.to_thread(self._store.beat, home, now, now - FORGET)
        known = await asyncio.to_thread(self._store.instances, home.platform)
        live = live_of(known, home.platform, now - self.expiry)
        self.live = max(1, len(live))
        self._pacer.rate = self.rate / self.live
        self._take_over(home, live, known)
        return self.live

    def _take_over(self, home: Scope, live: Sequence[Instance], known: Sequence[Instance]) -> None:
        orphaned = orphaned_shards(home, live)
        if orphaned:
            self.metrics.error("orphaned_shards")
        if orphaned == self.orphaned:
            return
        if orphaned:
            last = {
                shard: max(
                    (i.seen_at for i in known if shard in i.scope.shard_ids),
                    default=None,
                )
                for shard in orphaned
            }
            seen = ", ".join(
                f"{shard} ({f'last seen {when:%H:%M:%S}' if when else 'never seen'})"
                for shard, when in last.items()
            )
            log.warning(
                "%s shards %s have no live instance: this instance posts their due work too; "
                "their members' answers are not received until a shard instance is back",
                home.platform,
                seen,
            )
        else:
            log.info("every %s shard has a live instance again", home.platform)
        self.orphaned = orphaned

    def leave(self) -> None:
        """Delete this instance's heartbeat (a clean stop: the others take its share at once)."""
        self._store.leave()
