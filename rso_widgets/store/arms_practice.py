"""`SqlArmsPracticeStore`: ARMS practice attempts in the database (issue 16).

One `arms_practice_attempts` row per submitted attempt: the assessment and plan as `attempt`,
the comparison with the key as `feedback`. Who may read them is the rule for practice attempts
(`policy.practice_access`, via `Store.practice_via`): the person, their assigned supervisor,
their team lead while consent is on, an administrator; reads by anyone else are audited.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select

from ..calibration.arms_progress import ArmsPracticeRecord, ArmsPracticeSummary, summarise_arms
from .errors import AccessDenied
from .models import ArmsPracticeAttempt
from .practice import add_own_attempt

ENTITY = "arms_practice_attempt"
_ATTEMPT_FIELDS = ("attempt", "plan")


def _utc(at: dt.datetime) -> dt.datetime:
    return at if at.tzinfo else at.replace(tzinfo=dt.UTC)


def _row(record: ArmsPracticeRecord) -> ArmsPracticeAttempt:
    data = record.model_dump(mode="json")
    return ArmsPracticeAttempt(
        username=record.user, case_id=record.case_id,
        attempt={k: data[k] for k in _ATTEMPT_FIELDS},
        feedback={k: v for k, v in data.items()
                  if k not in (*_ATTEMPT_FIELDS, "user", "case_id", "at")},
        created_at=_utc(record.at))


def arms_record(row: ArmsPracticeAttempt) -> ArmsPracticeRecord:
    """The stored row as a record (ValidationError if it cannot be read)."""
    return ArmsPracticeRecord.model_validate({
        "user": row.username, "case_id": row.case_id, "at": row.created_at,
        **(row.attempt or {}), **(row.feedback or {})})


class SqlArmsPracticeStore:
    """ARMS practice attempts of a `Store`'s user (and, as the policy allows, of others)."""

    def __init__(self, store: Any) -> None:
        self.store = store

    def add_attempt(self, record: ArmsPracticeRecord) -> None:
        """Store one attempt of the store's user (one transaction, audited); an attempt under
        another name is refused (`AccessDenied`, audited)."""
        add_own_attempt(self.store, _row(record), ENTITY)

    def read(self, user: str) -> tuple[list[ArmsPracticeRecord], list[str]]:
        """Every readable attempt of `user`, oldest first, and a message for each unreadable.
        Another user's only as `policy.practice_access` allows (audited; else `AccessDenied`)."""
        records, problems = [], []
        with self.store._reading() as s:
            try:  # the rule for practice attempts; the refusal names this record
                via = self.store.practice_via(s, user)
            except AccessDenied as exc:
                exc.entity = ENTITY
                raise
            rows = s.scalars(select(ArmsPracticeAttempt)
                             .where(ArmsPracticeAttempt.username == user)
                             .order_by(ArmsPracticeAttempt.created_at, ArmsPracticeAttempt.id))
            for row in rows:
                try:
                    records.append(arms_record(row))
                except ValidationError as exc:
                    problems.append(f"ARMS practice attempt {row.id} ({row.case_id}) cannot be "
                                    f"read ({exc.error_count()} problem(s)) and was skipped")
        self.store._seen(ENTITY, user, via, attempts=len(records))
        return records, problems

    def attempts(self, user: str, case_id: str | None = None) -> list[ArmsPracticeRecord]:
        return [r for r in self.read(user)[0] if case_id is None or r.case_id == case_id]

    def summary(self, user: str) -> ArmsPracticeSummary:
        records, problems = self.read(user)
        return summarise_arms(user, records, problems)


class MemoryArmsPracticeStore:
    """The same methods in memory (tests; or when the database cannot be opened)."""

    def __init__(self) -> None:
        self.records: list[ArmsPracticeRecord] = []

    def add_attempt(self, record: ArmsPracticeRecord) -> None:
        self.records.append(record)

    def attempts(self, user: str, case_id: str | None = None) -> list[ArmsPracticeRecord]:
        return [r for r in self.records
                if r.user == user and (case_id is None or r.case_id == case_id)]

    def summary(self, user: str) -> ArmsPracticeSummary:
        return summarise_arms(user, self.attempts(user))
