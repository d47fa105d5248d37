"""Live items: approved suggestions join the running bank at once, on every instance.

The approving instance adds the item to the rotation, practice and explain as it approves it;
the others poll the store's cheap ``live_marker`` on their posting tick and load what is new
(and all live items at start-up). Only the new item's texts are embedded.

Scope: the shipped bank is global content; a live item was moderated in one platform
workspace (one channel where there is none: DMs, the console) and is seen only there, like its
suggestion. An operator makes it global by folding it into the bank files.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Collection, Sequence
from typing import Protocol, cast

from bot.core.model import ChannelRef, Item, LiveItem
from bot.core.ports import LearningStore
from bot.core.retrieval import ExplainResult

log = logging.getLogger(__name__)

Visible = Callable[[Item, ChannelRef], bool]
"""Whether an item may be shown in a channel."""


def everywhere(item: Item, channel: ChannelRef) -> bool:
    """Every item is seen everywhere (a bank without live items)."""
    return True


class Searcher(Protocol):
    """The retriever as the service is given it."""

    def search(self, query: str, k: int = 3) -> ExplainResult:
        """The closest answered items to ``query``."""
        ...


class ScopedSearcher(Protocol):
    """A retriever that can leave some items out (``bot.core.retrieval.Retriever``)."""

    def search(self, query: str, k: int = 3, hidden: Collection[str] = ()) -> ExplainResult:
        """The closest answered items to ``query`` among those not ``hidden``."""
        ...


class Growing(Protocol):
    """A retriever that can take new items, embedding only theirs."""

    def with_items(self, items: Sequence[Item]) -> ScopedSearcher:
        """A retriever over its items and ``items``."""
        ...


class LiveSearch:
    """The service's retriever: the bank's, grown by live items, searched within a scope.

    Items are added as soon as the base retriever is ready (one being built in the background
    takes them at its first search), each in a worker thread: searches keep the retriever they
    started with, so an addition never changes one under a search.
    """

    def __init__(self, base: Searcher, hidden: Callable[[ChannelRef], frozenset[str]]) -> None:
        self._current: Searcher = base
        self._hidden = hidden
        self._pending: list[Item] = []
        self._grown = False
        self._lock = threading.Lock()

    def add(self, items: Sequence[Item]) -> None:
        """Add ``items`` (blocking: embeds their texts when the base retriever is ready)."""
        with self._lock:
            self._pending += items
            if getattr(self._current, "ready", True):
                self._apply()

    def _apply(self) -> None:
        if not self._pending:
            return
        grow = getattr(self._current, "with_items", None)
        if grow is None:
            log.warning("this retriever cannot take live items: explain will not find them")
            self._pending = []
            return
        self._current = cast(Searcher, cast(Growing, self._current).with_items(self._pending))
        self._pending, self._grown = [], True

    def search(self, query: str, k: int = 3, where: ChannelRef | None = None) -> ExplainResult:
        """The closest items to ``query`` that ``where`` may see (all without ``where``)."""
        if self._pending:
            with self._lock:
                self._apply()
        current = self._current
        hidden = self._hidden(where) if where is not None else frozenset()
        if hidden and self._grown:
            return cast(ScopedSearcher, current).search(query, k, hidden=hidden)
        return current.search(query, k)


class LiveBank:
    """Which items are live, where each is seen, and the marker last read from the store."""

    def __init__(self, store: LearningStore | None, bank: Sequence[Item]) -> None:
        self._store = store
        self._bank_ids = frozenset(item.id for item in bank)
        self.owners: dict[str, ChannelRef] = {}
        self.marker = ""

    def visible(self, item: Item, channel: ChannelRef) -> bool:
        """Bank items everywhere; a live item in the workspace that approved it."""
        owner = self.owners.get(item.id)
        return owner is None or owner.same_workspace(channel)

    def hidden(self, channel: ChannelRef) -> frozenset[str]:
        """Ids of the live items ``channel`` may not see."""
        return frozenset(i for i, owner in self.owners.items() if not owner.same_workspace(channel))

    def taken(self) -> set[str]:
        """Every item id in use (bank files and live items)."""
        return set(self._bank_ids | self.owners.keys())

    def accept(self, lives: Sequence[LiveItem]) -> list[Item]:
        """Record ``lives``; returns the items new to this instance. A live item whose id the
        bank files now hold (an operator folded it in) is left to the file."""
        new = []
        for live in lives:
            item_id = live.item.id
            if item_id in self._bank_ids or item_id in self.owners:
                continue
            self.owners[item_id] = live.owner
            new.append(live.item)
        return new

    def load(self) -> list[Item]:
        """Every live item new to this instance, read now (blocking); none without a store."""
        if self._store is None:
            return []
        self.marker = self._store.live_marker()
        return self.accept(self._store.live_items())

    def changed(self) -> list[Item]:
        """The live items other instances added since the last look (blocking; one cheap
        query when there are none)."""
        if self._store is None or self._store.live_marker() == self.marker:
            return []
        return self.load()
