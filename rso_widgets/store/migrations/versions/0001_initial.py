"""Initial schema: persons, versioned assessments, sign-offs, drafts, practice, cohorts, audit.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

GENESIS = "0" * 64
APPEND_ONLY = {  # table -> statements refused by a trigger
    "assessment_versions": ("UPDATE",),
    "signoffs": ("UPDATE",),
    "audit_log": ("UPDATE", "DELETE"),
}


def _ts(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(), nullable=False)


def _name(name: str) -> sa.Column:
    return sa.Column(name, sa.String(200), nullable=False)


def upgrade() -> None:
    op.create_table(
        "persons",
        sa.Column("id", sa.Integer(), primary_key=True),
        _name("reference"),
        sa.Column("fictional", sa.Boolean(), nullable=False),
        _name("created_by"),
        _ts("created_at"),
    )
    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("persons.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("review_due", sa.Date(), nullable=True),
        _name("created_by"),
        _ts("created_at"),
        sa.CheckConstraint("kind IN ('rm2000', 'arms', 'plan')", name="kind"),
    )
    op.create_index(op.f("ix_assessments_person_id"), "assessments", ["person_id"])
    op.create_table(
        "assessment_versions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("assessment_id", sa.Integer(), sa.ForeignKey("assessments.id"),
                  nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("ruleset", sa.String(200), nullable=True),
        _name("author"),
        sa.Column("reason", sa.Text(), nullable=False),
        _ts("created_at"),
        sa.UniqueConstraint("assessment_id", "version"),
        sa.CheckConstraint("version >= 1", name="version_positive"),
    )
    op.create_table(
        "signoffs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("version_id", sa.Integer(), sa.ForeignKey("assessment_versions.id"),
                  nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        _name("username"),
        _ts("at"),
        sa.UniqueConstraint("version_id", "role"),
        sa.CheckConstraint("role IN ('sign', 'countersign')", name="role"),
    )
    op.create_table(
        "drafts",
        sa.Column("id", sa.Integer(), primary_key=True),
        _name("username"),
        _name("key"),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), sa.ForeignKey("assessments.id"),
                  nullable=True),
        sa.Column("base_version", sa.Integer(), nullable=True),
        _ts("created_at"),
        _ts("updated_at"),
        sa.UniqueConstraint("username", "key"),
    )
    op.create_index(op.f("ix_drafts_assessment_id"), "drafts", ["assessment_id"])
    op.create_table(
        "practice_attempts",
        sa.Column("id", sa.Integer(), primary_key=True),
        _name("username"),
        _name("case_id"),
        sa.Column("attempt", sa.JSON(), nullable=False),
        sa.Column("feedback", sa.JSON(), nullable=True),
        _ts("created_at"),
    )
    op.create_index(op.f("ix_practice_attempts_username_case_id"), "practice_attempts",
                    ["username", "case_id"])
    op.create_table(
        "cohorts",
        sa.Column("id", sa.Integer(), primary_key=True),
        _name("name"),
        sa.Column("join_code", sa.String(32), nullable=False, unique=True),
        sa.Column("case_ids", sa.JSON(), nullable=False),
        sa.Column("is_open", sa.Boolean(), nullable=False),
        _name("created_by"),
        _ts("created_at"),
    )
    op.create_table(
        "cohort_members",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("cohort_id", sa.Integer(), sa.ForeignKey("cohorts.id"), nullable=False),
        sa.Column("display_name", sa.String(100), nullable=False),
        _ts("joined_at"),
        sa.UniqueConstraint("cohort_id", "display_name"),
    )
    op.create_table(
        "cohort_submissions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("cohort_id", sa.Integer(), sa.ForeignKey("cohorts.id"), nullable=False),
        sa.Column("member_id", sa.Integer(), sa.ForeignKey("cohort_members.id"),
                  nullable=False),
        _name("case_id"),
        sa.Column("attempt", sa.JSON(), nullable=False),
        _ts("created_at"),
    )
    op.create_index(op.f("ix_cohort_submissions_member_id"), "cohort_submissions",
                    ["member_id"])
    op.create_index(op.f("ix_cohort_submissions_cohort_id_case_id"), "cohort_submissions",
                    ["cohort_id", "case_id"])
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=False),
        _ts("at"),
        _name("username"),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("entity", sa.String(32), nullable=False),
        sa.Column("entity_id", sa.String(200), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.bulk_insert(head, [{"id": 1, "seq": 0, "hash": GENESIS}])
    _append_only_triggers()


def _append_only_triggers() -> None:
    """Refuse in-place changes in the database itself, not only in the ORM."""
    dialect = op.get_context().dialect.name
    if dialect == "postgresql":
        op.execute(
            "CREATE FUNCTION rso_append_only() RETURNS trigger AS $$ BEGIN "
            "RAISE EXCEPTION '% rows are append-only (% refused)', TG_TABLE_NAME, TG_OP; "
            "END $$ LANGUAGE plpgsql")
    for table, ops in APPEND_ONLY.items():
        for verb in ops:
            name = f"{table}_no_{verb.lower()}"
            if dialect == "sqlite":
                op.execute(
                    f"CREATE TRIGGER {name} BEFORE {verb} ON {table} BEGIN "
                    f"SELECT RAISE(ABORT, '{table} rows are append-only ({verb} refused)'); END")
            elif dialect == "postgresql":
                op.execute(f"CREATE TRIGGER {name} BEFORE {verb} ON {table} "
                           "FOR EACH ROW EXECUTE FUNCTION rso_append_only()")


def downgrade() -> None:
    dialect = op.get_context().dialect.name
    for table, ops in APPEND_ONLY.items():
        for verb in ops:
            name = f"{table}_no_{verb.lower()}"
            op.execute(f"DROP TRIGGER IF EXISTS {name}" + (
                f" ON {table}" if dialect == "postgresql" else ""))
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS rso_append_only()")
    for table in ("audit_head", "audit_log", "cohort_submissions", "cohort_members",
                  "cohorts", "practice_attempts", "drafts", "signoffs",
                  "assessment_versions", "assessments", "persons"):
        op.drop_table(table)
