"""Due work: channels carry when they next need a look, posts when their hint may fall due.

``channels.next_post_at`` / ``next_recap_at`` and ``posts.hint_from`` are indexed, so a tick
asks the database for what is due instead of scanning every channel. Existing channels start
as due at once (the first tick computes their real next slot); open posts wait for a hint.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DUE_AT_ONCE = datetime(2000, 1, 1)
"""Sorts before any real time: the row is looked at by the next tick."""


def upgrade() -> None:
    with op.batch_alter_table("channels") as batch:
        batch.add_column(sa.Column("next_post_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("next_recap_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_channels_next_post_at", "channels", ["next_post_at"])
    op.create_index("ix_channels_next_recap_at", "channels", ["next_recap_at"])
    with op.batch_alter_table("posts") as batch:
        batch.add_column(sa.Column("hint_from", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_posts_hint_from", "posts", ["hint_from"])
    op.create_index("ix_posts_reveal_due", "posts", ["revealed_at", "reveal_due_at"])
    channels = sa.table(
        "channels",
        sa.column("paused", sa.Boolean()),
        sa.column("next_post_at", sa.DateTime()),
        sa.column("next_recap_at", sa.DateTime()),
    )
    op.execute(
        channels.update()
        .where(channels.c.paused.is_(False))
        .values(next_post_at=DUE_AT_ONCE, next_recap_at=DUE_AT_ONCE)
    )
    posts = sa.table(
        "posts",
        sa.column("created_at", sa.DateTime()),
        sa.column("hint_from", sa.DateTime()),
        sa.column("message_id", sa.String()),
        sa.column("revealed_at", sa.DateTime()),
        sa.column("skipped", sa.Boolean()),
    )
    op.execute(
        posts.update()
        .where(
            posts.c.message_id.is_not(None),
            posts.c.revealed_at.is_(None),
            posts.c.skipped.is_(False),
        )
        .values(hint_from=posts.c.created_at)
    )


def downgrade() -> None:
    op.drop_index("ix_posts_reveal_due", table_name="posts")
    op.drop_index("ix_posts_hint_from", table_name="posts")
    with op.batch_alter_table("posts") as batch:
        batch.drop_column("hint_from")
    op.drop_index("ix_channels_next_recap_at", table_name="channels")
    op.drop_index("ix_channels_next_post_at", table_name="channels")
    with op.batch_alter_table("channels") as batch:
        batch.drop_column("next_recap_at")
        batch.drop_column("next_post_at")
