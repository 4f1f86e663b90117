"""The audit log refuses TRUNCATE on PostgreSQL, as it already refuses UPDATE and DELETE.

Row triggers do not fire on TRUNCATE, so 0001's protection could be bypassed with one statement
(`audit-log verify` still detected it from the head row). SQLite has no TRUNCATE: nothing to do.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        # rso_append_only() (0001) raises with the table name and TG_OP
        op.execute("CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
                   "FOR EACH STATEMENT EXECUTE FUNCTION rso_append_only()")


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
