"""Persons: create, read, list and erase (with everything hanging off them)."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from . import guard, policy
from .base import StoreBase, _text
from .convert import _person
from .errors import AccessDenied
from .models import Assessment, AssessmentVersion, Draft, Person, SignOff
from .records import PersonRecord


class PersonsMixin(StoreBase):
    """Person records (who may open which: `policy`, via `StoreBase._person_via`)."""

    def create_person(self, reference: str, *, fictional: bool = False) -> PersonRecord:
        """A person record: a display name or force reference, and whether it is fictional."""
        ref = _text(reference, "reference")
        with self._writing() as s:
            p = Person(reference=ref, fictional=bool(fictional), created_by=self.user)
            s.add(p)
            s.flush()
            self._audit(s, "create", "person", p.id, fictional=p.fictional)
            return _person(p)

    def get_person(self, person_id: int) -> PersonRecord:
        with self._reading() as s:
            via = self._person_via(s, person_id)
            p = _person(self._person_row(s, person_id))
        self._seen("person", person_id, via)
        return p

    def list_persons(self) -> list[PersonRecord]:
        """The persons this user may open (see `policy`); others' are audited as one view."""
        with self._reading() as s:
            owners, mine = guard.person_owners(s), self._supervisees(s)
            out, others = [], []
            for p in s.scalars(select(Person).order_by(Person.id)):
                via = policy.record_access(self.user, self.roles, owners[p.id], mine)
                if via is not None:
                    out.append(_person(p))
                    if via != policy.OWN:
                        others.append(p.id)
        if others:
            self._seen("person", None, "list", ids=others)
        return out

    def delete_person(self, person_id: int, *, reason: str) -> None:
        """Erase a person with all assessments, versions, sign-offs and linked drafts (audited).

        Keep personal data out of `reason`: it is kept in the audit log.
        """
        why = _text(reason, "reason")
        with self._writing() as s:
            if not policy.person_deletable(self.user, self.roles,
                                           self._person_row(s, person_id).created_by):
                raise AccessDenied(f"You may not delete person {person_id}: only whoever "
                                   "created the record or an administrator may.",
                                   action="delete", entity="person", entity_id=person_id)
            counts = delete_person_rows(s, person_id)
            self._audit(s, "delete", "person", person_id, reason=why, **counts)


def delete_person_rows(s: Session, person_id: int) -> dict[str, int]:
    """Delete a person and everything hanging off them, children first; returns counts."""
    ids = list(s.scalars(select(Assessment.id).where(Assessment.person_id == person_id)))
    vids = select(AssessmentVersion.id).where(AssessmentVersion.assessment_id.in_(ids))
    s.execute(delete(SignOff).where(SignOff.version_id.in_(vids)))
    n_versions = s.execute(delete(AssessmentVersion).where(
        AssessmentVersion.assessment_id.in_(ids))).rowcount
    n_drafts = s.execute(delete(Draft).where(Draft.assessment_id.in_(ids))).rowcount
    s.execute(delete(Assessment).where(Assessment.id.in_(ids)))
    s.execute(delete(Person).where(Person.id == person_id))
    return {"assessments": len(ids), "versions": n_versions, "drafts": n_drafts}

