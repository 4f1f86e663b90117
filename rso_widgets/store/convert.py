"""Database rows → the plain records the store returns (`records.py`)."""

from __future__ import annotations

import json

from . import audit
from .models import (
    Assessment,
    AssessmentVersion,
    AuditEntry,
    Cohort,
    CohortMember,
    CohortSubmission,
    Draft,
    Person,
    PracticeAttempt,
    SignOff,
)
from .records import (
    AssessmentRecord,
    AuditRecord,
    CohortRecord,
    DraftRecord,
    MemberRecord,
    PersonRecord,
    PracticeAttemptRecord,
    SubmissionRecord,
    VersionRecord,
)


def _audit_record(e: AuditEntry) -> AuditRecord:
    detail = dict(e.detail) if e.detail else None
    hashes = detail.pop(audit.ROWS, []) if detail else []
    return AuditRecord(e.seq, e.at, e.username, e.action, e.entity, e.entity_id,
                       detail or None, e.hash, len(hashes))


def _person(p: Person) -> PersonRecord:
    return PersonRecord(p.id, p.reference, p.fictional, p.created_by, p.created_at)


def _assessment(a: Assessment, latest: int) -> AssessmentRecord:
    return AssessmentRecord(a.id, a.person_id, a.kind, a.review_due, a.created_by,
                            a.created_at, latest)


def _version(v: AssessmentVersion, kind: str, signs: list[SignOff]) -> VersionRecord:
    by = {x.role: x for x in signs}
    sign, counter = by.get("sign"), by.get("countersign")
    return VersionRecord(
        v.id, v.assessment_id, kind, v.version, json.loads(json.dumps(v.data)), v.ruleset,
        v.author, v.reason, v.created_at,
        signed_by=sign.username if sign else None, signed_at=sign.at if sign else None,
        countersigned_by=counter.username if counter else None,
        countersigned_at=counter.at if counter else None)


def _draft(d: Draft) -> DraftRecord:
    return DraftRecord(d.username, d.key, d.data, d.assessment_id, d.base_version,
                       d.created_at, d.updated_at)


def _attempt(r: PracticeAttempt) -> PracticeAttemptRecord:
    return PracticeAttemptRecord(r.id, r.username, r.case_id, r.attempt, r.feedback,
                                 r.created_at)


def _cohort(c: Cohort) -> CohortRecord:
    chosen = ({k: tuple(v) for k, v in c.instruments.items()} if c.instruments else None)
    return CohortRecord(c.id, c.name, c.join_code, tuple(c.case_ids), c.is_open, c.created_by,
                        c.created_at, c.expires_at, c.key_released_at, chosen, c.expected_size,
                        c.trainee_page or "room")


def _member(m: CohortMember) -> MemberRecord:
    return MemberRecord(m.id, m.cohort_id, m.display_name, m.joined_at, m.username)


def _submission(x: CohortSubmission) -> SubmissionRecord:
    return SubmissionRecord(x.id, x.cohort_id, x.member_id, x.case_id, x.attempt, x.created_at)

