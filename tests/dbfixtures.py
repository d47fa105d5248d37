"""Database fixtures shared by the storage, scheduling and reliability tests.

``database_url`` runs a test on a fresh SQLite file and on PostgreSQL; without a reachable
server the PostgreSQL half skips with the reason (and fails under CI=true). Import the
fixtures into a conftest or test module: ``from tests.dbfixtures import database_url, ...``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.exc import OperationalError

from bot.storage.sql_store import SqlStore

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


class PostgresServer:
    """Creates uniquely named databases on the test server and drops them all at the end."""

    def __init__(self, base_url: str, admin: Engine) -> None:
        self.base_url = make_url(base_url)
        self.admin = admin
        self.created: list[str] = []

    def new_database(self) -> str:
        """Create an empty database and return its URL."""
        name = f"qotd_test_{uuid.uuid4().hex[:12]}"
        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        self.created.append(name)
        return self.base_url.set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        with self.admin.connect() as connection:
            for name in self.created:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """The PostgreSQL server at QOTD_TEST_POSTGRES_URL; skipped when unreachable unless CI=true."""
    base_url = os.environ.get("QOTD_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    admin = create_engine(
        base_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5}
    )
    try:
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as error:
        admin.dispose()
        message = f"PostgreSQL unreachable at {make_url(base_url)!r}: {error.orig}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message} (CI=true: PostgreSQL tests must run)")
        pytest.skip(f"{message}; set QOTD_TEST_POSTGRES_URL or start the server")
    server = PostgresServer(base_url, admin)
    yield server
    server.drop_all()


@pytest.fixture(scope="session")
def postgres_url(postgres: PostgresServer) -> str:
    """One migrated database shared by the session; each test empties it afterwards."""
    url = postgres.new_database()
    SqlStore(url).close()
    return url


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A URL of an empty qotd database on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'qotd.db'}"
        return
    url: str = request.getfixturevalue("postgres_url")
    yield url
    engine = create_engine(url)
    with engine.begin() as connection:
        # Every table, also those later migrations add.
        tables = connection.scalars(
            text(
                "SELECT quote_ident(tablename) FROM pg_tables "
                "WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
            )
        ).all()
        connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    engine.dispose()
