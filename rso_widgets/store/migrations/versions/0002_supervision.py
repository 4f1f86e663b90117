"""Supervision and practice development: teams, consent, sessions, actions and follow-ups,
observations of practice, reflective diary, development goals. New tables only.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

NO_UPDATE = ("action_follow_ups", "goal_updates")  # history rows: insert-only
TABLES = ("goal_updates", "development_goals", "diary_entries", "observations",
          "action_follow_ups", "supervision_actions", "supervision_sessions",
          "sharing_consents", "team_members", "teams")  # children first


def _ts(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(), nullable=False)


def _name(name: str, nullable: bool = False, **kw: object) -> sa.Column:
    return sa.Column(name, sa.String(200), nullable=nullable, **kw)


def _text(name: str) -> sa.Column:
    return sa.Column(name, sa.Text(), nullable=False)


def _fk(name: str, target: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.Integer(), sa.ForeignKey(target), nullable=nullable)


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer(), primary_key=True)


def upgrade() -> None:
    op.create_table("teams", _id(), _name("name", unique=True), _name("lead"),
                    _name("created_by"), _ts("created_at"))
    op.create_table("team_members", _id(), _fk("team_id", "teams.id"),
                    _name("username", unique=True), _name("supervisor", nullable=True),
                    _name("added_by"), _ts("added_at"))
    op.create_index(op.f("ix_team_members_team_id"), "team_members", ["team_id"])
    op.create_table("sharing_consents", _name("username", primary_key=True),
                    sa.Column("share_individual", sa.Boolean(), nullable=False),
                    _ts("changed_at"))
    op.create_table(
        "supervision_sessions", _id(), _name("supervisor"), _name("assessor"),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("agenda", sa.JSON(), nullable=False), _name("agenda_lists"), _text("notes"),
        sa.Column("assessment_ids", sa.JSON(), nullable=False),
        sa.Column("plan_reviews", sa.JSON(), nullable=False),
        _name("created_by"), _ts("created_at"), _ts("updated_at"),
        sa.CheckConstraint("status IN ('planned', 'held')", name="status"))
    op.create_index(op.f("ix_supervision_sessions_supervisor"), "supervision_sessions",
                    ["supervisor"])
    op.create_index(op.f("ix_supervision_sessions_assessor"), "supervision_sessions",
                    ["assessor"])
    op.create_table("supervision_actions", _id(),
                    _fk("session_id", "supervision_sessions.id"), _text("text"),
                    _name("owner"), sa.Column("due", sa.Date(), nullable=False),
                    _ts("created_at"))
    op.create_index(op.f("ix_supervision_actions_session_id"), "supervision_actions",
                    ["session_id"])
    op.create_table("action_follow_ups", _id(), _fk("action_id", "supervision_actions.id"),
                    _fk("session_id", "supervision_sessions.id"),
                    sa.Column("outcome", sa.String(32), nullable=False), _text("note"),
                    _name("username"), _ts("at"))
    op.create_index(op.f("ix_action_follow_ups_action_id"), "action_follow_ups",
                    ["action_id"])
    op.create_table(
        "observations", _id(), _name("observer"), _name("assessor"),
        sa.Column("observed_on", sa.Date(), nullable=False),
        sa.Column("context", sa.String(64), nullable=False), _name("scale"),
        sa.Column("ratings", sa.JSON(), nullable=False),
        sa.Column("strengths", sa.JSON(), nullable=False),
        sa.Column("development_points", sa.JSON(), nullable=False), _text("notes"),
        _fk("session_id", "supervision_sessions.id", nullable=True), _ts("created_at"))
    op.create_index(op.f("ix_observations_assessor"), "observations", ["assessor"])
    op.create_index(op.f("ix_observations_session_id"), "observations", ["session_id"])
    op.create_table(
        "diary_entries", _id(), _name("author"),
        sa.Column("prompt", sa.String(64), nullable=False), _text("text"),
        sa.Column("event_on", sa.Date(), nullable=True), _name("case_id", nullable=True),
        _name("item", nullable=True), _fk("observation_id", "observations.id", nullable=True),
        sa.Column("assessment_id", sa.Integer(), nullable=True),
        _fk("shared_session_id", "supervision_sessions.id", nullable=True),
        _ts("created_at"), _ts("updated_at"))
    op.create_index(op.f("ix_diary_entries_author"), "diary_entries", ["author"])
    op.create_index(op.f("ix_diary_entries_shared_session_id"), "diary_entries",
                    ["shared_session_id"])
    op.create_table(
        "development_goals", _id(), _name("assessor"),
        _fk("session_id", "supervision_sessions.id"), _text("text"), _text("measure"),
        sa.Column("target_on", sa.Date(), nullable=True), _name("created_by"),
        _ts("created_at"))
    op.create_index(op.f("ix_development_goals_assessor"), "development_goals", ["assessor"])
    op.create_table(
        "goal_updates", _id(), _fk("goal_id", "development_goals.id"),
        sa.Column("status", sa.String(32), nullable=True),
        sa.Column("evidence", sa.JSON(), nullable=True), _text("note"),
        _fk("session_id", "supervision_sessions.id", nullable=True), _name("username"),
        _ts("at"))
    op.create_index(op.f("ix_goal_updates_goal_id"), "goal_updates", ["goal_id"])
    _no_update_triggers()


def _no_update_triggers() -> None:
    """History rows are never changed in place (rso_append_only() comes from 0001)."""
    dialect = op.get_context().dialect.name
    for table in NO_UPDATE:
        if dialect == "sqlite":
            op.execute(f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} BEGIN "
                       f"SELECT RAISE(ABORT, '{table} rows are append-only (UPDATE refused)'); "
                       "END")
        elif dialect == "postgresql":
            op.execute(f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION rso_append_only()")


def downgrade() -> None:
    dialect = op.get_context().dialect.name
    for table in NO_UPDATE:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update" + (
            f" ON {table}" if dialect == "postgresql" else ""))
    for table in TABLES:
        op.drop_table(table)
