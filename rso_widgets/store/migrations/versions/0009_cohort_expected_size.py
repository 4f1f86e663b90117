"""Workshop room size: how many trainees the trainer expects, so the server can preheat that
many trainee pages before people arrive (issue 12). New nullable column only: a workshop
without it is not counted when the pool is sized.

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cohorts") as batch:
        batch.add_column(sa.Column("expected_size", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cohorts") as batch:
        batch.drop_column("expected_size")
