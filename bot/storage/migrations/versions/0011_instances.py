"""Instances: each running instance's heartbeat, platform and Discord shards.

Instances of one platform split its post rate between the live ones, and take over the due
work of shards whose instance stopped beating (``bot.core.instances``).

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "instances",
        sa.Column("name", sa.String(128), primary_key=True),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("shard_count", sa.Integer(), nullable=False),
        sa.Column("shard_ids", sa.String(1024), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_instances_seen_at", "instances", ["seen_at"])


def downgrade() -> None:
    op.drop_index("ix_instances_seen_at", table_name="instances")
    op.drop_table("instances")
