"""Channel memory: the topics each channel answered poorly, which daily selection asks sooner."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from bot.core import progress
from bot.core.model import ChannelRef, Item
from bot.core.ports import LearningStore

REFRESH = timedelta(minutes=10)
"""How long a channel's weak topics are reused before they are computed again."""


class ChannelMemory:
    """Each channel's weak topics, from its scored answers (the learning store), cached."""

    def __init__(
        self,
        learning: LearningStore,
        items: Sequence[Item],
        clock: Callable[[], datetime],
    ) -> None:
        self._learning = learning
        self._items = {item.id: item for item in items}
        self._clock = clock
        self._cache: dict[ChannelRef, tuple[datetime, tuple[str, ...]]] = {}

    def add_items(self, items: Sequence[Item]) -> None:
        """Items that joined the running bank: their answers count towards weak topics."""
        for item in items:
            self._items.setdefault(item.id, item)

    def weak_topics(self, channel: ChannelRef) -> tuple[str, ...]:
        """Topics the channel averages under ``progress.WEAK_BELOW``, weakest first (cached;
        blocking: call via a thread)."""
        now = self._clock()
        cached = self._cache.get(channel)
        if cached and now - cached[0] < REFRESH:
            return cached[1]
        weak = progress.weak_topics(self._learning.scored_answers(channel), self._items)
        self._cache[channel] = (now, weak)
        return weak
