"""Due work in SQL: the channels and posts whose time has come, claimed in bounded batches.

On PostgreSQL a claim locks its rows with ``FOR UPDATE SKIP LOCKED`` and moves their due time
past a lease before committing, so instances claiming at once get disjoint batches and an
instance that dies mid-batch leaves its rows due again when the lease ends. SQLite takes the
write lock up front (``BEGIN IMMEDIATE``), which serialises claims the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from datetime import datetime, timedelta

from sqlalchemy import BigInteger, ColumnElement, case, cast, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from bot.core.model import ChannelRef, Post, Schedule, Scope
from bot.storage.convert import channel_ref, channel_where, post_of, schedule_of
from bot.storage.tables import ChannelRow, PostRow

SHARD_DIVISOR = 1 << 22
"""Discord routes a guild to shard ``(guild_id >> 22) % shard_count``."""


def scope_where(scope: Scope) -> tuple[ColumnElement[bool], ...]:
    """Criteria selecting the channels ``scope`` serves."""
    criteria: list[ColumnElement[bool]] = []
    if scope.platform:
        criteria.append(ChannelRow.platform == scope.platform)
    if scope.shard_count > 1 and scope.shard_ids:
        guild = case((ChannelRow.workspace == "", 0), else_=cast(ChannelRow.workspace, BigInteger))
        shard = (guild // SHARD_DIVISOR) % scope.shard_count
        criteria.append(shard.in_(scope.shard_ids))
    return tuple(criteria)


class DueWorkStore:
    """The due-work half of ``SqlStore`` (mixed in; uses its sessions)."""

    def _write(self) -> AbstractContextManager[Session]:
        raise NotImplementedError  # SqlStore's write transaction

    def _claim_channels(
        self,
        column: InstrumentedAttribute[datetime | None],
        scope: Scope,
        now: datetime,
        limit: int,
        until: datetime,
    ) -> list[tuple[ChannelRef, Schedule]]:
        with self._write() as session:
            rows = session.scalars(
                select(ChannelRow)
                .where(column <= now, ChannelRow.paused.is_(False), *scope_where(scope))
                .order_by(column)
                .limit(limit)
                .with_for_update(skip_locked=True)
            ).all()
            if rows:
                session.execute(
                    update(ChannelRow)
                    .where(ChannelRow.id.in_([row.id for row in rows]))
                    .values({column.key: until})
                    .execution_options(synchronize_session=False)
                )
            return [(channel_ref(row), schedule_of(row)) for row in rows]

    def _set_due(
        self,
        column: InstrumentedAttribute[datetime | None],
        channel: ChannelRef,
        when: datetime | None,
        claimed_until: datetime,
    ) -> bool:
        with self._write() as session:
            result = session.execute(
                update(ChannelRow)
                .where(*channel_where(channel), column == claimed_until)
                .values({column.key: when})
                .execution_options(synchronize_session=False)
            )
            return bool(getattr(result, "rowcount", 0))

    def claim_due_posts(
        self, scope: Scope, now: datetime, limit: int, lease: timedelta
    ) -> list[tuple[ChannelRef, Schedule]]:
        """Up to ``limit`` channels whose next slot has come, each claimed until ``now + lease``."""
        return self._claim_channels(ChannelRow.next_post_at, scope, now, limit, now + lease)

    def set_next_post(
        self, channel: ChannelRef, when: datetime | None, claimed_until: datetime
    ) -> bool:
        """Record when the channel next needs a look, unless its claim of ``claimed_until`` was
        superseded (its schedule changed meanwhile, or another instance re-claimed it)."""
        return self._set_due(ChannelRow.next_post_at, channel, when, claimed_until)

    def claim_due_recaps(
        self, scope: Scope, now: datetime, limit: int, lease: timedelta
    ) -> list[tuple[ChannelRef, Schedule]]:
        """Up to ``limit`` channels whose weekly recap time has come, claimed like posts."""
        return self._claim_channels(ChannelRow.next_recap_at, scope, now, limit, now + lease)

    def set_next_recap(
        self, channel: ChannelRef, when: datetime | None, claimed_until: datetime
    ) -> bool:
        """Record the channel's next recap time (as ``set_next_post``)."""
        return self._set_due(ChannelRow.next_recap_at, channel, when, claimed_until)

    def _claim_posts(
        self,
        criteria: tuple[ColumnElement[bool], ...],
        order: ColumnElement[object] | InstrumentedAttribute[datetime | None],
        limit: int,
        values: Mapping[str, object],
    ) -> list[Post]:
        with self._write() as session:
            found = session.execute(
                select(PostRow, ChannelRow)
                .join(ChannelRow, ChannelRow.id == PostRow.channel_id)
                .where(*criteria)
                .order_by(order)
                .limit(limit)
                .with_for_update(of=PostRow, skip_locked=True)
            ).all()
            if found:
                session.execute(
                    update(PostRow)
                    .where(PostRow.id.in_([post.id for post, _ in found]))
                    .values(values)
                    .execution_options(synchronize_session=False)
                )
            return [post_of(post, channel) for post, channel in found]

    def claim_reveals(self, scope: Scope, now: datetime, limit: int) -> list[Post]:
        """Up to ``limit`` posted, unrevealed posts whose reveal time has come, marked revealed
        in the same transaction (each is revealed by exactly one instance)."""
        criteria = (
            PostRow.revealed_at.is_(None),
            PostRow.reveal_due_at <= now,
            PostRow.message_id.is_not(None),
            PostRow.skipped.is_(False),
            *scope_where(scope),
        )
        values = {"revealed_at": now, "hint_from": None}
        return self._claim_posts(criteria, PostRow.reveal_due_at, limit, values)

    def claim_hints(self, scope: Scope, before: datetime, limit: int) -> list[Post]:
        """Up to ``limit`` posts waiting for a facilitator's hint since ``before`` or earlier,
        taken off the waiting list (the caller decides whether each still deserves one)."""
        criteria = (PostRow.hint_from <= before, *scope_where(scope))
        return self._claim_posts(criteria, PostRow.hint_from, limit, {"hint_from": None})
