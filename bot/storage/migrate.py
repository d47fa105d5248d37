"""Bring a database to the newest schema with the Alembic migrations shipped in the package."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from bot.storage.engine import make_engine, unavailable, writer

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

_MIGRATION_LOCK = 7_310_451
"""PostgreSQL advisory lock key serialising concurrent migrations."""


def alembic_config(url: str) -> Config:
    """An Alembic configuration for ``url`` that needs no alembic.ini."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # ConfigParser treats "%" as interpolation; URL-encoded passwords contain it.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade_connection(connection: Connection) -> None:
    """Migrate to head through an open connection, inside its transaction."""
    config = alembic_config(connection.engine.url.render_as_string(hide_password=False))
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def migrate_engine(engine: Engine) -> None:
    """Migrate to head in one locked transaction, so racing processes migrate one at a time.

    The transaction also writes (a no-op update), so a read-only database is refused here,
    at start-up, not at the first answer. Any failure is a ``DatabaseUnavailable`` that says
    what to do.
    """
    try:
        with writer(engine).connect() as connection, connection.begin():
            if connection.dialect.name == "postgresql":
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK}
                )
            upgrade_connection(connection)
            connection.execute(text("UPDATE alembic_version SET version_num = version_num"))
    except (DBAPIError, OSError) as error:
        raise unavailable(engine.url, error) from error


def upgrade(url: str) -> None:
    """Migrate the database at ``url`` to head (creates the schema on a fresh database)."""
    engine = make_engine(url)
    try:
        migrate_engine(engine)
    finally:
        engine.dispose()
