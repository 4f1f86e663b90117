"""ARMS practice attempts kept over time, as RM2000 practice attempts are (issue 16). A new,
empty record table: no row is written, so the record baseline is unchanged (new rows are
hashed into the audit chain as they are written, like every record table's).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "arms_practice_attempts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("username", sa.String(200), nullable=False),
        sa.Column("case_id", sa.String(200), nullable=False),
        sa.Column("attempt", sa.JSON(), nullable=False),
        sa.Column("feedback", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index(op.f("ix_arms_practice_attempts_username_case_id"),
                    "arms_practice_attempts", ["username", "case_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_arms_practice_attempts_username_case_id"),
                  table_name="arms_practice_attempts")
    op.drop_table("arms_practice_attempts")
