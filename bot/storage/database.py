"""One database object per process: the engine, its writer, migrated once, shared by every store."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext

from sqlalchemy import Engine, pool
from sqlalchemy.orm import Session

from bot.storage.engine import make_engine, writer
from bot.storage.migrate import migrate_engine


class Database:
    """The engine every store of a process reads and writes through.

    Built once (``Database(url)`` migrates it to head); ``SqlStore``, ``SqlLearningStore`` and
    ``SqlInbox`` given the same object share its connections, so ``sqlite://`` is one
    in-memory database for all of them, and a file or server is opened and migrated once.
    """

    def __init__(self, url: str, *, migrate: bool = True) -> None:
        self.url = url
        self.engine: Engine = make_engine(url)
        self.writer: Engine = writer(self.engine)
        # An in-memory SQLite database is one shared connection: every store takes turns on it.
        shared = isinstance(self.engine.pool, pool.StaticPool)
        self._turn: AbstractContextManager[object] = threading.RLock() if shared else nullcontext()
        if migrate:
            try:
                migrate_engine(self.engine)
            except BaseException:
                self.engine.dispose()
                raise

    @contextmanager
    def session(self, *, write: bool = False) -> Iterator[Session]:
        """One transaction; ``write`` takes SQLite's write lock up front (see ``writer``)."""
        engine = self.writer if write else self.engine
        with self._turn, Session(engine, expire_on_commit=False) as session, session.begin():
            yield session

    def close(self) -> None:
        """Release the connections (every store on this database is closed with it)."""
        self.engine.dispose()


def opened(database: Database | str) -> tuple[Database, bool]:
    """``database`` itself, or a new one for a URL; the flag says whether the caller owns it."""
    if isinstance(database, Database):
        return database, False
    return Database(database), True
