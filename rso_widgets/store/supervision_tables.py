"""The supervision and practice-development tables (migration 0002 and later): teams and their
members, sharing consents, supervision sessions with their actions and follow-ups,
observations, diary entries, reflections, development goals and their reviews."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .table_base import NAME, Base, Json, UTCDateTime, utcnow


class Team(Base):
    """A team and its lead (who sees the team view)."""

    __tablename__ = "teams"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME), unique=True)
    lead: Mapped[str] = mapped_column(String(NAME))
    created_by: Mapped[str] = mapped_column(String(NAME))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class TeamMember(Base):
    """A person in a team (one team each), with the supervisor assigned to them."""

    __tablename__ = "team_members"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    username: Mapped[str] = mapped_column(String(NAME), unique=True)
    supervisor: Mapped[str | None] = mapped_column(String(NAME), nullable=True)
    added_by: Mapped[str] = mapped_column(String(NAME))
    added_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SharingConsent(Base):
    """A person's own setting: may their team lead see their individual results?"""

    __tablename__ = "sharing_consents"
    username: Mapped[str] = mapped_column(String(NAME), primary_key=True)
    share_individual: Mapped[bool] = mapped_column(Boolean, default=False)
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SupervisionSession(Base):
    """A supervision session between a supervisor and an assessor (confidential to the two)."""

    __tablename__ = "supervision_sessions"
    __table_args__ = (CheckConstraint("status IN ('planned', 'held')", name="status"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    supervisor: Mapped[str] = mapped_column(String(NAME), index=True)
    assessor: Mapped[str] = mapped_column(String(NAME), index=True)
    held_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    agenda: Mapped[list[Any]] = mapped_column(Json())
    agenda_lists: Mapped[str] = mapped_column(String(NAME))
    notes: Mapped[str] = mapped_column(Text)
    assessment_ids: Mapped[list[int]] = mapped_column(Json())
    plan_reviews: Mapped[list[Any]] = mapped_column(Json())
    created_by: Mapped[str] = mapped_column(String(NAME))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SupervisionAction(Base):
    """An action agreed in a session: what, owner, due date."""

    __tablename__ = "supervision_actions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("supervision_sessions.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(NAME))
    due: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ActionFollowUp(Base):
    """What became of an action, recorded in a later session (insert-only)."""

    __tablename__ = "action_follow_ups"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("supervision_actions.id"), index=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("supervision_sessions.id"))
    outcome: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text)
    username: Mapped[str] = mapped_column(String(NAME))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Observation(Base):
    """An observation of practice, rated on the observation scale (`scale` = id@version)."""

    __tablename__ = "observations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    observer: Mapped[str] = mapped_column(String(NAME))
    assessor: Mapped[str] = mapped_column(String(NAME), index=True)
    observed_on: Mapped[dt.date] = mapped_column(Date)
    context: Mapped[str] = mapped_column(String(64))
    scale: Mapped[str] = mapped_column(String(NAME))
    ratings: Mapped[dict[str, Any]] = mapped_column(Json())
    strengths: Mapped[list[str]] = mapped_column(Json())
    development_points: Mapped[list[str]] = mapped_column(Json())
    notes: Mapped[str] = mapped_column(Text)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("supervision_sessions.id"),
                                                   nullable=True, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DiaryEntry(Base):
    """A reflective diary entry, private to its author unless shared into a session."""

    __tablename__ = "diary_entries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    author: Mapped[str] = mapped_column(String(NAME), index=True)
    prompt: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    event_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    case_id: Mapped[str | None] = mapped_column(String(NAME), nullable=True)
    item: Mapped[str | None] = mapped_column(String(NAME), nullable=True)
    observation_id: Mapped[int | None] = mapped_column(ForeignKey("observations.id"),
                                                       nullable=True)
    assessment_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    shared_session_id: Mapped[int | None] = mapped_column(
        ForeignKey("supervision_sessions.id"), nullable=True, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # the text's version: 1 when written, +1 on each edit by the author (migration 0004)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class Reflection(Base):
    """A values reflection or wellbeing check-in: private to its owner unless shared into one of
    their supervision sessions (migration 0011). Never edited: a re-take is a new row."""

    __tablename__ = "reflections"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner: Mapped[str] = mapped_column(String(NAME), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # "values" | "wellbeing"
    form: Mapped[str] = mapped_column(String(NAME))  # the questions' id@version
    answers: Mapped[dict[str, Any]] = mapped_column(Json())
    shared_session_id: Mapped[int | None] = mapped_column(
        ForeignKey("supervision_sessions.id"), nullable=True, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DevelopmentGoal(Base):
    """A development goal set in a session; its reviews are `GoalUpdate` rows."""

    __tablename__ = "development_goals"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessor: Mapped[str] = mapped_column(String(NAME), index=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("supervision_sessions.id"))
    text: Mapped[str] = mapped_column(Text)
    measure: Mapped[str] = mapped_column(Text)
    target_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    created_by: Mapped[str] = mapped_column(String(NAME))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class GoalUpdate(Base):
    """One review of a goal: a status change and/or evidence (insert-only status history)."""

    __tablename__ = "goal_updates"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("development_goals.id"), index=True)
    status: Mapped[str | None] = mapped_column(String(32), nullable=True)
    evidence: Mapped[list[Any] | None] = mapped_column(Json(), nullable=True)
    note: Mapped[str] = mapped_column(Text)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("supervision_sessions.id"),
                                                   nullable=True)
    username: Mapped[str] = mapped_column(String(NAME))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
