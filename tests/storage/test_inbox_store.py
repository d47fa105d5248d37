"""The inbox table on SQLite and PostgreSQL: one delivery processed once, across engines."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, select

from bot.core.model import Delivery
from bot.storage.inbox_store import SqlInbox
from bot.storage.tables import InboxRow
from tests.storage.test_concurrency import _race

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
LEASE = timedelta(seconds=60)


def delivery(key: str = "Ev1") -> Delivery:
    return Delivery("slack", key, '{"body": {}}', NOW)


@pytest.fixture
def inboxes(database_url: str) -> Iterator[list[SqlInbox]]:
    """Two instances, each with its own engine, on one database."""
    opened = [SqlInbox(database_url, instance="a:1"), SqlInbox(database_url, instance="b:2")]
    yield opened
    for inbox in opened:
        inbox.close()


def test_a_delivery_is_claimed_once_and_a_finished_one_never_again(
    inboxes: list[SqlInbox],
) -> None:
    a, b = inboxes
    assert a.receive_delivery(delivery(), NOW, LEASE) is True
    assert b.receive_delivery(delivery(), NOW + timedelta(seconds=1), LEASE) is False
    a.finish_delivery("slack", "Ev1", NOW + timedelta(seconds=2))
    assert b.receive_delivery(delivery(), NOW + timedelta(hours=1), LEASE) is False
    assert a.receive_delivery(delivery("Ev2"), NOW, LEASE) is True  # another event


def test_an_abandoned_delivery_is_taken_over_once_after_the_lease(
    inboxes: list[SqlInbox], database_url: str
) -> None:
    a, b = inboxes
    a.receive_delivery(delivery(), NOW, LEASE)
    assert b.receive_delivery(delivery(), NOW + LEASE - timedelta(seconds=1), LEASE) is False
    later = NOW + LEASE + timedelta(seconds=1)
    assert b.receive_delivery(delivery(), later, LEASE) is True
    assert a.receive_delivery(delivery(), later, LEASE) is False  # b's claim is fresh
    engine = create_engine(database_url)
    with engine.connect() as connection:
        row = connection.execute(select(InboxRow.claimed_by, InboxRow.tries)).one()
    engine.dispose()
    assert tuple(row) == ("b:2", 2)


def test_a_finished_delivery_keeps_no_member_text(
    inboxes: list[SqlInbox], database_url: str
) -> None:
    a, _ = inboxes
    a.receive_delivery(Delivery("slack", "Ev1", '{"text": "my answer"}', NOW), NOW, LEASE)
    a.finish_delivery("slack", "Ev1", NOW)
    engine = create_engine(database_url)
    with engine.connect() as connection:
        payload, done_at = connection.execute(select(InboxRow.payload, InboxRow.done_at)).one()
    engine.dispose()
    assert payload == "" and done_at == NOW


def test_racing_deliveries_from_two_engines_are_claimed_once(inboxes: list[SqlInbox]) -> None:
    results = _race(inboxes, lambda inbox: inbox.receive_delivery(delivery(), NOW, LEASE))  # type: ignore[arg-type, attr-defined]
    assert results.count(True) == 1
