"""Tables (SQLAlchemy 2 declarative). Versions, sign-offs and audit entries are insert-only."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from .errors import ImmutableRecordError

KINDS = ("rm2000", "arms", "plan")
SIGN_ROLES = ("sign", "countersign")
NAME = 200  # length of user names, references, keys


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Stored as naive UTC on every dialect; always read back as an aware UTC datetime."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware (use UTC)")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        return None if value is None else value.replace(tzinfo=dt.UTC)


def Json() -> JSON:
    """Dialect-neutral JSON (JSON on PostgreSQL, TEXT holding JSON on SQLite); None → NULL."""
    return JSON(none_as_null=True)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    })


class Person(Base):
    """A person whose risk is assessed: minimal fields only (data minimisation)."""

    __tablename__ = "persons"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(NAME))
    fictional: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(NAME))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Assessment(Base):
    """One RM2000, ARMS or plan for one person; its content lives in numbered versions."""

    __tablename__ = "assessments"
    __table_args__ = (CheckConstraint("kind IN ('rm2000', 'arms', 'plan')", name="kind"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    review_due: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    created_by: Mapped[str] = mapped_column(String(NAME))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AssessmentVersion(Base):
    """An immutable saved version; unique (assessment_id, version) refuses racing saves."""

    __tablename__ = "assessment_versions"
    __table_args__ = (UniqueConstraint("assessment_id", "version"),
                      CheckConstraint("version >= 1", name="version_positive"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"))
    version: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(Json())
    ruleset: Mapped[str | None] = mapped_column(String(NAME), nullable=True)
    author: Mapped[str] = mapped_column(String(NAME))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SignOff(Base):
    """A sign-off or countersign of one version (insert-only; one of each per version)."""

    __tablename__ = "signoffs"
    __table_args__ = (UniqueConstraint("version_id", "role"),
                      CheckConstraint("role IN ('sign', 'countersign')", name="role"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("assessment_versions.id"))
    role: Mapped[str] = mapped_column(String(16))
    username: Mapped[str] = mapped_column(String(NAME))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Draft(Base):
    """Autosaved unsaved work, one per (user, key), with the version it started from."""

    __tablename__ = "drafts"
    __table_args__ = (UniqueConstraint("username", "key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(NAME))
    key: Mapped[str] = mapped_column(String(NAME))
    data: Mapped[dict[str, Any]] = mapped_column(Json())
    assessment_id: Mapped[int | None] = mapped_column(ForeignKey("assessments.id"),
                                                      nullable=True, index=True)
    base_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PracticeAttempt(Base):
    """One training attempt at a fictional case, with its feedback summary."""

    __tablename__ = "practice_attempts"
    __table_args__ = (Index(None, "username", "case_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(NAME))
    case_id: Mapped[str] = mapped_column(String(NAME))
    attempt: Mapped[dict[str, Any]] = mapped_column(Json())
    feedback: Mapped[dict[str, Any] | None] = mapped_column(Json(), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)



class ArmsPracticeAttempt(Base):
    """One ARMS practice attempt at a fictional case (migration 0012): the assessment and plan
    as `attempt`, the comparison with the key as `feedback` (see `calibration.arms_progress`)."""

    __tablename__ = "arms_practice_attempts"
    __table_args__ = (Index(None, "username", "case_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(NAME))
    case_id: Mapped[str] = mapped_column(String(NAME))
    attempt: Mapped[dict[str, Any]] = mapped_column(Json())
    feedback: Mapped[dict[str, Any]] = mapped_column(Json())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

class Cohort(Base):
    """A workshop group that members join with a code."""

    __tablename__ = "cohorts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME))
    join_code: Mapped[str] = mapped_column(String(32), unique=True)
    case_ids: Mapped[list[str]] = mapped_column(Json())
    is_open: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(NAME))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # 0003: the join code stops admitting new members after this time (None: never)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # 0003: when the trainer released the key to trainees (None: not released)
    key_released_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # 0005: case id → the instruments scored for it ("rm2000", "arms"); None: RM2000 throughout
    instruments: Mapped[dict[str, list[str]] | None] = mapped_column(Json(), nullable=True)
    # 0009: how many trainees the trainer expects (sizes the preheated trainee-page pool)
    expected_size: Mapped[int | None] = mapped_column(Integer, nullable=True)


class CohortMember(Base):
    """A workshop participant; display names are unique within a cohort."""

    __tablename__ = "cohort_members"
    __table_args__ = (UniqueConstraint("cohort_id", "display_name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id"))
    display_name: Mapped[str] = mapped_column(String(100))
    joined_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # 0003: the signed-in user who joined (None for members from before 0003)
    username: Mapped[str | None] = mapped_column(String(NAME), nullable=True)


class CohortSubmission(Base):
    """One member's attempt at one of the cohort's cases."""

    __tablename__ = "cohort_submissions"
    __table_args__ = (Index(None, "cohort_id", "case_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("cohort_members.id"), index=True)
    case_id: Mapped[str] = mapped_column(String(NAME))
    attempt: Mapped[dict[str, Any]] = mapped_column(Json())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AuditEntry(Base):
    """One append-only audit entry, chained to the previous one by sha256."""

    __tablename__ = "audit_log"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    username: Mapped[str] = mapped_column(String(NAME))
    action: Mapped[str] = mapped_column(String(32))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str | None] = mapped_column(String(NAME), nullable=True)
    detail: Mapped[dict[str, Any] | None] = mapped_column(Json(), nullable=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """Single row: the last sequence number and hash. Locked to serialise every write."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


# -- supervision and practice development (migration 0002) -------------------------------------

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


def _refuse_change(mapper: Any, connection: Any, target: Any) -> None:
    raise ImmutableRecordError(
        f"{type(target).__name__} rows are never changed in place: save a new version instead")


for _cls in (AssessmentVersion, SignOff, AuditEntry, ActionFollowUp, GoalUpdate):
    event.listen(_cls, "before_update", _refuse_change)
event.listen(AuditEntry, "before_delete", _refuse_change)
