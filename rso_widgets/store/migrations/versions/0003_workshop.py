"""Workshop mode: a join code may expire, the key is released to trainees by the trainer, and a
member records who joined (so the same person can rejoin after their page or kernel died).
New nullable columns only.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cohorts") as batch:
        batch.add_column(sa.Column("expires_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("key_released_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("cohort_members") as batch:
        batch.add_column(sa.Column("username", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cohort_members") as batch:
        batch.drop_column("username")
    with op.batch_alter_table("cohorts") as batch:
        batch.drop_column("key_released_at")
        batch.drop_column("expires_at")
