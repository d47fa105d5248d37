"""SQLAlchemy tables: channels (with their schedule), posts and answer attempts."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    true,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp, also when the backend (SQLite) drops the offset."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base of every qotd table."""


class ChannelRow(Base):
    """A channel on a platform together with its daily schedule."""

    __tablename__ = "channels"
    __table_args__ = (UniqueConstraint("platform", "workspace", "channel", name="uq_channels_ref"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(32))
    workspace: Mapped[str] = mapped_column(String(128), default="")
    channel: Mapped[str] = mapped_column(String(128))
    hour: Mapped[int] = mapped_column(Integer, default=9)
    minute: Mapped[int] = mapped_column(Integer, default=0)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    weekdays: Mapped[str] = mapped_column(String(32), default="0,1,2,3,4")
    reveal_after_minutes: Mapped[int] = mapped_column(Integer, default=480)
    topics: Mapped[str] = mapped_column(Text, default="")
    difficulty: Mapped[str] = mapped_column(String(16), default="")
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    cycle: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Due work (``bot.core.due``): when the channel next needs a look, NULL while paused. Ticks
    # claim rows whose time has come through these indexes instead of scanning every channel.
    next_post_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True, index=True)
    next_recap_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True, index=True)


class PostRow(Base):
    """A question claimed (then posted) in a channel on a local date; one per channel and date."""

    __tablename__ = "posts"
    __table_args__ = (
        UniqueConstraint("channel_id", "local_date", name="uq_posts_channel_date"),
        Index("ix_posts_reveal_due", "revealed_at", "reveal_due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel_id: Mapped[int] = mapped_column(
        ForeignKey("channels.id", ondelete="CASCADE"), index=True
    )
    local_date: Mapped[str] = mapped_column(
        String(32)
    )  # "2026-11-24", or "2026-11-24~1" after /skip
    item_id: Mapped[str] = mapped_column(String(128))
    cycle: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    message_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    thread_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    reveal_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    revealed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    skipped: Mapped[bool] = mapped_column(Boolean, default=False)
    claimed_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    hint_from: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True, index=True)
    """Since when the open thread waits for its facilitator's hint; NULL once decided."""


class AttemptRow(Base):
    """A graded answer; ``covered``, ``missed`` and ``contradicted`` hold JSON lists of key points.

    Only a member's first graded answer on a post is ``scored`` (counts for points, streaks).

    ``message_id`` (the platform message) makes storing a redelivered message a no-op.
    """

    __tablename__ = "attempts"
    __table_args__ = (Index("uq_attempts_post_message", "post_id", "message_id", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(128), index=True)
    display_name: Mapped[str] = mapped_column(String(256), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    score: Mapped[int] = mapped_column(Integer, default=0)
    covered: Mapped[str] = mapped_column(Text, default="[]")
    missed: Mapped[str] = mapped_column(Text, default="[]")
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    message_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    contradicted: Mapped[str] = mapped_column(Text, default="[]", server_default="[]")
    scored: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    feedback_sent: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    """False from storing until the member's feedback was sent: a reprocessing sends it."""


class NoticeRow(Base):
    """Something the channel's admins must hear on their next command (shown once)."""

    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel_id: Mapped[int] = mapped_column(
        ForeignKey("channels.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class InboxRow(Base):
    """A platform delivery, committed before it was acknowledged (``bot.core.inbox``).

    ``key`` is the platform's event id; ``claimed_by``/``claimed_at`` say which instance is
    processing it (taken over when older than the lease), ``tries`` how often processing
    started, ``done_at`` when it finished (the payload is then cleared).
    """

    __tablename__ = "inbox"
    __table_args__ = (UniqueConstraint("platform", "key", name="uq_inbox_platform_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(128))
    payload: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    claimed_by: Mapped[str] = mapped_column(String(128), default="")
    claimed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    tries: Mapped[int] = mapped_column(Integer, default=1)
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True, index=True)


class ThreadMarkRow(Base):
    """How far answer catch-up has read a post's thread (``bot.core.catchup``): the id of
    the last message read, so the next run starts after it."""

    __tablename__ = "thread_marks"

    post_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    message_id: Mapped[str] = mapped_column(String(128))
    marked_at: Mapped[datetime] = mapped_column(UtcDateTime)


class InstanceRow(Base):
    """A running instance's heartbeat (``bot.core.instances``): its platform and Discord
    shards (``shard_ids`` comma-separated, empty for all of ``shard_count``), when it started
    and when it last beat."""

    __tablename__ = "instances"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    shard_count: Mapped[int] = mapped_column(Integer)
    shard_ids: Mapped[str] = mapped_column(String(1024))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    seen_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
