"""The store: one transaction per call, and an audit entry in the same transaction as each write.

Assessment versions are immutable: a change is a new version (author, time, reason), and a save
is refused with `ConcurrentEditError` unless it starts from the latest version. The refused text
is kept as the author's draft. Identity is fixed when the store opens (`identity.current_user`,
from the environment); only an administrator may open it acting as someone else (audited). Who
may read or change which record is `policy`; a refusal is `AccessDenied`, audited.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ..freetext import MAX_TEXT, check_tree, clean_free_text
from . import audit, autosave, db, guard, integrity, policy
from .errors import (
    AccessDenied,
    ConcurrentEditError,
    DuplicateNameError,
    JoinCodeExpired,
    NotFoundError,
    SchemaVersionError,
    SignOffError,
    StoreError,
    WorkshopClosed,
)
from .identity import current_user
from .models import (
    KINDS,
    NAME,
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
    utcnow,
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

if TYPE_CHECKING:
    from .supervision import SupervisionStore

RULESET_REF = re.compile(r"^[A-Za-z0-9_.\-]+@[A-Za-z0-9_.\-+]+$")
ENTITY = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
JOIN_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L


def _text(value: Any, field: str, max_len: int | None = NAME) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{field} is required: give a non-empty text")
    return clean_free_text(value.strip(), field, MAX_TEXT if max_len is None else max_len)


def _payload(data: Any, field: str = "data") -> dict[str, Any]:
    """A detached JSON copy of a mapping or pydantic model (`model_dump(mode="json")`)."""
    if hasattr(data, "model_dump"):
        data = data.model_dump(mode="json")
    if not isinstance(data, Mapping):
        raise ValueError(f"{field} must be a JSON object (a dict), not {type(data).__name__}")
    check_tree(dict(data), "" if field == "data" else field)  # see freetext.py
    try:
        return json.loads(audit.canonical(dict(data)))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{field} cannot be stored as JSON: {exc}") from exc


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


def _aware(value: Any, field: str) -> None:
    if value is not None and (not isinstance(value, dt.datetime) or value.tzinfo is None):
        raise ValueError(f"{field} must be a timezone-aware date and time (UTC), or None")


def _id(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{field} must be a positive whole number, not {value!r}")
    return value


class Store:
    """Repository over one database. Every method is one transaction."""

    def __init__(self, engine: Engine, *, act_as: str | None = None) -> None:
        """Acting as `current_user()`; `act_as` another user: administrators only, audited."""
        self.engine = engine
        self.user = _text(current_user(), "user")
        self._who = {integrity.USER: self.user}  # for the commit-time "record" entry (integrity)
        self._reader = sessionmaker(engine, expire_on_commit=False, info=self._who)
        self._writer = sessionmaker(engine.execution_options(**db.WRITE), expire_on_commit=False,
                                    info=self._who)
        self._drafts = autosave.DraftUpdater(engine)  # the autosave fast path
        self.roles = policy.roles_of(self.user)
        self.acting_admin: str | None = None
        if act_as is not None and _text(act_as, "act_as") != self.user:
            self._act_as(_text(act_as, "act_as"))

    def _act_as(self, other: str) -> None:
        if not policy.may_act_as(self.roles):
            with self._writing() as s:
                self._audit(s, "change", "acting_user", other, denied=True)
            raise AccessDenied(f"{self.user} may not act as {other}: only an administrator may "
                               "(administrators are named in the roles file, RSO_ROLES_FILE)")
        with self._writing() as s:
            self._audit(s, "change", "acting_user", other, act_as=other)
        self.acting_admin, self.user, self.roles = self.user, other, policy.roles_of(other)
        self._who[integrity.USER] = other  # sessions opened from now on record `other`

    # -- plumbing ------------------------------------------------------------------------------

    @property
    def sqlite_path(self) -> Path | None:
        """The SQLite file, or None for another database."""
        return db.sqlite_path(self.engine.url.render_as_string(hide_password=False))

    def close(self) -> None:
        self.engine.dispose()

    @property
    def display_name(self) -> str:
        """What pages show for the acting user (`identity.display_name`)."""
        from .identity import display_name

        return display_name(self.user)

    @property
    def supervision(self) -> SupervisionStore:
        """Supervision sessions, observations, diary, goals, teams (acting as this user)."""
        from .supervision import SupervisionStore
        return SupervisionStore(self)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _reading(self) -> Iterator[Session]:
        try:
            with self._reader() as s, s.begin():
                yield s
        except AccessDenied as exc:
            self._refused(exc)
            raise

    @contextmanager
    def _writing(self) -> Iterator[Session]:
        """A write transaction holding the audit head lock from its first statement."""
        try:
            with self._writer() as s, s.begin():
                audit.lock_head(s)
                yield s
        except AccessDenied as exc:
            self._refused(exc)
            raise

    def _refused(self, exc: AccessDenied) -> None:
        """Audit a refusal raised inside a transaction (after it was rolled back), once."""
        if exc.entity is None or getattr(exc, "audited", False):
            return
        exc.audited = True  # type: ignore[attr-defined]
        with self._writing() as s:
            self._audit(s, exc.action or "view", exc.entity, exc.entity_id, denied=True,
                        **exc.detail)

    def _seen(self, entity: str, entity_id: int | str | None, via: str | None,
              **detail: Any) -> None:
        """Audit a read of someone else's record (`via`: why it was allowed)."""
        if via is not None and via != policy.OWN:
            with self._writing() as s:
                self._audit(s, "view", entity, entity_id, via=via, **detail)

    def _supervisees(self, s: Session) -> set[str]:
        return guard.supervisees(s, self.user) if policy.SUPERVISOR in self.roles else set()

    def _person_via(self, s: Session, person_id: int, action: str = "view") -> str:
        p = self._person_row(s, person_id)
        if p.created_by == self.user:  # the common case, without the lookups
            return policy.OWN
        owners = guard.person_owners(s, [p.id])[p.id]
        via = policy.record_access(self.user, self.roles, owners,
                                   () if self.user in owners else self._supervisees(s))
        if via is None:
            raise AccessDenied(
                f"You may not open person {person_id}: only the people who work on their "
                "assessments, their supervisors and an administrator may.",
                action=action, entity="person", entity_id=person_id)
        return via

    def _assessment_via(self, s: Session, a: Assessment, action: str = "view",
                        *, write: bool = False) -> str:
        if a.created_by == self.user:  # the common case, without the lookups
            return policy.OWN
        owners = guard.assessment_owners(s, [a.id])[a.id]
        via = policy.record_access(self.user, self.roles, owners,
                                   () if self.user in owners else self._supervisees(s))
        if via is None or (write and not policy.record_writable(via)):
            raise AccessDenied(
                f"You may not {'change' if write else 'open'} assessment {a.id}: only the "
                "people who work on it and their supervisors may"
                f"{'' if write else ' (and an administrator may read it)'}.",
                action=action, entity="assessment", entity_id=a.id)
        return via

    def _audit(self, s: Session, action: str, entity: str, entity_id: int | str | None,
               **detail: Any) -> None:
        audit.append(s, self.user, action, entity, entity_id, detail or None)

    # -- persons -------------------------------------------------------------------------------

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

    def log_view(self, entity: str, entity_id: int | str, **detail: Any) -> None:
        """Record that the current user looked at a record (e.g. opened a person's file)."""
        self._log("view", entity, entity_id, detail)

    def log_export(self, entity: str, entity_id: int | str, *, fmt: str, **detail: Any) -> None:
        """Record that the current user exported a record (report, CSV, PDF…)."""
        self._log("export", entity, entity_id, {"format": fmt, **detail})

    def _log(self, action: str, entity: str, entity_id: int | str, detail: dict[str, Any]) -> None:
        if not ENTITY.match(entity):
            raise ValueError(f"entity {entity!r} must be a short lower-case name like 'person'")
        with self._writing() as s:
            self._audit(s, action, entity, entity_id, **detail)

    # -- assessments and versions --------------------------------------------------------------

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
        self._save_draft(key, payload, assessment_id, expected_version)
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
                        f"{last.created_at:%Y-%m-%d %H:%M} UTC): open and {role} the latest")
                signs = {x.role: x for x in s.scalars(
                    select(SignOff).where(SignOff.version_id == v.id))}
                if role in signs:
                    done = signs[role]
                    raise SignOffError(f"version {version} was already {role}ed by "
                                       f"{done.username} at {done.at:%Y-%m-%d %H:%M} UTC")
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

    # -- drafts --------------------------------------------------------------------------------

    @staticmethod
    def draft_key(assessment_id: int) -> str:
        """The draft key used for unsaved edits of an existing assessment."""
        return f"assessment:{assessment_id}"

    def save_draft(self, key: str, data: Any, *, assessment_id: int | None = None,
                   base_version: int | None = None) -> DraftRecord:
        """Autosave: insert or replace this user's draft under `key`. Only a draft's creation
        and deletion are audited: autosaves come every few seconds, and versions are the record."""
        return self._save_draft(_text(key, "key"), _payload(data), assessment_id, base_version)

    def _save_draft(self, key: str, payload: dict[str, Any],
                    assessment_id: int | None, base_version: int | None) -> DraftRecord:
        # An autosave of an existing draft writes no audit entry: one prepared UPDATE in the
        # shortest transaction (`autosave`), not queueing for the audit head behind every other
        # user's writes. Only a new draft (or a missing assessment) takes the path below.
        user, now = self.user, utcnow()  # a draft is always the acting user's own
        if self._drafts.available:
            created = self._drafts.update(user, key, payload, assessment_id, base_version, now)
            if created is not None:
                return DraftRecord(user, key, payload, assessment_id, base_version, created, now)
        with self._writing() as s:  # a new draft: created and audited under the head lock
            if assessment_id is not None:
                self._assessment_row(s, assessment_id)
            d = s.scalar(select(Draft).where(Draft.username == user, Draft.key == key))
            created = d is None
            if d is None:
                d = Draft(username=user, key=key, created_at=now)
                s.add(d)
            d.data, d.assessment_id, d.base_version, d.updated_at = (
                payload, assessment_id, base_version, now)
            s.flush()
            if created:
                self._audit(s, "create", "draft", d.id, assessment_id=assessment_id,
                            base_version=base_version)
            return _draft(d)

    def get_draft(self, key: str) -> DraftRecord | None:
        with self._reading() as s:
            d = s.scalar(select(Draft).where(Draft.username == self.user, Draft.key == key))
            return None if d is None else _draft(d)

    def drafts(self) -> list[DraftRecord]:
        """This user's drafts, most recently saved first."""
        with self._reading() as s:
            return [_draft(d) for d in s.scalars(select(Draft).where(
                Draft.username == self.user).order_by(Draft.updated_at.desc()))]

    def delete_draft(self, key: str) -> bool:
        with self._writing() as s:
            d = s.scalar(select(Draft).where(Draft.username == self.user, Draft.key == key))
            if d is None:
                return False
            s.delete(d)
            self._audit(s, "delete", "draft", d.id)
            return True

    # -- practice attempts ---------------------------------------------------------------------

    def add_practice_attempt(self, case_id: str, attempt: Any, feedback: Any = None, *,
                             created_at: dt.datetime | None = None) -> PracticeAttemptRecord:
        """Store one training attempt (and its feedback summary) of this store's user."""
        row = PracticeAttempt(username=self.user, case_id=_text(case_id, "case_id"),
                              attempt=_payload(attempt, "attempt"),
                              feedback=None if feedback is None else _payload(feedback,
                                                                               "feedback"),
                              created_at=created_at or utcnow())
        with self._writing() as s:
            s.add(row)
            s.flush()
            self._audit(s, "create", "practice_attempt", row.id, case_id=row.case_id)
            return _attempt(row)

    def practice_attempts(self, case_id: str | None = None, *, of: str | None = None
                          ) -> list[PracticeAttemptRecord]:
        """This user's attempts, or `of` another user's if `policy.practice_access` allows
        (audited); optionally at one case, oldest first."""
        user = self.user if of is None else _text(of, "of")
        q = select(PracticeAttempt).where(PracticeAttempt.username == user)
        if case_id is not None:
            q = q.where(PracticeAttempt.case_id == case_id)
        with self._reading() as s:
            via = self.practice_via(s, user)
            out = [_attempt(r) for r in s.scalars(q.order_by(PracticeAttempt.created_at,
                                                             PracticeAttempt.id))]
        self._seen("practice_attempt", user, via, attempts=len(out))
        return out

    def practice_via(self, s: Session, subject: str) -> str:
        """Why this user may read `subject`'s practice attempts (`AccessDenied` if not)."""
        supervisor, lead, consent = ((None, None, False) if subject == self.user
                                     else guard.practice_context(s, subject))
        via = policy.practice_access(self.user, self.roles, subject,
                                     assigned_supervisor=supervisor, lead=lead, consent=consent)
        if via is None:
            raise AccessDenied(f"You may not see {subject}'s practice attempts: only they, "
                               "their supervisor, their team lead (if they agree) and an "
                               "administrator may.", action="view", entity="practice_attempt",
                               entity_id=subject)
        return via

    # -- workshop cohorts ----------------------------------------------------------------------

    def create_cohort(self, name: str, case_ids: list[str], *,
                      join_code: str | None = None,
                      expires_at: dt.datetime | None = None,
                      instruments: Mapping[str, Iterable[str]] | None = None,
                      expected_size: int | None = None) -> CohortRecord:
        """A workshop cohort, open for joining, with a fresh 6-character join code; with
        `expires_at` (timezone-aware) the code admits nobody new after that time;
        `instruments`: case id → the instruments trainees score ("rm2000", "arms"; cases not
        listed: RM2000 only); `expected_size`: trainees expected (sizes the server's pool of
        preheated trainee pages)."""
        expected_size = _room_size(expected_size)
        cases = [_text(c, "case id") for c in case_ids]
        if not cases:
            raise ValueError("a cohort needs at least one case id")
        if len(set(cases)) != len(cases):
            raise ValueError("a case is listed twice: list each case once")
        _aware(expires_at, "expires_at")
        chosen = _instruments(cases, instruments)
        with self._writing() as s:
            if not policy.may_create(self.roles, policy.TRAINER):
                raise AccessDenied("You may not create a workshop: only a trainer may (ask an "
                                   "administrator to add you to the trainers).",
                                   action="create", entity="cohort", entity_id=None)
            code = (join_code or "").strip().upper() or self._new_code(s)
            if s.scalar(select(Cohort.id).where(Cohort.join_code == code)) is not None:
                raise DuplicateNameError(f"join code {code} is already in use: choose another")
            c = Cohort(name=_text(name, "name"), join_code=code, case_ids=cases, is_open=True,
                       created_by=self.user, expires_at=expires_at, instruments=chosen,
                       expected_size=expected_size)
            s.add(c)
            s.flush()
            self._audit(s, "create", "cohort", c.id, cases=len(cases),
                        **({} if chosen is None else {"arms_cases": sum(
                            "arms" in v for v in chosen.values())}),
                        **({} if expires_at is None else {"expires_at": expires_at.isoformat()}))
            return _cohort(c)

    def cohorts(self, *, created_by: str | None = None) -> list[CohortRecord]:
        """Workshop cohorts (optionally only those `created_by` a user), newest first."""
        q = select(Cohort)
        if created_by is not None:
            q = q.where(Cohort.created_by == created_by)
        with self._reading() as s:
            return [_cohort(c) for c in s.scalars(q.order_by(Cohort.id.desc()))]

    def set_cohort_expiry(self, cohort_id: int,
                          expires_at: dt.datetime | None) -> CohortRecord:
        """Set (or clear, with None) the time after which the join code admits nobody new."""
        _aware(expires_at, "expires_at")
        with self._writing() as s:
            c = self._manage(s, cohort_id)
            c.expires_at = expires_at
            self._audit(s, "change", "cohort", c.id,
                        expires_at=None if expires_at is None else expires_at.isoformat())
            return _cohort(c)

    def release_key(self, cohort_id: int, released: bool = True) -> CohortRecord:
        """Release the key (and so feedback) to the cohort's members, or withdraw it."""
        with self._writing() as s:
            c = self._manage(s, cohort_id)
            if released and c.key_released_at is None:
                c.key_released_at = utcnow()
            elif not released:
                c.key_released_at = None
            self._audit(s, "change", "cohort", c.id, key_released=bool(released))
            return _cohort(c)

    def cohort_activity(self, cohort_id: int) -> tuple[int, int, int]:
        """(members, submissions, latest submission id): a cheap check for anything new."""
        with self._reading() as s:
            self._manage(s, cohort_id, "view")
            members = s.scalar(select(func.count(CohortMember.id)).where(
                CohortMember.cohort_id == cohort_id)) or 0
            n, last = s.execute(select(func.count(CohortSubmission.id),
                                       func.max(CohortSubmission.id)).where(
                CohortSubmission.cohort_id == cohort_id)).one()
            return int(members), int(n or 0), int(last or 0)

    def _manage(self, s: Session, cohort_id: int, action: str = "change") -> Cohort:
        """The cohort, if this user created it or is an administrator (else `AccessDenied`)."""
        c = self._cohort_row(s, cohort_id)
        if not policy.workshop_manageable(self.user, self.roles, c.created_by):
            doing = "see the members and answers of" if action == "view" else "change"
            raise AccessDenied(f"You may not {doing} "
                               f"workshop {c.name!r}: only its trainer ({c.created_by}) and an "
                               "administrator may.", action=action, entity="cohort",
                               entity_id=c.id)
        return c

    @staticmethod
    def _new_code(s: Session) -> str:
        while True:
            code = "".join(secrets.choice(JOIN_ALPHABET) for _ in range(6))
            if s.scalar(select(Cohort.id).where(Cohort.join_code == code)) is None:
                return code

    def get_cohort(self, cohort_id: int) -> CohortRecord:
        with self._reading() as s:
            return _cohort(self._cohort_row(s, cohort_id))

    def cohort_by_code(self, join_code: str) -> CohortRecord:
        code = join_code.strip().upper()
        with self._reading() as s:
            c = s.scalar(select(Cohort).where(Cohort.join_code == code))
            if c is None:
                raise NotFoundError(f"no workshop has join code {code!r}: check the code")
            return _cohort(c)

    def set_cohort_expected_size(self, cohort_id: int, size: int | None) -> CohortRecord:
        """Record how many trainees the trainer expects (None: not said)."""
        size = _room_size(size)
        with self._writing() as s:
            c = self._cohort_row(s, cohort_id)
            c.expected_size = size
            self._audit(s, "change", "cohort", c.id, expected_size=size)
            return _cohort(c)

    def set_cohort_open(self, cohort_id: int, is_open: bool) -> CohortRecord:
        with self._writing() as s:
            c = self._manage(s, cohort_id)
            c.is_open = bool(is_open)
            self._audit(s, "change", "cohort", c.id, is_open=c.is_open)
            return _cohort(c)

    def join_cohort(self, cohort_id: int, display_name: str) -> MemberRecord:
        """Join an open cohort under a display name not yet taken in it (the join code must
        not have expired). The member records this store's user, for `rejoin_cohort`."""
        name = _text(display_name, "display name", 100)
        try:
            with self._writing() as s:
                c = self._cohort_row(s, cohort_id)
                if not c.is_open:
                    raise WorkshopClosed(f"workshop {c.name!r} is closed to new members")
                if c.expires_at is not None and utcnow() >= c.expires_at:
                    raise JoinCodeExpired(
                        f"the join code for workshop {c.name!r} expired at "
                        f"{c.expires_at:%H:%M} UTC on {c.expires_at:%d %B %Y}: ask the "
                        "trainer for a new code")
                taken = s.scalar(select(CohortMember.id).where(
                    CohortMember.cohort_id == c.id, CohortMember.display_name == name))
                if taken is not None:
                    raise DuplicateNameError(
                        f"{name!r} is already taken in this workshop: choose another name")
                m = CohortMember(cohort_id=c.id, display_name=name, username=self.user)
                s.add(m)
                s.flush()
                self._audit(s, "create", "cohort_member", m.id, cohort_id=c.id)
                return _member(m)
        except IntegrityError as exc:
            raise DuplicateNameError(
                f"{name!r} is already taken in this workshop: choose another name") from exc

    def rejoin_cohort(self, cohort_id: int, display_name: str) -> MemberRecord:
        """This user's existing membership under `display_name` (after a page reload or a
        kernel that died). Allowed after the code expired or the workshop closed, so feedback
        can still be read. `DuplicateNameError` if someone else joined under that name."""
        name = _text(display_name, "display name", 100)
        with self._writing() as s:
            c = self._cohort_row(s, cohort_id)
            m = s.scalar(select(CohortMember).where(CohortMember.cohort_id == c.id,
                                                    CohortMember.display_name == name))
            if m is None:
                raise NotFoundError(f"nobody has joined workshop {c.name!r} as {name!r}")
            if m.username != self.user:
                raise DuplicateNameError(
                    f"{name!r} is already taken in this workshop: choose another name")
            self._audit(s, "view", "cohort_member", m.id, cohort_id=c.id, rejoined=True)
            return _member(m)

    def get_member(self, member_id: int) -> MemberRecord:
        with self._reading() as s:
            m = s.get(CohortMember, member_id)
            if m is None:
                raise NotFoundError(f"no workshop member with id {member_id}")
            if m.username != self.user:
                self._manage(s, m.cohort_id, "view")
            return _member(m)

    def cohort_members(self, cohort_id: int) -> list[MemberRecord]:
        with self._reading() as s:
            self._manage(s, cohort_id, "view")
            return [_member(m) for m in s.scalars(select(CohortMember).where(
                CohortMember.cohort_id == cohort_id).order_by(CohortMember.id))]

    def submit(self, cohort_id: int, member_id: int, case_id: str,
               attempt: Any) -> SubmissionRecord:
        """A member's attempt at one of the cohort's cases. Refused (`WorkshopClosed`) once the
        workshop is closed or its key released."""
        payload = _payload(attempt, "attempt")
        with self._writing() as s:
            c = self._cohort_row(s, cohort_id)
            m = s.get(CohortMember, member_id)
            if m is None or m.cohort_id != c.id:
                raise NotFoundError(f"member {member_id} is not in workshop {c.name!r}")
            if m.username != self.user:
                raise AccessDenied(f"You may not submit as another member of workshop "
                                   f"{c.name!r}: each member submits only their own answers.",
                                   action="create", entity="cohort_submission", entity_id=None,
                                   cohort_id=c.id, member_id=m.id)
            if not c.is_open:
                raise WorkshopClosed(f"workshop {c.name!r} is closed: submissions are not "
                                     "accepted")
            if c.key_released_at is not None:
                raise WorkshopClosed(f"the key of workshop {c.name!r} has been released: "
                                     "submissions are not accepted")
            if case_id not in c.case_ids:
                raise ValueError(f"case {case_id!r} is not part of workshop {c.name!r}")
            sub = CohortSubmission(cohort_id=c.id, member_id=m.id, case_id=case_id,
                                   attempt=payload)
            s.add(sub)
            s.flush()
            self._audit(s, "create", "cohort_submission", sub.id, cohort_id=c.id,
                        case_id=case_id)
            return _submission(sub)

    def submissions(self, cohort_id: int, *, case_id: str | None = None,
                    member_id: int | None = None, after_id: int | None = None
                    ) -> list[SubmissionRecord]:
        """The cohort's submissions, oldest first; optionally one case's, one member's, or only
        those with an id above `after_id` (what is new since a dashboard last looked). All of
        them for the workshop's trainer and administrators; a member's own for that member."""
        q = select(CohortSubmission).where(CohortSubmission.cohort_id == cohort_id)
        if case_id is not None:
            q = q.where(CohortSubmission.case_id == case_id)
        if member_id is not None:
            q = q.where(CohortSubmission.member_id == member_id)
        if after_id is not None:
            q = q.where(CohortSubmission.id > after_id)
        with self._reading() as s:
            c = self._cohort_row(s, cohort_id)
            m = None if member_id is None else s.get(CohortMember, member_id)
            if m is None or m.username != self.user or m.cohort_id != c.id:
                self._manage(s, cohort_id, "view")
            return [_submission(x) for x in s.scalars(q.order_by(CohortSubmission.id))]

    # -- audit ---------------------------------------------------------------------------------

    def verify_audit(self, anchor: audit.Anchor | None = None) -> audit.VerifyReport:
        """Check the chain, every record table against it, and (if given) an anchor."""
        with self._reading() as s:
            return audit.verify(s, anchor)

    def audit_head(self) -> audit.Anchor:
        """The current head of the chain (to anchor outside the database); the read is audited
        in the next entry's transaction."""
        with self._writing() as s:
            self._audit(s, "export", "audit_head", None)
            return audit.head(s)

    def audit_entries(self, limit: int = 50) -> list[AuditRecord]:
        """The most recent entries, oldest of them first."""
        with self._reading() as s:
            rows = list(s.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())
                                  .limit(max(0, limit))))
            return [_audit_record(e) for e in reversed(rows)]

    # -- row lookups ---------------------------------------------------------------------------

    @staticmethod
    def _person_row(s: Session, person_id: int) -> Person:
        p = s.get(Person, person_id)
        if p is None:
            raise NotFoundError(f"no person with id {person_id}: it may have been deleted")
        return p

    @staticmethod
    def _assessment_row(s: Session, assessment_id: int) -> Assessment:
        a = s.get(Assessment, assessment_id)
        if a is None:
            raise NotFoundError(f"no assessment with id {assessment_id}: it may have been "
                                "deleted")
        return a

    @staticmethod
    def _cohort_row(s: Session, cohort_id: int) -> Cohort:
        c = s.get(Cohort, cohort_id)
        if c is None:
            raise NotFoundError(f"no workshop cohort with id {cohort_id}")
        return c

    @staticmethod
    def _latest_row(s: Session, assessment_id: int) -> AssessmentVersion:
        v = s.scalar(select(AssessmentVersion).where(
            AssessmentVersion.assessment_id == assessment_id)
            .order_by(AssessmentVersion.version.desc()).limit(1))
        if v is None:
            raise NotFoundError(f"assessment {assessment_id} has no versions")
        return v

    @staticmethod
    def _version_row(s: Session, assessment_id: int, version: int) -> AssessmentVersion:
        v = s.scalar(select(AssessmentVersion).where(
            AssessmentVersion.assessment_id == assessment_id,
            AssessmentVersion.version == version))
        if v is None:
            raise NotFoundError(f"assessment {assessment_id} has no version {version}")
        return v

    @staticmethod
    def _version_record(s: Session, v: AssessmentVersion, kind: str) -> VersionRecord:
        return _version(v, kind, list(s.scalars(select(SignOff).where(
            SignOff.version_id == v.id))))


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


# -- row → record ------------------------------------------------------------------------------

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
                        c.created_at, c.expires_at, c.key_released_at, chosen, c.expected_size)


WORKSHOP_INSTRUMENTS = ("rm2000", "arms")
MAX_ROOM = 500  # trainees in one workshop: beyond this, one server is not the right tool


def _room_size(size: int | None) -> int | None:
    if size is None:
        return None
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= MAX_ROOM:
        raise ValueError(f"expected trainees must be a whole number from 1 to {MAX_ROOM} "
                         f"(got {size!r})")
    return size


def _instruments(cases: list[str], instruments: Mapping[str, Iterable[str]] | None
                 ) -> dict[str, list[str]] | None:
    """Validated instruments per case (in a fixed order), or None for RM2000 throughout."""
    if instruments is None:
        return None
    unknown = sorted(set(instruments) - set(cases))
    if unknown:
        raise ValueError(f"instruments are given for {', '.join(unknown)}, which is not among "
                         "the workshop's cases")
    out: dict[str, list[str]] = {}
    for cid in cases:
        given = instruments.get(cid, ("rm2000",))
        if isinstance(given, str):
            given = (given,)
        names = {str(x).strip().lower() for x in given}
        bad = sorted(names - set(WORKSHOP_INSTRUMENTS))
        if bad:
            raise ValueError(f"instruments for {cid}: {', '.join(bad)} is not one; use rm2000 "
                             "and/or arms")
        if not names:
            raise ValueError(f"instruments for {cid}: choose RM2000, ARMS or both")
        out[cid] = [x for x in WORKSHOP_INSTRUMENTS if x in names]
    return None if all(v == ["rm2000"] for v in out.values()) else out


def _member(m: CohortMember) -> MemberRecord:
    return MemberRecord(m.id, m.cohort_id, m.display_name, m.joined_at, m.username)


def _submission(x: CohortSubmission) -> SubmissionRecord:
    return SubmissionRecord(x.id, x.cohort_id, x.member_id, x.case_id, x.attempt, x.created_at)


# -- opening -----------------------------------------------------------------------------------

def open_store(database_url: str | None = None, *, act_as: str | None = None,
               create: bool = True, upgrade: bool = True, script_location: Path | None = None,
               backup_dir: Path | None = None) -> Store:
    """Open the configured database (default: SQLite in the data directory).

    A new database gets the current schema; an older one is backed up (SQLite, into
    `<data_dir>/backups/` unless `backup_dir` is given) and upgraded. With `create=False` a
    missing SQLite file is an error; with `upgrade=False` an out-of-date schema is.
    """
    url = database_url or db.database_url()
    engine = db.make_engine(url, create=create)
    try:
        if upgrade:
            db.upgrade(engine, script_location=script_location, backup_dir=backup_dir)
        else:
            with engine.connect() as conn:
                rev = db.current_revision(conn)
            if rev != db.head_revision(script_location):
                raise SchemaVersionError(
                    f"the database schema is at {rev or 'nothing'}, not "
                    f"{db.head_revision(script_location)}: open it with the app to upgrade it")
        return Store(engine, act_as=act_as)
    except BaseException:
        engine.dispose()
        raise
