"""The ``Store`` port on SQLAlchemy: SQLite for one host, PostgreSQL for several processes."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from typing import cast

from sqlalchemy import ColumnElement, CursorResult, delete, desc, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.core.model import Attempt, ChannelRef, MessageRef, Post, Schedule, UserStats
from bot.storage import progress
from bot.storage.convert import (
    apply_schedule,
    attempt_of,
    attempt_row,
    channel_ref,
    channel_where,
    post_of,
    schedule_of,
)
from bot.storage.database import Database, opened
from bot.storage.due_store import DueWorkStore
from bot.storage.tables import AttemptRow, ChannelRow, NoticeRow, PostRow, ThreadMarkRow

log = logging.getLogger(__name__)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def instance_id() -> str:
    """This process as other instances see it in claims and logs: ``hostname:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"[:128]


class SqlStore(DueWorkStore):
    """Channels, posts and attempts in a SQL database; migrates it to head on construction."""

    def __init__(
        self,
        database: Database | str,
        clock: Callable[[], datetime] = _utc_now,
        instance: str = "",
    ) -> None:
        self.database, self._owns = opened(database)
        self.url = self.database.url
        self.instance = instance or instance_id()
        self._clock = clock

    def _read(self) -> AbstractContextManager[Session]:
        return self.database.session()

    def _write(self) -> AbstractContextManager[Session]:
        return self.database.session(write=True)

    def _channel_row(self, session: Session, channel: ChannelRef) -> ChannelRow | None:
        return session.scalars(select(ChannelRow).where(*channel_where(channel))).first()

    def _channel(self, channel: ChannelRef) -> ChannelRow:
        """The channel's row, inserted with the default schedule if new (safe when racing)."""
        with self._read() as session:
            row = self._channel_row(session, channel)
        if row is not None:
            return row
        try:
            with self._write() as session:
                row = ChannelRow(
                    platform=channel.platform, workspace=channel.workspace, channel=channel.channel
                )
                apply_schedule(row, Schedule())
                session.add(row)
            return row
        except IntegrityError:  # another process registered it first
            with self._read() as session:
                found = self._channel_row(session, channel)
            if found is None:
                raise
            return found

    def ensure_channel(self, channel: ChannelRef) -> Schedule:
        """Register the channel if new (default schedule) and return its schedule."""
        return schedule_of(self._channel(channel))

    def get_schedule(self, channel: ChannelRef) -> Schedule | None:
        """The channel's schedule, or None if the channel is unknown."""
        with self._read() as session:
            row = self._channel_row(session, channel)
        return None if row is None else schedule_of(row)

    def set_schedule(self, channel: ChannelRef, schedule: Schedule) -> None:
        """Replace the channel's schedule (creating the channel if needed)."""
        channel_id = self._channel(channel).id
        with self._write() as session:
            row = session.get_one(ChannelRow, channel_id)
            apply_schedule(row, schedule)

    def list_channels(self) -> list[tuple[ChannelRef, Schedule]]:
        """Every known channel with its schedule."""
        with self._read() as session:
            rows = session.scalars(select(ChannelRow).order_by(ChannelRow.id)).all()
        return [(channel_ref(row), schedule_of(row)) for row in rows]

    def _posts(
        self,
        session: Session,
        *criteria: ColumnElement[bool],
        newest_first: bool = False,
        limit: int | None = None,
    ) -> list[Post]:
        order = (desc(PostRow.local_date), desc(PostRow.id)) if newest_first else (PostRow.id,)
        query = (
            select(PostRow, ChannelRow)
            .join(ChannelRow, ChannelRow.id == PostRow.channel_id)
            .where(*criteria)
            .order_by(*order)
            .limit(limit)
        )
        return [post_of(post, channel) for post, channel in session.execute(query)]

    def claim_post(
        self,
        channel: ChannelRef,
        local_date: str,
        item_id: str,
        cycle: int,
        now: datetime,
        reveal_due_at: datetime | None,
        takeover_after: timedelta | None = None,
    ) -> Post | None:
        """Record the post for (channel, local date) before posting; None if one already exists.

        The UNIQUE(channel_id, local_date) constraint decides races between processes. With
        ``takeover_after``, a claim without a recorded message older than that is taken over
        by one conditional UPDATE, so of several racing instances exactly one wins it.
        """
        row = self._channel(channel)
        post = PostRow(
            channel_id=row.id,
            local_date=local_date,
            item_id=item_id,
            cycle=cycle,
            created_at=now,
            reveal_due_at=reveal_due_at,
            skipped=False,
            claimed_by=self.instance,
            hint_from=now,
        )
        try:
            with self._write() as session:
                session.add(post)
        except IntegrityError:
            if takeover_after is None:
                return None
            return self._take_over(
                row, local_date, item_id, cycle, now, reveal_due_at, takeover_after
            )
        return post_of(post, row)

    def _take_over(
        self,
        channel: ChannelRow,
        local_date: str,
        item_id: str,
        cycle: int,
        now: datetime,
        reveal_due_at: datetime | None,
        takeover_after: timedelta,
    ) -> Post | None:
        with self._write() as session:
            stale = session.scalars(
                select(PostRow).where(
                    PostRow.channel_id == channel.id,
                    PostRow.local_date == local_date,
                    PostRow.message_id.is_(None),
                    PostRow.created_at < now - takeover_after,
                )
            ).first()
            if stale is None:
                return None
            previous = stale.claimed_by or "an unknown instance"
            # The WHERE repeats the staleness test: on PostgreSQL a racing instance that updated
            # the row first makes this UPDATE match nothing once its lock is released.
            result = session.execute(
                update(PostRow)
                .where(
                    PostRow.id == stale.id,
                    PostRow.message_id.is_(None),
                    PostRow.created_at < now - takeover_after,
                )
                .values(
                    item_id=item_id,
                    cycle=cycle,
                    created_at=now,
                    reveal_due_at=reveal_due_at,
                    claimed_by=self.instance,
                    hint_from=now,
                )
            )
            if cast(CursorResult[object], result).rowcount != 1:
                return None
            post_id = stale.id
        log.warning(
            "%s took over the unposted claim of %s for %s on %s",
            self.instance,
            previous,
            channel_ref(channel),
            local_date,
        )
        return self.get_post(post_id)

    def set_post_message(self, post_id: int, message: MessageRef) -> None:
        """Record the platform message (and thread) of a claimed post."""
        with self._write() as session:
            session.execute(
                update(PostRow)
                .where(PostRow.id == post_id)
                .values(message_id=message.message_id, thread_id=message.thread_id or None)
            )

    def release_post(self, post_id: int) -> None:
        """Forget a claim whose posting failed, so it can be retried.

        Only this instance's own unposted claim is released: if another instance took it over
        meanwhile (this one was too slow), the claim is theirs now.
        """
        with self._write() as session:
            mine = session.scalars(
                select(PostRow.id).where(
                    PostRow.id == post_id,
                    PostRow.message_id.is_(None),
                    or_(PostRow.claimed_by == self.instance, PostRow.claimed_by.is_(None)),
                )
            ).first()
            if mine is None:
                log.warning("%s: claim %s was taken over; not releasing it", self.instance, post_id)
                return
            session.execute(delete(AttemptRow).where(AttemptRow.post_id == post_id))
            session.execute(delete(PostRow).where(PostRow.id == post_id))

    def get_post(self, post_id: int) -> Post | None:
        """A post by id."""
        with self._read() as session:
            return next(iter(self._posts(session, PostRow.id == post_id)), None)

    def post_for_date(self, channel: ChannelRef, local_date: str) -> Post | None:
        """The post claimed for the channel on that local date, if any."""
        with self._read() as session:
            found = self._posts(session, *channel_where(channel), PostRow.local_date == local_date)
        return found[0] if found else None

    def post_by_thread(self, channel: ChannelRef, thread_id: str) -> Post | None:
        """The post whose message or thread id is ``thread_id`` in that channel."""
        if not thread_id:
            return None
        matches = or_(PostRow.thread_id == thread_id, PostRow.message_id == thread_id)
        with self._read() as session:
            found = self._posts(session, *channel_where(channel), matches, newest_first=True)
        return found[0] if found else None

    def latest_post(self, channel: ChannelRef) -> Post | None:
        """The channel's most recent post (by local date, then id)."""
        found = self.recent_posts(channel, 1)
        return found[0] if found else None

    def posts_in_cycle(self, channel: ChannelRef, cycle: int) -> list[Post]:
        """Posts of the channel in that selection cycle, oldest first."""
        with self._read() as session:
            return self._posts(session, *channel_where(channel), PostRow.cycle == cycle)

    def recent_posts(self, channel: ChannelRef, limit: int) -> list[Post]:
        """The channel's newest posts, newest first."""
        with self._read() as session:
            return self._posts(session, *channel_where(channel), newest_first=True, limit=limit)

    def mark_revealed(self, post_id: int, now: datetime) -> bool:
        """Mark the post revealed; False if it already was (so a reveal happens once)."""
        with self._write() as session:
            result = session.execute(
                update(PostRow)
                .where(PostRow.id == post_id, PostRow.revealed_at.is_(None))
                .values(revealed_at=now, hint_from=None)
            )
            return cast(CursorResult[object], result).rowcount == 1

    def mark_skipped(self, post_id: int) -> None:
        """Mark the post skipped (its item was replaced by another)."""
        with self._write() as session:
            session.execute(
                update(PostRow).where(PostRow.id == post_id).values(skipped=True, hint_from=None)
            )

    def posts_due_for_reveal(self, now: datetime) -> list[Post]:
        """Posted, unrevealed posts whose reveal time has come."""
        with self._read() as session:
            return self._posts(
                session,
                PostRow.message_id.is_not(None),
                PostRow.revealed_at.is_(None),
                PostRow.skipped.is_(False),
                PostRow.reveal_due_at <= now,
            )

    def add_attempt(self, attempt: Attempt) -> bool:
        """Store a graded answer attempt; False if its message was already stored (redelivery)."""
        try:
            with self._write() as session:
                session.add(attempt_row(attempt))
        except IntegrityError:
            if attempt.message_id and self._has_attempt(attempt.post_id, attempt.message_id):
                return False
            raise
        return True

    def _has_attempt(self, post_id: int, message_id: str) -> bool:
        with self._read() as session:
            found = session.scalars(
                select(AttemptRow.id).where(
                    AttemptRow.post_id == post_id, AttemptRow.message_id == message_id
                )
            ).first()
        return found is not None

    def mark_feedback_sent(self, post_id: int, message_id: str) -> None:
        """Record that the attempt of ``message_id`` on the post got its feedback."""
        with self._write() as session:
            session.execute(
                update(AttemptRow)
                .where(AttemptRow.post_id == post_id, AttemptRow.message_id == message_id)
                .values(feedback_sent=True)
            )

    def add_notice(self, channel: ChannelRef, text: str) -> None:
        """Keep a message for the channel's admins until their next command."""
        channel_id = self._channel(channel).id
        with self._write() as session:
            session.add(NoticeRow(channel_id=channel_id, text=text, created_at=self._clock()))

    def take_notices(self, channel: ChannelRef) -> list[str]:
        """The channel's pending admin notices, removed so each is shown once."""
        with self._write() as session:
            row = self._channel_row(session, channel)
            if row is None:
                return []
            # FOR UPDATE: of two racing commands only one sees (and deletes) the notices.
            notices = session.scalars(
                select(NoticeRow)
                .where(NoticeRow.channel_id == row.id)
                .order_by(NoticeRow.id)
                .with_for_update()
            ).all()
            if notices:
                session.execute(delete(NoticeRow).where(NoticeRow.id.in_([n.id for n in notices])))
            return [notice.text for notice in notices]

    def attempts_for_post(self, post_id: int) -> list[Attempt]:
        """Every attempt on a post, oldest first."""
        with self._read() as session:
            rows = session.scalars(
                select(AttemptRow)
                .where(AttemptRow.post_id == post_id)
                .order_by(AttemptRow.created_at, AttemptRow.id)
            ).all()
        return [attempt_of(row) for row in rows]

    def user_stats(self, channel: ChannelRef, user_id: str, timezone: str) -> UserStats | None:
        """A member's progress in the channel (streaks counted in ``timezone`` local days).

        None when the member has no unflagged answer there.
        """
        with self._read() as session:
            row = self._channel_row(session, channel)
            if row is None:
                return None
            return progress.user_stats(session, row.id, user_id, timezone, self._clock())

    def leaderboard(
        self, channel: ChannelRef, since: datetime | None, limit: int, timezone: str
    ) -> list[UserStats]:
        """Members ranked by points earned since ``since`` (all time when None)."""
        with self._read() as session:
            row = self._channel_row(session, channel)
            if row is None:
                return []
            return progress.leaderboard(session, row.id, since, limit, timezone, self._clock())

    def open_posts(self, platform: str, since: datetime) -> list[Post]:
        """Posted, unrevealed, unskipped posts of ``platform`` created at or after ``since``."""
        with self._read() as session:
            return self._posts(
                session,
                ChannelRow.platform == platform,
                PostRow.message_id.is_not(None),
                PostRow.revealed_at.is_(None),
                PostRow.skipped.is_(False),
                PostRow.created_at >= since,
            )

    def thread_mark(self, post_id: int) -> str:
        """The id of the last thread message answer catch-up read for the post ("" if none)."""
        with self._read() as session:
            row = session.get(ThreadMarkRow, post_id)
            return row.message_id if row else ""

    def set_thread_mark(self, post_id: int, message_id: str, now: datetime) -> None:
        """Record how far answer catch-up read the post's thread (last writer wins: each
        writer has read everything up to its mark)."""
        change = (
            update(ThreadMarkRow)
            .where(ThreadMarkRow.post_id == post_id)
            .values(message_id=message_id, marked_at=now)
        )
        try:
            with self._write() as session:
                if cast(CursorResult[object], session.execute(change)).rowcount == 0:
                    session.add(
                        ThreadMarkRow(post_id=post_id, message_id=message_id, marked_at=now)
                    )
        except IntegrityError:  # another instance inserted it meanwhile
            with self._write() as session:
                session.execute(change)

    def ping(self) -> None:
        """Raise if the database cannot be reached (health checks)."""
        with self._read() as session:
            session.execute(select(1))

    def close(self) -> None:
        """Release connections (of a database this store opened itself; a shared one is
        closed by its owner)."""
        if self._owns:
            self.database.close()
