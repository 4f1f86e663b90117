"""Values reflections and wellbeing check-ins (issue 16): one table, private to each owner
unless shared into one of their supervision sessions. A new, empty record table: tamper evidence
covers it from its first row (`integrity.record_tables`), so no baseline is needed.

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reflections",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("form", sa.String(200), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("shared_session_id", sa.Integer(), sa.ForeignKey("supervision_sessions.id"),
                  nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_reflections_owner"), "reflections", ["owner"])
    op.create_index(op.f("ix_reflections_shared_session_id"), "reflections",
                    ["shared_session_id"])


def downgrade() -> None:
    op.drop_table("reflections")
