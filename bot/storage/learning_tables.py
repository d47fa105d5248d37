"""Tables of the learning loop: practice cards, practice members and thread nudges.

They share ``Base`` with the core tables, so one Alembic history and one schema check cover all.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.tables import Base, UtcDateTime


class PracticeCardRow(Base):
    """One member's spaced-repetition card for one item (``card`` is fsrs's JSON)."""

    __tablename__ = "practice_cards"
    __table_args__ = (
        UniqueConstraint("platform", "user_id", "item_id", name="uq_practice_cards_member_item"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(128))
    item_id: Mapped[str] = mapped_column(String(128))
    topic: Mapped[str] = mapped_column(String(64), default="")
    card: Mapped[str] = mapped_column(Text)
    due: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    reviews: Mapped[int] = mapped_column(Integer, default=0)
    last_score: Mapped[int] = mapped_column(Integer, default=0)
    reviewed_at: Mapped[datetime] = mapped_column(UtcDateTime)


class PracticeMemberRow(Base):
    """A member's practice state: the card being answered, and the opt-in daily nudge."""

    __tablename__ = "practice_members"
    __table_args__ = (UniqueConstraint("platform", "user_id", name="uq_practice_members_member"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(128))
    display_name: Mapped[str] = mapped_column(String(256), default="")
    workspace: Mapped[str] = mapped_column(String(128), default="")
    channel: Mapped[str] = mapped_column(String(128), default="")
    pending_item_id: Mapped[str] = mapped_column(String(128), default="")
    nudge: Mapped[bool] = mapped_column(Boolean, default=False)
    nudged_on: Mapped[str] = mapped_column(String(10), default="")


class WeeklyRecapRow(Base):
    """A channel's weekly recap already posted (one per channel and local week)."""

    __tablename__ = "weekly_recaps"
    __table_args__ = (
        UniqueConstraint("platform", "workspace", "channel", "week", name="uq_weekly_recaps"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(32))
    workspace: Mapped[str] = mapped_column(String(128), default="")
    channel: Mapped[str] = mapped_column(String(128))
    week: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ThreadNudgeRow(Base):
    """A question thread the facilitator already nudged (one nudge per post)."""

    __tablename__ = "thread_nudges"

    post_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SuggestionRow(Base):
    """A member's proposed question: pending, approved or rejected (with a reason)."""

    __tablename__ = "suggestions"
    __table_args__ = (
        UniqueConstraint("platform", "workspace", "request_key", name="uq_suggestions_request"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(32))
    workspace: Mapped[str] = mapped_column(String(128), default="")
    channel: Mapped[str] = mapped_column(String(128))
    user_id: Mapped[str] = mapped_column(String(128))
    display_name: Mapped[str] = mapped_column(String(256), default="")
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    topic: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    duplicate_of: Mapped[str] = mapped_column(String(128), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    request_key: Mapped[str | None] = mapped_column(String(256), nullable=True, default=None)
    """The platform delivery that made it (Slack's trigger_id), so a redo finds it."""


class LiveItemRow(Base):
    """An item that joined the running bank when its suggestion was approved.

    ``item`` is the item as JSON (the export's record); the platform, workspace and channel
    are where it was approved, and so where it is seen. ``seq`` orders the rows and, with
    their count, is the cheap marker other instances poll.
    """

    __tablename__ = "live_items"
    __table_args__ = (UniqueConstraint("item_id", name="uq_live_items_item_id"),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    item_id: Mapped[str] = mapped_column(String(128))
    item: Mapped[str] = mapped_column(Text)
    suggestion_id: Mapped[int] = mapped_column(Integer, default=0)
    platform: Mapped[str] = mapped_column(String(32))
    workspace: Mapped[str] = mapped_column(String(128), default="")
    channel: Mapped[str] = mapped_column(String(128))
    approved_by: Mapped[str] = mapped_column(String(128), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
