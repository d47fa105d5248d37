"""One database object per process: the stores given it share its engine and its schema."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.model import Attempt, ChannelRef, Delivery, UserRef
from bot.storage.database import Database
from bot.storage.inbox_store import SqlInbox
from bot.storage.learning_store import SqlLearningStore
from bot.storage.sql_store import SqlStore

CHANNEL = ChannelRef("slack", "T1", "C1")
ADA = UserRef("slack", "U1", "Ada")
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_stores_on_one_in_memory_database_see_each_others_rows() -> None:
    database = Database("sqlite://")
    core, learning = SqlStore(database), SqlLearningStore(database)
    inbox = SqlInbox(database, instance="a:1")
    post = core.claim_post(CHANNEL, "2026-03-02", "item-1", 0, NOW, None)
    assert post is not None
    core.add_attempt(Attempt(post.id, ADA, "x", 70, (), (), False, NOW, message_id="m1"))
    # the learning store reads the core's posts and attempts: one database, not two
    [scored] = learning.scored_answers(CHANNEL)
    assert (scored.user_id, scored.score) == ("U1", 70)
    assert inbox.receive_delivery(Delivery("slack", "Ev1", "{}", NOW), NOW, timedelta(minutes=1))
    assert core.database is learning.database is inbox.database is database
    database.close()


def test_closing_a_store_leaves_a_shared_database_open() -> None:
    database = Database("sqlite://")
    core, learning = SqlStore(database), SqlLearningStore(database)
    core.close()
    assert learning.scored_answers(CHANNEL) == []  # still usable: its owner closes it
    database.close()


def test_a_store_given_a_url_opens_and_closes_its_own_database() -> None:
    store = SqlStore("sqlite://")
    assert store.database.url == "sqlite://" and store.url == "sqlite://"
    store.ping()
    store.close()
