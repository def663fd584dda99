"""Held changes: suspect upstream answers waiting for a confirming fetch.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 10:00:00.000000
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
    op.create_table(
        "held_changes",
        sa.Column(
            "key",
            sa.String(length=200),
            nullable=False,
            comment="courses:<u>:<term>:<subject> etc.",
        ),
        sa.Column(
            "fingerprint",
            sa.String(length=64),
            nullable=False,
            comment="what the change would lose",
        ),
        sa.Column("reason", sa.Text(), nullable=False, comment="what looked wrong, for answers"),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_held_changes")),
    )


def downgrade() -> None:
    op.drop_table("held_changes")
