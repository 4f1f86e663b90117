"""Assessments, their immutable versions, sign-offs and review dates."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..timefmt import when_text
from . import guard, policy
from .base import RULESET_REF, _id, _payload, _text
from .convert import _assessment, _version
from .drafts import DraftsMixin
from .errors import AccessDenied, ConcurrentEditError, SignOffError, StoreError
from .models import KINDS, Assessment, AssessmentVersion, Draft, SignOff
from .records import AssessmentRecord, VersionRecord

_RULESET_PATHS = (("ruleset",), ("result", "ruleset"), ("rm2000", "result", "ruleset"),
                  ("arms", "catalogue"))


def _ruleset_ref(ruleset: str | None, payload: dict[str, Any]) -> str | None:
    """The explicit ref, else the first found in the payload (the report payload convention:
    `ruleset`, `result.ruleset`, `rm2000.result.ruleset`, then `arms.catalogue`)."""
    for path in () if ruleset is not None else _RULESET_PATHS:
        node: Any = payload
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, str) and node:
            ruleset = node
            break
    if ruleset is not None and not RULESET_REF.match(ruleset):
        raise ValueError(f"ruleset {ruleset!r} must be a ref like 'rm2000-ew-training@1.0.0'")
    return ruleset


class AssessmentsMixin(DraftsMixin):
    """Assessments and versions: a change is a new version, never an overwrite; a save that
    does not start from the latest version is refused and kept as the author's draft."""

    def create_assessment(self, person_id: int, kind: str, data: Any, *,
                          reason: str = "first version", ruleset: str | None = None,
                          review_due: dt.date | None = None) -> VersionRecord:
        """A new assessment of `kind` for a person, with its version 1 written by this user."""
        if kind not in KINDS:
            raise ValueError(f"kind {kind!r} must be one of {', '.join(KINDS)}")
        payload = _payload(data)
        ref, why = _ruleset_ref(ruleset, payload), _text(reason, "reason", None)
        with self._writing() as s:
            if not policy.record_writable(self._person_via(s, person_id, "create")):
                raise AccessDenied(f"You may not add an assessment of person {person_id}: only "
                                   "the people who work on their assessments and their "
                                   "supervisors may.", action="create", entity="person",
                                   entity_id=person_id)
            a = Assessment(person_id=person_id, kind=kind, review_due=review_due,
                           created_by=self.user)
            s.add(a)
            s.flush()
            v = AssessmentVersion(assessment_id=a.id, version=1, data=payload, ruleset=ref,
                                  author=self.user, reason=why)
            s.add(v)
            s.flush()
            self._audit(s, "create", "assessment", a.id, person_id=person_id, kind=kind,
                        version=1)
            return _version(v, kind, [])

    def get_assessment(self, assessment_id: int) -> AssessmentRecord:
        with self._reading() as s:
            a = self._assessment_row(s, assessment_id)
            via = self._assessment_via(s, a)
            out = _assessment(a, self._latest_row(s, a.id).version)
        self._seen("assessment", assessment_id, via)
        return out

    def assessments_for(self, person_id: int) -> list[AssessmentRecord]:
        """The person's assessments this user may open (refused if not the person)."""
        with self._reading() as s:
            person_via = self._person_via(s, person_id)
            latest = dict(s.execute(
                select(AssessmentVersion.assessment_id, func.max(AssessmentVersion.version))
                .join(Assessment).where(Assessment.person_id == person_id)
                .group_by(AssessmentVersion.assessment_id)).all())
            rows = list(s.scalars(select(Assessment).where(Assessment.person_id == person_id)
                                  .order_by(Assessment.id)))
            owners, mine = guard.assessment_owners(s, [a.id for a in rows]), self._supervisees(s)
            vias = {a.id: policy.record_access(self.user, self.roles, owners[a.id], mine)
                    for a in rows}
            out = [_assessment(a, latest.get(a.id, 0)) for a in rows if vias[a.id]]
        others = [i for i, via in vias.items() if via not in (None, policy.OWN)]
        if others or person_via != policy.OWN:
            self._seen("person", person_id, person_via, assessments=others)
        return out

    def latest_version(self, assessment_id: int) -> VersionRecord:
        with self._reading() as s:
            a = self._assessment_row(s, assessment_id)
            via = self._assessment_via(s, a)
            out = self._version_record(s, self._latest_row(s, a.id), a.kind)
        self._seen("assessment", assessment_id, via, version=out.version)
        return out

    def get_version(self, assessment_id: int, version: int) -> VersionRecord:
        with self._reading() as s:
            a = self._assessment_row(s, assessment_id)
            via = self._assessment_via(s, a)
            out = self._version_record(s, self._version_row(s, a.id, version), a.kind)
        self._seen("assessment", assessment_id, via, version=version)
        return out

    def versions(self, assessment_id: int) -> list[VersionRecord]:
        """Every version, oldest first."""
        with self._reading() as s:
            a = self._assessment_row(s, assessment_id)
            via = self._assessment_via(s, a)
            rows = list(s.scalars(select(AssessmentVersion)
                                  .where(AssessmentVersion.assessment_id == a.id)
                                  .order_by(AssessmentVersion.version)))
            signs = list(s.scalars(select(SignOff).where(
                SignOff.version_id.in_([v.id for v in rows]))))
            out = [_version(v, a.kind, [x for x in signs if x.version_id == v.id])
                   for v in rows]
        self._seen("assessment", assessment_id, via, versions=len(out))
        return out

    def save_version(self, assessment_id: int, data: Any, reason: str,
                     expected_version: int, *, ruleset: str | None = None) -> VersionRecord:
        """Save `data` as version `expected_version + 1` by this store's user, never
        overwriting anything.

        Refused with `ConcurrentEditError` if the latest version is not `expected_version`
        (checked here, and by the unique (assessment_id, version) constraint across processes);
        the refused data is then kept as this user's draft under `draft_key(assessment_id)`.
        On success this user's draft under that key is cleared.
        """
        _id(assessment_id, "assessment_id")
        _id(expected_version, "expected_version")
        payload, who = _payload(data), self.user
        ref, why = _ruleset_ref(ruleset, payload), _text(reason, "reason", None)
        latest: tuple[int, str, dt.datetime] | None = None
        try:
            with self._writing() as s:
                a = self._assessment_row(s, assessment_id)
                self._assessment_via(s, a, "change", write=True)
                last = self._latest_row(s, assessment_id)
                if last.version < expected_version:
                    raise StoreError(f"assessment {assessment_id} has no version "
                                     f"{expected_version}: its latest is {last.version}")
                if last.version > expected_version:
                    latest = (last.version, last.author, last.created_at)
                else:
                    v = AssessmentVersion(assessment_id=a.id, version=expected_version + 1,
                                          data=payload, ruleset=ref, author=who, reason=why)
                    s.add(v)
                    s.flush()
                    cleared = s.execute(delete(Draft).where(
                        Draft.username == who, Draft.key == self.draft_key(a.id))).rowcount
                    self._audit(s, "change", "assessment", a.id, version=v.version,
                                kind=a.kind, draft_cleared=bool(cleared))
                    return _version(v, a.kind, [])
        except IntegrityError:
            with self._reading() as s:  # a writer in another process got there first
                last = self._latest_row(s, assessment_id)
                if last.version <= expected_version:
                    raise
                latest = (last.version, last.author, last.created_at)
        assert latest is not None
        key = self.draft_key(assessment_id)
        # the refused save's text becomes the draft, whatever revision the draft had
        self._save_draft(key, payload, assessment_id, expected_version, None)
        raise ConcurrentEditError(assessment_id=assessment_id, expected_version=expected_version,
                                  latest_version=latest[0], latest_author=latest[1],
                                  latest_at=latest[2], draft_key=key)

    def sign(self, assessment_id: int, version: int) -> VersionRecord:
        """Sign the latest version as this store's user."""
        return self._sign_off(assessment_id, version, "sign")

    def countersign(self, assessment_id: int, version: int) -> VersionRecord:
        """Countersign a signed latest version; the countersigner must not be the signer."""
        return self._sign_off(assessment_id, version, "countersign")

    def _sign_off(self, assessment_id: int, version: int, role: str) -> VersionRecord:
        try:
            with self._writing() as s:
                a = self._assessment_row(s, assessment_id)
                self._may_sign_off(s, a, role)
                v = self._version_row(s, a.id, version)
                last = self._latest_row(s, a.id)
                if last.version != v.version:
                    raise SignOffError(
                        f"version {version} of assessment {assessment_id} is superseded by "
                        f"version {last.version} ({last.author}, "
                        f"{when_text(last.created_at)}): open and {role} the latest")
                signs = {x.role: x for x in s.scalars(
                    select(SignOff).where(SignOff.version_id == v.id))}
                if role in signs:
                    done = signs[role]
                    raise SignOffError(f"version {version} was already {role}ed by "
                                       f"{done.username} at {when_text(done.at)}")
                if role == "countersign":
                    if "sign" not in signs:
                        raise SignOffError(f"version {version} is not signed yet: it must be "
                                           "signed before it can be countersigned")
                    if signs["sign"].username == self.user:
                        raise SignOffError(
                            f"{self.user} signed version {version}: a countersign must be by "
                            "a different user")
                s.add(SignOff(version_id=v.id, role=role, username=self.user))
                s.flush()
                self._audit(s, role, "assessment", a.id, version=v.version)
                return self._version_record(s, v, a.kind)
        except IntegrityError as exc:
            raise SignOffError(f"version {version} was {role}ed by someone else a moment ago; "
                               "reload it") from exc

    def _may_sign_off(self, s: Session, a: Assessment, role: str) -> None:
        owners = guard.assessment_owners(s, [a.id])[a.id]
        signer = s.scalar(select(SignOff.username).join(
            AssessmentVersion, SignOff.version_id == AssessmentVersion.id).where(
            AssessmentVersion.assessment_id == a.id, SignOff.role == "sign")
            .order_by(SignOff.id.desc()).limit(1))
        if role == "sign" and not policy.may_sign(policy.record_access(
                self.user, self.roles, owners, self._supervisees(s))):
            raise AccessDenied(f"You may not sign assessment {a.id}: only the people who work "
                               "on it and their supervisors may.", action="sign",
                               entity="assessment", entity_id=a.id)
        if role == "countersign" and not policy.may_countersign(
                self.user, self.roles, owners - {self.user}, self._supervisees(s), signer):
            raise AccessDenied(f"You may not countersign assessment {a.id}: a countersign is "
                               "by a supervisor of the assessor, who did not sign it.",
                               action="countersign", entity="assessment", entity_id=a.id)

    def set_review_due(self, assessment_id: int, due: dt.date | None) -> AssessmentRecord:
        """Set (or clear) the date by which the assessment must be reviewed."""
        if due is not None and not isinstance(due, dt.date):
            raise ValueError(f"review due must be a date, not {type(due).__name__}")
        with self._writing() as s:
            a = self._assessment_row(s, assessment_id)
            self._assessment_via(s, a, "change", write=True)
            a.review_due = due.date() if isinstance(due, dt.datetime) else due
            self._audit(s, "change", "assessment", a.id,
                        review_due=None if due is None else a.review_due.isoformat())
            return _assessment(a, self._latest_row(s, a.id).version)

    def reviews_due(self, on_or_before: dt.date) -> list[AssessmentRecord]:
        """Assessments whose review is due on or before a date, soonest first."""
        with self._reading() as s:
            rows = list(s.scalars(select(Assessment).where(Assessment.review_due <= on_or_before)
                                  .order_by(Assessment.review_due, Assessment.id)))
            owners, mine = guard.assessment_owners(s, [a.id for a in rows]), self._supervisees(s)
            vias = {a.id: policy.record_access(self.user, self.roles, owners[a.id], mine)
                    for a in rows}
            out = [_assessment(a, self._latest_row(s, a.id).version) for a in rows
                   if vias[a.id]]
        others = [i for i, via in vias.items() if via not in (None, policy.OWN)]
        if others:
            self._seen("assessment", None, "list", ids=others)
        return out

