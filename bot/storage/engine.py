"""Engine construction: SQLite tuned for several processes (WAL, foreign keys), PostgreSQL as is."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Connection, Engine, create_engine, event, make_url, pool

BUSY_TIMEOUT_MS = 15_000
IMMEDIATE = "qotd_sqlite_immediate"
"""Execution option: SQLite transactions start with ``BEGIN IMMEDIATE`` (the write lock)."""


class DatabaseUnavailable(RuntimeError):
    """The database cannot be opened or written; the message says which and what to do."""


def unavailable(url: str | URL, error: BaseException) -> DatabaseUnavailable:
    """``error`` from opening or migrating the database at ``url`` as one sentence for people."""
    parsed = make_url(url)
    orig = getattr(error, "orig", None) or error
    reason = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
    low = reason.lower()
    if parsed.get_backend_name() == "sqlite":
        where = parsed.database or "(in memory)"
        if "readonly" in low or "read-only" in low or isinstance(error, PermissionError):
            return DatabaseUnavailable(
                f"The database {where} is read-only ({reason}): give the user running qotd "
                "write access to the file and its directory, or set QOTD_DATABASE_URL to a "
                "writable place."
            )
        if "not a database" in low or "malformed" in low or "corrupt" in low:
            return DatabaseUnavailable(
                f"The database {where} is damaged or not a qotd SQLite file ({reason}): "
                "restore it from a backup, or move it aside and start again with an empty one."
            )
        return DatabaseUnavailable(
            f"Cannot open the database {where} ({reason}): check that its directory exists "
            "and is writable, or set QOTD_DATABASE_URL."
        )
    shown = parsed.render_as_string(hide_password=True)
    if "read-only" in low or "permission denied" in low:
        return DatabaseUnavailable(
            f"The database at {shown} refuses writes ({reason}): point QOTD_DATABASE_URL at "
            "the primary server, with a user that may create tables and write."
        )
    return DatabaseUnavailable(
        f"Cannot use the database at {shown} ({reason}): check that the server is running "
        "and reachable, and the host, port, user, password and database name in "
        "QOTD_DATABASE_URL."
    )


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite files get their directory created and WAL mode enabled."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    database = parsed.database or ""
    in_memory = database in ("", ":memory:") or "mode=memory" in str(parsed.query)
    kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False}}
    if in_memory:
        # One shared connection, or every checkout would see its own empty database.
        kwargs["poolclass"] = pool.StaticPool
    elif not database.startswith("file:"):
        try:
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise unavailable(url, error) from error
    engine = create_engine(url, **kwargs)
    _tune_sqlite(engine)
    return engine


def _tune_sqlite(engine: Engine) -> None:
    """Pragmas on every connection, and explicit BEGINs so transactions really isolate."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite's own transaction handling defers BEGIN and ignores DDL; take control of it.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        _use_wal(cursor)
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get(IMMEDIATE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _use_wal(cursor: Any) -> None:
    """Switch the file to WAL, waiting out other processes doing the same.

    WAL is persistent, so a file already in WAL is left alone. The switch itself needs an
    exclusive lock and SQLite answers "database is locked" at once, without its busy
    handler, when several processes open a fresh file together: retry until the timeout.
    """
    if str(cursor.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal":
        return
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    delay = 0.01
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.25)


def writer(engine: Engine) -> Engine:
    """The engine to write through: on SQLite its transactions take the write lock up front.

    Without it a read-then-write transaction can fail with SQLITE_BUSY instead of waiting.
    """
    return engine.execution_options(**{IMMEDIATE: True})
