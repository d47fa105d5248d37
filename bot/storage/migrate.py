"""Bring a database to the newest schema with the Alembic migrations shipped in the package."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    """An Alembic configuration for ``url`` that needs no alembic.ini."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # ConfigParser treats "%" as interpolation; URL-encoded passwords contain it.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str) -> None:
    """Migrate the database at ``url`` to head (creates the schema on a fresh database)."""
    command.upgrade(alembic_config(url), "head")


def upgrade_connection(connection: Connection, url: str = "") -> None:
    """Migrate to head through an open connection (so SQLite pragmas and locks apply)."""
    config = alembic_config(url)
    config.attributes["connection"] = connection
    command.upgrade(config, "head")
