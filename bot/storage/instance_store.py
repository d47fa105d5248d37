"""Instance heartbeats in SQL (``bot.core.instances``): one row per running instance."""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.core.model import Instance, Scope
from bot.storage.tables import InstanceRow


def _shards(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(",") if part)


class InstanceStore:
    """The heartbeat half of ``SqlStore`` (mixed in; uses its sessions and instance name)."""

    instance: str

    def _read(self) -> AbstractContextManager[Session]:
        raise NotImplementedError  # SqlStore's read transaction

    def _write(self) -> AbstractContextManager[Session]:
        raise NotImplementedError  # SqlStore's write transaction

    def beat(self, scope: Scope, now: datetime, forget_before: datetime) -> None:
        """Record this instance alive at ``now`` serving ``scope``; delete the rows of
        instances silent since before ``forget_before``."""
        values = {
            "platform": scope.platform,
            "shard_count": scope.shard_count,
            "shard_ids": ",".join(map(str, scope.shard_ids)),
            "seen_at": now,
        }
        with self._write() as session:
            session.execute(delete(InstanceRow).where(InstanceRow.seen_at < forget_before))
            found = session.execute(
                update(InstanceRow).where(InstanceRow.name == self.instance).values(values)
            )
            if getattr(found, "rowcount", 0):
                return
        try:
            with self._write() as session:
                session.add(InstanceRow(name=self.instance, started_at=now, **values))
        except IntegrityError:  # a twin of this name inserted it meanwhile: it is alive
            pass

    def instances(self, platform: str) -> list[Instance]:
        """Every recorded instance of ``platform``, live or not, with when it was last seen."""
        with self._read() as session:
            rows = session.scalars(
                select(InstanceRow).where(InstanceRow.platform == platform)
            ).all()
            return [
                Instance(
                    row.name,
                    Scope(row.platform, row.shard_count, _shards(row.shard_ids)),
                    row.started_at,
                    row.seen_at,
                )
                for row in rows
            ]

    def leave(self) -> None:
        """Delete this instance's row (it stops cleanly)."""
        with self._write() as session:
            session.execute(delete(InstanceRow).where(InstanceRow.name == self.instance))
