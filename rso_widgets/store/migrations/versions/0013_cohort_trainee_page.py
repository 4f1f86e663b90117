"""Where a workshop's trainees join: "room" (the room page in the browser, no kernel of their
own) or "notebook" (the notebook page, a kernel each). Only notebook-page workshops size the
server's pool of preheated trainee kernels (issue 12).

New nullable column only. Existing workshops keep NULL, which reads as the room page (the
default and recommended page): their trainees already join there from the start page, so they
stop growing the pool. A trainer whose trainees use the notebook page says so in the workshop's
set-up. NULL also leaves every existing row's integrity hash as it was (`integrity.row_hash`
leaves NULL columns out).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cohorts") as batch:
        batch.add_column(sa.Column("trainee_page", sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cohorts") as batch:
        batch.drop_column("trainee_page")
