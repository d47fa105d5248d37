"""Fixtures: a ``store`` on a fresh SQLite file and on a throwaway PostgreSQL database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from bot.core.model import ChannelRef
from bot.storage.sql_store import SqlStore
from tests.dbfixtures import (  # noqa: F401  (fixtures, found by name)
    PostgresServer,
    database_url,
    postgres,
    postgres_url,
)

CHANNEL = ChannelRef("slack", "T1", "C1")


@dataclass
class Clock:
    """A settable clock handed to the store (streaks count back from its "today")."""

    now: datetime = field(default_factory=lambda: datetime(2026, 3, 10, 12, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(database_url: str, clock: Clock) -> Iterator[SqlStore]:  # noqa: F811
    """A store on an empty database of the parametrised backend."""
    opened = SqlStore(database_url, clock=clock)
    yield opened
    opened.close()


@pytest.fixture
def open_store(
    database_url: str,  # noqa: F811
    clock: Clock,
) -> Iterator[Callable[[], SqlStore]]:
    """Opens further stores (each with its own engine) on the same database."""
    opened: list[SqlStore] = []

    def factory() -> SqlStore:
        opened.append(SqlStore(database_url, clock=clock))
        return opened[-1]

    yield factory
    for each in opened:
        each.close()
