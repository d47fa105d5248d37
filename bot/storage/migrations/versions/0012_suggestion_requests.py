"""Suggestions remember the platform delivery that made them.

A slash command or modal carried out again after a crash (its inbox record was not marked done)
finds the suggestion it made the first time instead of queueing a second one.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("suggestions") as batch:
        batch.add_column(sa.Column("request_key", sa.String(256), nullable=True))
        batch.create_unique_constraint(
            "uq_suggestions_request", ["platform", "workspace", "request_key"]
        )


def downgrade() -> None:
    with op.batch_alter_table("suggestions") as batch:
        batch.drop_constraint("uq_suggestions_request", type_="unique")
        batch.drop_column("request_key")
