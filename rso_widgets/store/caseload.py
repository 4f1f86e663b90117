"""The caseload: every person record this user may open (`store.policy`) with its assessment of
one kind and that assessment's review due date, read in one transaction (a fixed number of
queries, however many records there are).

    rows = caseload(store)            # [CaseloadEntry(person, assessment_id, review_due, ...)]

Reading the list is not audited as viewing each record: it shows references and dates only.
Opening a record is (`Store.log_view`); a list that includes other people's records (a
supervisor's, an administrator's) is audited once, naming them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from . import guard, policy
from .convert import _person
from .models import Assessment, AssessmentVersion, Person
from .records import PersonRecord

if TYPE_CHECKING:
    from .repository import Store


@dataclasses.dataclass(frozen=True)
class CaseloadEntry:
    """A person, and their latest assessment of the kind asked for (if any)."""

    person: PersonRecord
    assessment_id: int | None = None
    review_due: dt.date | None = None
    latest_version: int = 0


def caseload(store: Store, kind: str = "arms") -> list[CaseloadEntry]:
    """Every person this user may open, with their most recent assessment of `kind` (the one
    the live app opens) and its review due date; in record order (sort with
    `reassessment.review_order_key`)."""
    others: list[int] = []
    with store._reading() as s:
        owners, mine = guard.person_owners(s), store._supervisees(s)
        persons = []
        for p in s.scalars(select(Person).order_by(Person.id)):
            via = policy.record_access(store.user, store.roles, owners[p.id], mine)
            if via is not None:
                persons.append(p)
                if via != policy.OWN:
                    others.append(p.id)
        latest = (select(AssessmentVersion.assessment_id,
                         func.max(AssessmentVersion.version).label("v"))
                  .group_by(AssessmentVersion.assessment_id).subquery())
        rows = s.execute(
            select(Assessment.person_id, Assessment.id, Assessment.review_due, latest.c.v)
            .join(latest, latest.c.assessment_id == Assessment.id)
            .where(Assessment.kind == kind).order_by(Assessment.id)).all()
        newest = {pid: (aid, due, v) for pid, aid, due, v in rows}  # later ids win
        out = []
        for p in persons:
            aid, due, v = newest.get(p.id, (None, None, 0))
            out.append(CaseloadEntry(_person(p), aid, due, int(v or 0)))
    if others:
        store._seen("person", None, "list", ids=others)
    return out
