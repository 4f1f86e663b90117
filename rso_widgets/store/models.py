"""Tables (SQLAlchemy 2 declarative). Versions, sign-offs and audit entries are insert-only.

The assessment, practice, workshop and audit tables are here; the supervision tables are in
`supervision_tables.py` and the base and column types in `table_base.py`, all importable from
here."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column

from .errors import ImmutableRecordError
from .supervision_tables import (
    ActionFollowUp,
    DevelopmentGoal,
    DiaryEntry,
    GoalUpdate,
    Observation,
    Reflection,
    SharingConsent,
    SupervisionAction,
    SupervisionSession,
    Team,
    TeamMember,
)
from .table_base import NAME, Base, Json, UTCDateTime, utcnow

KINDS = ("rm2000", "arms", "plan")
SIGN_ROLES = ("sign", "countersign")


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
    # 0013: where trainees join, "room" or "notebook" (None: the room page, as before 0013)
    trainee_page: Mapped[str | None] = mapped_column(String(16), nullable=True)


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


def _refuse_change(mapper: Any, connection: Any, target: Any) -> None:
    raise ImmutableRecordError(
        f"{type(target).__name__} rows are never changed in place: save a new version instead")


for _cls in (AssessmentVersion, SignOff, AuditEntry, ActionFollowUp, GoalUpdate):
    event.listen(_cls, "before_update", _refuse_change)
event.listen(AuditEntry, "before_delete", _refuse_change)


__all__ = ["KINDS", "NAME", "SIGN_ROLES", "ActionFollowUp", "ArmsPracticeAttempt", "Assessment",
           "AssessmentVersion", "AuditEntry", "AuditHead", "Base", "Cohort", "CohortMember",
           "CohortSubmission", "DevelopmentGoal", "DiaryEntry", "Draft", "GoalUpdate", "Json",
           "Observation", "Person", "PracticeAttempt", "Reflection", "SharingConsent", "SignOff",
           "SupervisionAction", "SupervisionSession", "Team", "TeamMember", "UTCDateTime",
           "utcnow"]
