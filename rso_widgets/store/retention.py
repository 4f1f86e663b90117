"""Retention: find, and on request delete, records past the retention period (audited).

A person's last activity is the latest of: record created, any version saved, any sign-off,
any draft of their assessments saved, and the assessment review due date (a review still to come
keeps the record). A draft saved after the cutoff is never deleted: its person is kept, and the
check is repeated under the write lock (with the draft rows locked) before anything goes. The
dry run lists each draft that would go, with the person it goes with. Supervision records
(sessions, observations, diary entries, development goals) are covered too: see
`supervision_retention` for what counts as their activity.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from . import audit, supervision_retention
from .models import (
    ArmsPracticeAttempt,
    Assessment,
    AssessmentVersion,
    Draft,
    Person,
    PracticeAttempt,
    SignOff,
    utcnow,
)
from .repository import Store, delete_person_rows


@dataclasses.dataclass(frozen=True)
class Expired:
    """One record past the retention period."""

    kind: str  # "person" | "draft" | "practice_attempt" | a `supervision_retention.KINDS`
    id: int
    last_activity: dt.datetime
    note: str = ""

    def __str__(self) -> str:
        note = f" ({self.note})" if self.note else ""
        return f"{self.kind:<19} {self.id:>6}  last activity {self.last_activity:%Y-%m-%d}{note}"


def cutoff_for(days: int, now: dt.datetime | None = None) -> dt.datetime:
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise ValueError(f"retention period must be at least 1 day, not {days!r}")
    return (now or utcnow()) - dt.timedelta(days=days)


def _latest(*values: dt.datetime | None) -> dt.datetime:
    return max(v for v in values if v is not None)


def find_expired(s: Session, cutoff: dt.datetime) -> list[Expired]:
    """Everything whose last activity is before `cutoff`, persons first."""
    per_person = Assessment.person_id
    saved = dict(s.execute(select(per_person, func.max(AssessmentVersion.created_at))
                           .join(AssessmentVersion).group_by(per_person)).all())
    signed = dict(s.execute(select(per_person, func.max(SignOff.at))
                            .join(AssessmentVersion, AssessmentVersion.assessment_id
                                  == Assessment.id)
                            .join(SignOff, SignOff.version_id == AssessmentVersion.id)
                            .group_by(per_person)).all())
    review = dict(s.execute(select(per_person, func.max(Assessment.review_due))
                            .group_by(per_person)).all())
    drafted = dict(s.execute(select(per_person, func.max(Draft.updated_at))
                             .join(Draft, Draft.assessment_id == Assessment.id)
                             .group_by(per_person)).all())
    out: list[Expired] = []
    for p in s.scalars(select(Person).order_by(Person.id)):
        due = review.get(p.id)
        due_at = None if due is None else dt.datetime.combine(due, dt.time(), dt.UTC)
        last = _latest(p.created_at, saved.get(p.id), signed.get(p.id), due_at,
                       drafted.get(p.id))
        if last < cutoff:
            out.append(Expired("person", p.id, last, "fictional" if p.fictional else ""))
    going = {x.id for x in out}
    owner = dict(s.execute(select(Assessment.id, Assessment.person_id)).all())
    for d in s.scalars(select(Draft).where(Draft.updated_at < cutoff).order_by(Draft.id)):
        pid = owner.get(d.assessment_id) if d.assessment_id is not None else None
        with_person = f", goes with person {pid}" if pid in going else ""
        out.append(Expired("draft", d.id, d.updated_at, f"{d.username}{with_person}"))
    out += [Expired("practice_attempt", a.id, a.created_at, a.username) for a in s.scalars(
        select(PracticeAttempt).where(PracticeAttempt.created_at < cutoff)
        .order_by(PracticeAttempt.id))]
    out += [Expired("arms_practice_attempt", a.id, a.created_at, a.username)
            for a in s.scalars(select(ArmsPracticeAttempt)
                               .where(ArmsPracticeAttempt.created_at < cutoff)
                               .order_by(ArmsPracticeAttempt.id))]
    out += [Expired(kind, rid, at, owner) for kind, rid, at, owner
            in supervision_retention.find_expired(s, cutoff)]
    return out


def _lock_drafts(s: Session, person_id: int) -> dict[int, dt.datetime]:
    """id → last save of each draft of the person's assessments, row-locked (PostgreSQL) so
    that no autosave lands between this check and the deletion."""
    return dict(s.execute(select(Draft.id, Draft.updated_at)
                          .join(Assessment, Draft.assessment_id == Assessment.id)
                          .where(Assessment.person_id == person_id)
                          .with_for_update(of=Draft)).all())


def expired(store: Store, days: int, *, now: dt.datetime | None = None) -> list[Expired]:
    """Dry run: what `delete_expired` would delete."""
    cutoff = cutoff_for(days, now)
    with store._reading() as s:
        return find_expired(s, cutoff)


def delete_expired(store: Store, days: int, *, now: dt.datetime | None = None) -> list[Expired]:
    """Delete everything past the period in one transaction, one audit entry per record."""
    cutoff = cutoff_for(days, now)
    with store._writing() as s:
        found = find_expired(s, cutoff)  # re-checked under the write lock
        deleted = []
        with_person: set[int] = set()  # drafts deleted together with their person
        for item in found:
            detail = {"reason": "retention", "older_than_days": days,
                      "last_activity": item.last_activity.isoformat()}
            if item.kind == "person":
                drafts = _lock_drafts(s, item.id)
                if any(at >= cutoff for at in drafts.values()):
                    continue  # autosaved since it was found: work in progress is never deleted
                detail.update(delete_person_rows(s, item.id))
                with_person |= set(drafts)
            elif item.kind == "draft":
                # an autosave takes only its draft's row lock, not the write lock: a draft saved
                # since it was found is kept (and not reported as deleted)
                gone = s.execute(delete(Draft).where(Draft.id == item.id,
                                                     Draft.updated_at < cutoff))
                if not gone.rowcount and item.id not in with_person:
                    continue
            elif item.kind == "practice_attempt":
                s.execute(delete(PracticeAttempt).where(PracticeAttempt.id == item.id))
            elif item.kind == "arms_practice_attempt":
                s.execute(delete(ArmsPracticeAttempt).where(ArmsPracticeAttempt.id == item.id))
            else:
                detail.update(supervision_retention.delete_record(s, item.kind, item.id))
            audit.append(s, store.user, "delete", item.kind, item.id, detail)
            deleted.append(item)
        return deleted
