"""Reliability: who claimed a post, idempotent attempts, admin notices, longer post keys.

``posts.local_date`` grows from 10 to 32 characters: a skipped day's replacement is keyed
``2026-11-24~1``, which PostgreSQL refused (SQLite ignores lengths).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("posts") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(128), nullable=True))
        batch.alter_column(
            "local_date", type_=sa.String(32), existing_type=sa.String(10), existing_nullable=False
        )
    with op.batch_alter_table("attempts") as batch:
        batch.add_column(sa.Column("message_id", sa.String(128), nullable=True))
    # NULLs are distinct in both backends: attempts stored without a message id never clash.
    op.create_index("uq_attempts_post_message", "attempts", ["post_id", "message_id"], unique=True)
    op.create_table(
        "notices",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "channel_id",
            sa.Integer(),
            sa.ForeignKey("channels.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_notices_channel_id", "notices", ["channel_id"])


def downgrade() -> None:
    op.drop_index("ix_notices_channel_id", table_name="notices")
    op.drop_table("notices")
    op.drop_index("uq_attempts_post_message", table_name="attempts")
    with op.batch_alter_table("attempts") as batch:
        batch.drop_column("message_id")
    with op.batch_alter_table("posts") as batch:
        batch.alter_column(
            "local_date", type_=sa.String(10), existing_type=sa.String(32), existing_nullable=False
        )
        batch.drop_column("claimed_by")
