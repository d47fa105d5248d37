"""Schema creation by the shipped migrations, SQLite tuning, and data surviving a reopen."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import IntegrityError

from bot.core.model import Attempt, MessageRef, Schedule, UserRef
from bot.storage.migrate import alembic_config, upgrade
from bot.storage.sql_store import SqlStore
from bot.storage.tables import Base
from tests.storage.conftest import CHANNEL, PostgresServer

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
HEAD = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def test_upgrade_creates_the_schema_on_a_fresh_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/nested/dir/qotd.db"
    upgrade(url)
    upgrade(url)  # a second run is a no-op
    engine = create_engine(url)
    schema = inspect(engine)
    assert {"channels", "posts", "attempts", "notices", "alembic_version"} <= set(
        schema.get_table_names()
    )
    uniques = {tuple(u["column_names"]) for u in schema.get_unique_constraints("posts")}
    assert ("channel_id", "local_date") in uniques
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT version_num FROM alembic_version")) == HEAD
    engine.dispose()


def test_migrated_schema_matches_the_tables(database_url: str) -> None:
    SqlStore(database_url).close()
    engine = create_engine(database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
    engine.dispose()


@pytest.mark.postgres
def test_store_migrates_a_fresh_postgres_database(postgres: PostgresServer) -> None:
    store = SqlStore(postgres.new_database())
    assert store.ensure_channel(CHANNEL) == Schedule()
    store.close()


def test_sqlite_file_uses_wal_and_enforces_foreign_keys(tmp_path: Path) -> None:
    store = SqlStore(f"sqlite:///{tmp_path}/qotd.db")
    with store.database.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert (connection.exec_driver_sql("PRAGMA busy_timeout").scalar() or 0) >= 1000
    attempt = Attempt(404, UserRef("slack", "U1"), "x", 1, (), (), False, NOW)
    with pytest.raises(IntegrityError):
        store.add_attempt(attempt)
    store.close()


def test_in_memory_sqlite_works_across_threads() -> None:
    store = SqlStore("sqlite://")
    with ThreadPoolExecutor(4) as threads:
        claims = list(
            threads.map(
                lambda day: store.claim_post(CHANNEL, f"2026-03-{day:02d}", "item", 0, NOW, None),
                [1, 2, 3, 1, 2, 3, 4, 4],
            )
        )
    assert sum(post is not None for post in claims) == 4
    assert len(store.recent_posts(CHANNEL, 10)) == 4
    store.close()


def test_data_survives_reopening_the_store(database_url: str) -> None:
    store = SqlStore(database_url)
    store.set_schedule(CHANNEL, Schedule(hour=6, topics=("math",)))
    post = store.claim_post(CHANNEL, "2026-03-10", "item-1", 2, NOW, NOW)
    assert post is not None
    store.set_post_message(post.id, MessageRef(CHANNEL, "m-1", "t-1"))
    store.add_attempt(Attempt(post.id, UserRef("slack", "U1", "Ann"), "x", 70, (), (), False, NOW))
    store.close()

    reopened = SqlStore(database_url)
    assert reopened.get_schedule(CHANNEL) == Schedule(hour=6, topics=("math",))
    again = reopened.post_for_date(CHANNEL, "2026-03-10")
    assert again is not None and again.message == MessageRef(CHANNEL, "m-1", "t-1")
    assert again.cycle == 2 and again.created_at == NOW
    assert [a.score for a in reopened.attempts_for_post(post.id)] == [70]
    assert reopened.claim_post(CHANNEL, "2026-03-10", "item-2", 2, NOW, None) is None
    reopened.close()
