"""The store's plumbing: identity, transactions, the audit log, access checks shared by the
record kinds, row lookups, and the validation of what callers pass in. `Store`
(`repository.py`) adds one mixin per kind of record on top of `StoreBase`."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Self

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from ..freetext import MAX_TEXT, check_tree, clean_free_text
from . import audit, autosave, db, guard, identity, integrity, policy
from .convert import _audit_record, _version
from .errors import AccessDenied, NotFoundError
from .identity import current_user
from .models import NAME, Assessment, AssessmentVersion, AuditEntry, Cohort, Person, SignOff
from .records import AuditRecord, VersionRecord
from .roles import roles_of

RULESET_REF = re.compile(r"^[A-Za-z0-9_.\-]+@[A-Za-z0-9_.\-+]+$")


ENTITY = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


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


def _aware(value: Any, field: str) -> None:
    if value is not None and (not isinstance(value, dt.datetime) or value.tzinfo is None):
        raise ValueError(f"{field} must be a timezone-aware date and time (UTC), or None")


def _id(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{field} must be a positive whole number, not {value!r}")
    return value


class StoreBase:
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
        self.roles = roles_of(self.user)
        self.acting_admin: str | None = None
        self._reads = guard.ReadsSeen()  # others' rows whose reading is already audited
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
        self.acting_admin, self.user, self.roles = self.user, other, roles_of(other)
        self._who[integrity.USER] = other  # sessions opened from now on record `other`

    @property
    def sqlite_path(self) -> Path | None:
        """The SQLite file, or None for another database."""
        return db.sqlite_path(self.engine.url.render_as_string(hide_password=False))

    def close(self) -> None:
        self.engine.dispose()

    @property
    def display_name(self) -> str:
        """What pages show for the acting user (`identity.display_name`)."""
        return identity.display_name(self.user)

    def __enter__(self) -> Self:
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

    def permit(self, operation: str) -> str:
        """Why this user may run `operation` on the whole store (`policy.OPERATIONS`: audit
        log, backup, restore, retention): the role that allows it. Else `AccessDenied`,
        audited, naming who may."""
        via = policy.operation_via(self.roles, operation)
        if via is None:
            op = policy.OPERATIONS[operation]
            exc = AccessDenied(policy.operation_refusal(operation), action=op.action,
                               entity=op.entity, entity_id=None, operation=operation)
            self._refused(exc)
            raise exc
        return via

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

    def verify_audit(self, anchor: audit.Anchor | None = None) -> audit.VerifyReport:
        """Check the chain, every record table against it, and (if given) an anchor
        (administrators and team leads, `policy.OPERATIONS`); the check is audited after it."""
        via = self.permit("audit_verify")
        with self._reading() as s:
            report = audit.verify(s, anchor)
        with self._writing() as s:
            self._audit(s, "view", "audit_log", None, via=via, verified=report.ok)
        return report

    def audit_head(self) -> audit.Anchor:
        """The current head of the chain (to anchor outside the database; administrators);
        the read is audited in the next entry's transaction."""
        self.permit("audit_anchor")
        with self._writing() as s:
            self._audit(s, "export", "audit_head", None)
            return audit.head(s)

    def audit_entries(self, limit: int = 50) -> list[AuditRecord]:
        """The most recent entries, oldest of them first (administrators); the read is
        audited after them."""
        via = self.permit("audit_show")
        with self._writing() as s:
            rows = list(s.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())
                                  .limit(max(0, limit))))
            self._audit(s, "view", "audit_log", None, via=via, entries=len(rows))
            return [_audit_record(e) for e in reversed(rows)]

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

