"""Every record row tamper-evident; SQLite ids never reused.

1. SQLite: every table with an integer id is rebuilt with AUTOINCREMENT, so the id of a deleted
   row is never given to a new one (PostgreSQL sequences never reuse ids: nothing to do). The
   rebuild follows SQLite's 12-step recipe: `db.upgrade` turns foreign keys off around the
   transaction and runs `PRAGMA foreign_key_check` before it commits; each table's indexes and
   triggers are re-created from their own SQL.
2. The current rows of every record table are written into the audit chain ("record" entries,
   `integrity.baseline`), so `audit-log verify` checks them from now on, and a final entry marks
   the baseline (so a chain is never legitimately empty).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

import re

from alembic import op

from rso_widgets.store import integrity

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

KEEP_IDS = frozenset({"audit_log", "audit_head", "sharing_consents"})  # ids not from SQLite


def upgrade() -> None:
    if op.get_context().as_sql:  # offline DDL rendering: no rows to rebuild or baseline
        return
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        for (name,) in conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                "AND name != 'alembic_version' ORDER BY name").all():
            if name not in KEEP_IDS:
                _autoincrement(name)
    integrity.baseline(conn, label="0007")


def _autoincrement(table: str) -> None:
    """Rebuild `table` with `id INTEGER PRIMARY KEY AUTOINCREMENT` (a no-op if it has it)."""
    conn = op.get_bind()
    sql = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?",
                               (table,)).scalar_one()
    if "AUTOINCREMENT" in sql.upper():
        return
    pk = re.compile(r",\s*CONSTRAINT\s+\w+\s+PRIMARY KEY\s*\(\s*id\s*\)", re.IGNORECASE)
    col = re.compile(r"\bid INTEGER NOT NULL\b", re.IGNORECASE)
    if not pk.search(sql) or not col.search(sql):
        raise RuntimeError(f"cannot add AUTOINCREMENT to {table}: unexpected table SQL")
    new = col.sub(f"id INTEGER NOT NULL CONSTRAINT pk_{table} PRIMARY KEY AUTOINCREMENT",
                  pk.sub("", sql, count=1), count=1)
    tmp = f"_rso_tmp_{table}"
    new = re.sub(rf'^CREATE TABLE\s+"?{table}"?', f'CREATE TABLE "{tmp}"', new, count=1)
    extras = [r[0] for r in conn.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger') "
        "AND sql IS NOT NULL ORDER BY type, name", (table,)).all()]
    conn.exec_driver_sql(new)
    conn.exec_driver_sql(f'INSERT INTO "{tmp}" SELECT * FROM "{table}"')
    conn.exec_driver_sql(f'DROP TABLE "{table}"')
    conn.exec_driver_sql(f'ALTER TABLE "{tmp}" RENAME TO "{table}"')
    for stmt in extras:
        conn.exec_driver_sql(stmt)


def downgrade() -> None:
    # AUTOINCREMENT and the chain's "record" entries are harmless to older releases
    pass
