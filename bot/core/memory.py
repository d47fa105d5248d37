"""Channel memory: the daily session sees each channel's weak topics on its schedule."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from bot.core import progress
from bot.core.model import ChannelRef, Item, Schedule
from bot.core.ports import LearningStore, Store

REFRESH = timedelta(minutes=10)
"""How long a channel's weak topics are reused before they are computed again."""


class RememberingStore:
    """The core Store, except that schedules carry the channel's weak topics.

    Daily selection reads them from the schedule (``Schedule.weak_topics``), so topics the
    channel answered poorly come back sooner; every other call goes to the wrapped store.
    """

    def __init__(
        self,
        store: Store,
        learning: LearningStore,
        items: Sequence[Item],
        clock: Callable[[], datetime],
    ) -> None:
        self._store = store
        self._learning = learning
        self._items = {item.id: item for item in items}
        self._clock = clock
        self._cache: dict[ChannelRef, tuple[datetime, tuple[str, ...]]] = {}

    def add_items(self, items: Sequence[Item]) -> None:
        """Items that joined the running bank: their answers count towards weak topics."""
        for item in items:
            self._items.setdefault(item.id, item)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def ensure_channel(self, channel: ChannelRef) -> Schedule:
        """The channel's schedule with its weak topics."""
        return replace(self._store.ensure_channel(channel), weak_topics=self.weak_topics(channel))

    def get_schedule(self, channel: ChannelRef) -> Schedule | None:
        """The channel's schedule with its weak topics; None for an unknown channel."""
        found = self._store.get_schedule(channel)
        return None if found is None else replace(found, weak_topics=self.weak_topics(channel))

    def weak_topics(self, channel: ChannelRef) -> tuple[str, ...]:
        """Topics the channel averages under ``progress.WEAK_BELOW``, weakest first (cached)."""
        now = self._clock()
        cached = self._cache.get(channel)
        if cached and now - cached[0] < REFRESH:
            return cached[1]
        weak = progress.weak_topics(self._learning.scored_answers(channel), self._items)
        self._cache[channel] = (now, weak)
        return weak
