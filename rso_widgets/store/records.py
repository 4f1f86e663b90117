"""Plain, frozen records returned by the store (never live ORM objects)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any


@dataclasses.dataclass(frozen=True)
class PersonRecord:
    id: int
    reference: str
    fictional: bool
    created_by: str
    created_at: dt.datetime


@dataclasses.dataclass(frozen=True)
class AssessmentRecord:
    id: int
    person_id: int
    kind: str
    review_due: dt.date | None
    created_by: str
    created_at: dt.datetime
    latest_version: int


@dataclasses.dataclass(frozen=True)
class VersionRecord:
    """One immutable version of an assessment, with its sign-off state."""

    id: int
    assessment_id: int
    kind: str
    version: int
    data: dict[str, Any]
    ruleset: str | None
    author: str
    reason: str
    created_at: dt.datetime
    signed_by: str | None = None
    signed_at: dt.datetime | None = None
    countersigned_by: str | None = None
    countersigned_at: dt.datetime | None = None


@dataclasses.dataclass(frozen=True)
class DraftRecord:
    user: str
    key: str
    data: dict[str, Any]
    assessment_id: int | None
    base_version: int | None
    created_at: dt.datetime
    updated_at: dt.datetime


@dataclasses.dataclass(frozen=True)
class PracticeAttemptRecord:
    id: int
    user: str
    case_id: str
    attempt: dict[str, Any]
    feedback: dict[str, Any] | None
    created_at: dt.datetime


@dataclasses.dataclass(frozen=True)
class CohortRecord:
    id: int
    name: str
    join_code: str
    case_ids: tuple[str, ...]
    is_open: bool
    created_by: str
    created_at: dt.datetime
    expires_at: dt.datetime | None = None  # the join code admits nobody new after this
    key_released_at: dt.datetime | None = None  # None: trainees see no key or feedback yet
    # case id → instruments scored ("rm2000", "arms"); a case not listed: RM2000 only
    instruments: dict[str, tuple[str, ...]] | None = dataclasses.field(default=None, hash=False)
    expected_size: int | None = None  # trainees expected in the room (None: not said)
    trainee_page: str = "room"  # where trainees join: "room" (the room page) or "notebook"

    @property
    def key_released(self) -> bool:
        return self.key_released_at is not None

    def instruments_for(self, case_id: str) -> tuple[str, ...]:
        """The instruments trainees score for one of the cases (RM2000 unless set)."""
        return (self.instruments or {}).get(case_id, ("rm2000",))

    def expired(self, now: dt.datetime | None = None) -> bool:
        """Whether the join code has expired (it then admits no new member)."""
        if self.expires_at is None:
            return False
        return (now or dt.datetime.now(dt.UTC)) >= self.expires_at


@dataclasses.dataclass(frozen=True)
class MemberRecord:
    id: int
    cohort_id: int
    display_name: str
    joined_at: dt.datetime
    username: str | None = None  # who joined (the signed-in user)


@dataclasses.dataclass(frozen=True)
class SubmissionRecord:
    id: int
    cohort_id: int
    member_id: int
    case_id: str
    attempt: dict[str, Any]
    created_at: dt.datetime


@dataclasses.dataclass(frozen=True)
class AuditRecord:
    seq: int
    at: dt.datetime
    user: str
    action: str
    entity: str
    entity_id: str | None
    detail: dict[str, Any] | None
    hash: str
    records: int = 0  # record rows whose hashes the entry carries (`detail` leaves them out)


@dataclasses.dataclass(frozen=True)
class TraineeView:
    """A trainee's own workshop, read in one transaction (`Store.trainee_view`)."""

    cohort: CohortRecord
    member: MemberRecord
    submissions: tuple[SubmissionRecord, ...]  # the member's, oldest first (empty: not read)
    # case id → this user's draft of it (None: no draft), for each case asked for
    drafts: dict[str, DraftRecord | None] = dataclasses.field(default_factory=dict, hash=False)
