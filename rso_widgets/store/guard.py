"""The database lookups `store.policy` needs (whose a record is, and whom a user supervises), and
`ReadsSeen`: which reads of others' records a store has already audited."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection

from sqlalchemy import select, union
from sqlalchemy.orm import Session

from .models import (
    Assessment,
    AssessmentVersion,
    Person,
    SharingConsent,
    SignOff,
    SupervisionSession,
    Team,
    TeamMember,
)


def supervisees(s: Session, user: str) -> set[str]:
    """The assessors `user` supervises: assigned in a team roster, or met in a session as
    their supervisor (the supervision domain's `supervises` rule)."""
    assigned = s.scalars(select(TeamMember.username).where(TeamMember.supervisor == user))
    paired = s.scalars(select(SupervisionSession.assessor).distinct().where(
        SupervisionSession.supervisor == user))
    return (set(assigned) | set(paired)) - {user}


def assessment_owners(s: Session, ids: Collection[int]) -> dict[int, set[str]]:
    """Assessment id → its own people: its creator, the authors of its versions and the users
    who signed or countersigned one."""
    owners: dict[int, set[str]] = defaultdict(set)
    if not ids:
        return owners
    ids = list(ids)
    query = union(  # one round trip
        select(Assessment.id, Assessment.created_by).where(Assessment.id.in_(ids)),
        select(AssessmentVersion.assessment_id, AssessmentVersion.author)
        .where(AssessmentVersion.assessment_id.in_(ids)),
        select(AssessmentVersion.assessment_id, SignOff.username)
        .join(SignOff, SignOff.version_id == AssessmentVersion.id)
        .where(AssessmentVersion.assessment_id.in_(ids)))
    for aid, who in s.execute(query):
        owners[aid].add(who)
    return owners


def person_owners(s: Session, ids: Collection[int] | None = None) -> dict[int, set[str]]:
    """Person id → its own people: the creator and the own people of each of its assessments
    (every person when `ids` is None)."""
    q = select(Person.id, Person.created_by)
    owners: dict[int, set[str]] = defaultdict(set)
    for pid, who in s.execute(q if ids is None else q.where(Person.id.in_(ids))):
        owners[pid].add(who)
    aq = select(Assessment.id, Assessment.person_id)
    if ids is not None:
        aq = aq.where(Assessment.person_id.in_(ids))
    of_person = {aid: pid for aid, pid in s.execute(aq)}
    for aid, who in assessment_owners(s, list(of_person)).items():
        owners[of_person[aid]] |= who
    return owners


def practice_context(s: Session, subject: str) -> tuple[str | None, str | None, bool]:
    """(assigned supervisor, team lead, consent on) of `subject`, for `policy.practice_access`."""
    m = s.scalar(select(TeamMember).where(TeamMember.username == subject))
    lead = s.get(Team, m.team_id).lead if m else None  # type: ignore[union-attr]
    c = s.get(SharingConsent, subject)
    return (m.supervisor if m else None), lead, bool(c and c.share_individual)


class ReadsSeen:
    """The rows of others' records one store has already audited as read, per (entity,
    scope): a page that polls (the trainer's live workshop dashboard) writes an entry when it
    reads a row it had not read before, never on a refresh that brings nothing new."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, int], set[int]] = defaultdict(set)

    def new(self, entity: str, scope: int, ids: Collection[int]) -> list[int]:
        """The `ids` not seen before (sorted), now marked seen."""
        seen = self._seen[entity, scope]
        fresh = sorted(set(ids) - seen)
        seen.update(fresh)
        return fresh
