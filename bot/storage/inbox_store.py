"""The ``InboxStore`` port on SQLAlchemy: deliveries keyed by the platform's event id."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import CursorResult, and_, delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.core.model import Delivery
from bot.storage.database import Database, opened
from bot.storage.sql_store import instance_id
from bot.storage.tables import InboxRow


class SqlInbox:
    """The inbox table; ``UNIQUE(platform, key)`` decides which delivery is the first."""

    def __init__(self, database: Database | str, instance: str = "") -> None:
        self.database, self._owns = opened(database)
        self.instance = instance or instance_id()

    def _write(self) -> AbstractContextManager[Session]:
        return self.database.session(write=True)

    def receive_delivery(self, delivery: Delivery, now: datetime, lease: timedelta) -> bool:
        """Insert the delivery claimed by this instance; on a repeat, take it over only if it
        is not done and its claim is older than ``lease`` (one conditional UPDATE, so of
        racing instances one wins)."""
        row = InboxRow(
            platform=delivery.platform,
            key=delivery.key,
            payload=delivery.payload,
            received_at=delivery.received_at,
            claimed_by=self.instance,
            claimed_at=now,
            tries=1,
        )
        try:
            with self._write() as session:
                session.add(row)
            return True
        except IntegrityError:
            pass  # delivered before: done, in progress, or abandoned
        with self._write() as session:
            result = session.execute(
                update(InboxRow)
                .where(
                    InboxRow.platform == delivery.platform,
                    InboxRow.key == delivery.key,
                    InboxRow.done_at.is_(None),
                    InboxRow.claimed_at < now - lease,
                )
                .values(claimed_by=self.instance, claimed_at=now, tries=InboxRow.tries + 1)
            )
            return cast(CursorResult[object], result).rowcount == 1

    def finish_delivery(self, platform: str, key: str, now: datetime) -> None:
        """Mark the delivery done and drop its payload (member text is not kept longer)."""
        with self._write() as session:
            session.execute(
                update(InboxRow)
                .where(InboxRow.platform == platform, InboxRow.key == key)
                .where(InboxRow.done_at.is_(None))
                .values(done_at=now, payload="")
            )

    def save_progress(self, platform: str, key: str, payload: str) -> None:
        """Replace the unfinished delivery's payload (how far its processing got)."""
        with self._write() as session:
            session.execute(
                update(InboxRow)
                .where(InboxRow.platform == platform, InboxRow.key == key)
                .where(InboxRow.done_at.is_(None))
                .values(payload=payload)
            )

    def stored_payload(self, platform: str, key: str) -> str | None:
        """The unfinished delivery's payload, None when it is done or unknown."""
        with self.database.session() as session:
            return session.scalar(
                select(InboxRow.payload)
                .where(InboxRow.platform == platform, InboxRow.key == key)
                .where(InboxRow.done_at.is_(None))
            )

    def claim_unfinished(
        self, platform: str, now: datetime, lease: timedelta, limit: int, orphaned_before: datetime
    ) -> list[Delivery]:
        """Unfinished deliveries nobody is processing, claimed for this instance, oldest
        first; each by a conditional UPDATE, so racing instances share them out."""
        free = or_(
            InboxRow.claimed_at < now - lease,
            and_(InboxRow.claimed_by == self.instance, InboxRow.claimed_at < orphaned_before),
        )
        claimed: list[Delivery] = []
        with self._write() as session:
            rows = session.scalars(
                select(InboxRow)
                .where(InboxRow.platform == platform, InboxRow.done_at.is_(None), free)
                .order_by(InboxRow.received_at, InboxRow.id)
                .limit(limit)
            ).all()
            for row in rows:
                result = session.execute(
                    update(InboxRow)
                    .where(InboxRow.id == row.id, InboxRow.done_at.is_(None), free)
                    .values(claimed_by=self.instance, claimed_at=now, tries=InboxRow.tries + 1)
                    .execution_options(synchronize_session=False)
                )
                if cast(CursorResult[object], result).rowcount == 1:
                    claimed.append(
                        Delivery(row.platform, row.key, row.payload, row.received_at, row.tries + 1)
                    )
        return claimed

    def renew_deliveries(self, platform: str, keys: Sequence[str], now: datetime) -> None:
        """Move this instance's claims of ``keys`` to ``now``."""
        with self._write() as session:
            session.execute(
                update(InboxRow)
                .where(InboxRow.platform == platform, InboxRow.key.in_(list(keys)))
                .where(InboxRow.claimed_by == self.instance, InboxRow.done_at.is_(None))
                .values(claimed_at=now)
            )

    def prune_deliveries(self, before: datetime) -> int:
        """Delete deliveries done before ``before``."""
        with self._write() as session:
            result = session.execute(delete(InboxRow).where(InboxRow.done_at < before))
            return cast(CursorResult[object], result).rowcount

    def close(self) -> None:
        """Release connections (of a database this inbox opened itself)."""
        if self._owns:
            self.database.close()
