"""Store guarantees the reliability features rest on, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text

from bot.core.model import Attempt, MessageRef, UserRef
from bot.storage.migrate import alembic_config
from bot.storage.sql_store import SqlStore
from tests.storage.conftest import CHANNEL
from tests.storage.test_concurrency import _race

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
TIMEOUT = timedelta(minutes=5)


def attempt(post_id: int, message_id: str) -> Attempt:
    return Attempt(post_id, UserRef("slack", "U1"), "an answer", 50, (), (), False, NOW, message_id)


def test_a_redelivered_answer_is_stored_once(store: SqlStore) -> None:
    post = store.claim_post(CHANNEL, "2026-03-10", "item", 0, NOW, None)
    assert post is not None
    assert store.add_attempt(attempt(post.id, "m1")) is True
    assert store.add_attempt(attempt(post.id, "m1")) is False
    assert store.add_attempt(attempt(post.id, "m2")) is True
    assert store.add_attempt(attempt(post.id, "")) and store.add_attempt(attempt(post.id, ""))
    stored = store.attempts_for_post(post.id)
    assert [a.message_id for a in stored] == ["m1", "m2", "", ""]


def test_racing_redeliveries_from_two_engines_store_one_attempt(
    open_store: Callable[[], SqlStore],
) -> None:
    stores = [open_store(), open_store()]
    post = stores[0].claim_post(CHANNEL, "2026-03-10", "item", 0, NOW, None)
    assert post is not None
    results = _race(stores, lambda s: s.add_attempt(attempt(post.id, "same")))
    assert results.count(True) == 1
    assert len(stores[1].attempts_for_post(post.id)) == 1


def test_a_fresh_claim_is_not_taken_over_but_a_stale_unposted_one_is(
    open_store: Callable[[], SqlStore],
) -> None:
    first, second = open_store(), open_store()
    first.instance, second.instance = "a:1", "b:2"
    claim = first.claim_post(CHANNEL, "2026-03-10", "x", 0, NOW, None)
    assert claim is not None
    later = NOW + timedelta(minutes=4)
    assert second.claim_post(CHANNEL, "2026-03-10", "y", 0, later, None, TIMEOUT) is None
    later = NOW + timedelta(minutes=6)
    taken = second.claim_post(CHANNEL, "2026-03-10", "y", 0, later, None, TIMEOUT)
    assert taken is not None and taken.id == claim.id and taken.item_id == "y"
    assert taken.created_at == later


def test_a_posted_claim_is_never_taken_over(store: SqlStore) -> None:
    claim = store.claim_post(CHANNEL, "2026-03-10", "x", 0, NOW, None)
    assert claim is not None
    store.set_post_message(claim.id, MessageRef(CHANNEL, "m", "m"))
    much_later = NOW + timedelta(hours=5)
    assert store.claim_post(CHANNEL, "2026-03-10", "y", 0, much_later, None, TIMEOUT) is None


def test_racing_takeovers_from_two_engines_yield_one(open_store: Callable[[], SqlStore]) -> None:
    stores = [open_store(), open_store()]
    stores[0].claim_post(CHANNEL, "2026-03-10", "x", 0, NOW, None)
    later = NOW + timedelta(minutes=10)
    results = _race(
        stores, lambda s: s.claim_post(CHANNEL, "2026-03-10", "y", 0, later, None, TIMEOUT)
    )
    assert sum(r is not None for r in results) == 1


def test_notices_are_taken_once_even_when_racing(open_store: Callable[[], SqlStore]) -> None:
    stores = [open_store(), open_store()]
    stores[0].add_notice(CHANNEL, "first")
    stores[0].add_notice(CHANNEL, "second")
    results = _race(stores, lambda s: s.take_notices(CHANNEL))
    assert sorted(r for r in results if r) == [["first", "second"]]  # type: ignore[type-var]


def test_a_replacement_post_key_fits_on_postgresql_too(store: SqlStore) -> None:
    assert store.claim_post(CHANNEL, "2026-03-10~12", "item", 0, NOW, None) is not None


def test_upgrade_from_0001_keeps_the_data(tmp_path: Path) -> None:
    from alembic import command

    url = f"sqlite:///{tmp_path}/old.db"
    command.upgrade(alembic_config(url), "0001")
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO channels (platform, workspace, channel, hour, minute, timezone, "
                "weekdays, reveal_after_minutes, topics, difficulty, paused, cycle) VALUES "
                "('slack','T1','C1',9,0,'UTC','0,1,2,3,4',480,'','',0,0)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO posts (channel_id, local_date, item_id, cycle, created_at, "
                "message_id, skipped) VALUES (1, '2026-03-10', 'item', 0, "
                "'2026-03-10 09:00:00', 'm1', 0)"
            )
        )
    engine.dispose()
    store = SqlStore(url)
    post = store.post_for_date(CHANNEL, "2026-03-10")
    assert post is not None and post.message is not None
    assert store.add_attempt(attempt(post.id, "a1"))
    store.close()


def test_a_slow_instance_does_not_release_a_claim_taken_over_from_it(
    open_store: Callable[[], SqlStore],
) -> None:
    slow, taker = open_store(), open_store()
    slow.instance, taker.instance = "a:1", "b:2"
    claim = slow.claim_post(CHANNEL, "2026-03-10", "x", 0, NOW, None)
    assert claim is not None
    later = NOW + timedelta(minutes=6)
    assert taker.claim_post(CHANNEL, "2026-03-10", "y", 0, later, None, TIMEOUT) is not None
    slow.release_post(claim.id)  # its post finally failed
    taker.set_post_message(claim.id, MessageRef(CHANNEL, "m", "m"))
    post = taker.post_for_date(CHANNEL, "2026-03-10")
    assert post is not None and post.message is not None and post.item_id == "y"
