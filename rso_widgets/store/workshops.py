"""Workshop cohorts: join codes, members, submissions and the key release."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..calibration.workshop import TRAINEE_PAGES
from ..timefmt import when_text
from . import policy
from .base import StoreBase, _aware, _payload, _text
from .convert import _cohort, _member, _submission
from .draft_revision import Revision, check_revision
from .errors import AccessDenied, DuplicateNameError, JoinCodeExpired, NotFoundError, WorkshopClosed
from .models import Cohort, CohortMember, CohortSubmission, Draft, utcnow
from .records import CohortRecord, MemberRecord, SubmissionRecord

JOIN_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L


WORKSHOP_INSTRUMENTS = ("rm2000", "arms")


MAX_ROOM = 500  # trainees in one workshop: beyond this, one server is not the right tool


def _room_size(size: int | None) -> int | None:
    if size is None:
        return None
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= MAX_ROOM:
        raise ValueError(f"expected trainees must be a whole number from 1 to {MAX_ROOM} "
                         f"(got {size!r})")
    return size


def _trainee_page(page: str) -> str:
    if page not in TRAINEE_PAGES:
        raise ValueError(f"trainees join on the {' or the '.join(TRAINEE_PAGES)} page, not "
                         f"{page!r}")
    return page


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


class WorkshopsMixin(StoreBase):
    """Workshops (cohorts): managed by their trainer or an administrator; members submit their
    own answers."""

    def create_cohort(self, name: str, case_ids: list[str], *,
                      join_code: str | None = None,
                      expires_at: dt.datetime | None = None,
                      instruments: Mapping[str, Iterable[str]] | None = None,
                      expected_size: int | None = None,
                      trainee_page: str = "room") -> CohortRecord:
        """A workshop cohort, open for joining, with a fresh 6-character join code; with
        `expires_at` (timezone-aware) the code admits nobody new after that time;
        `instruments`: case id → the instruments trainees score ("rm2000", "arms"; cases not
        listed: RM2000 only); `expected_size`: trainees expected; `trainee_page`: where they
        join, "room" (the room page) or "notebook" (only a notebook-page workshop's trainees
        size the server's pool of preheated trainee kernels)."""
        expected_size = _room_size(expected_size)
        trainee_page = _trainee_page(trainee_page)
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
                       expected_size=expected_size, trainee_page=trainee_page)
            s.add(c)
            s.flush()
            self._audit(s, "create", "cohort", c.id, cases=len(cases), trainee_page=trainee_page,
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
        """Record how many trainees the trainer expects (None: not said). Like every change
        of a workshop, only its trainer or an administrator may (it sizes the server's pool)."""
        size = _room_size(size)
        with self._writing() as s:
            c = self._manage(s, cohort_id)
            c.expected_size = size
            self._audit(s, "change", "cohort", c.id, expected_size=size)
            return _cohort(c)

    def set_cohort_trainee_page(self, cohort_id: int, page: str) -> CohortRecord:
        """Record where the trainees join: "room" (the room page) or "notebook"."""
        page = _trainee_page(page)
        with self._writing() as s:
            c = self._manage(s, cohort_id)
            c.trainee_page = page
            self._audit(s, "change", "cohort", c.id, trainee_page=page)
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
                        f"{when_text(c.expires_at)}: ask the "
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
        with self._reading() as s:  # a first join (the usual case) needs no write transaction
            c = self._cohort_row(s, cohort_id)
            if s.scalar(select(CohortMember.id).where(CohortMember.cohort_id == c.id,
                                                      CohortMember.display_name == name)) is None:
                raise NotFoundError(f"nobody has joined workshop {c.name!r} as {name!r}")
        return self._rejoin(cohort_id, name)

    def _rejoin(self, cohort_id: int, name: str) -> MemberRecord:
        """`rejoin_cohort`'s write: the member re-read, checked as this user's, audited."""
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
            via = policy.OWN
            if m.username != self.user:
                via = self._workshop_via(self._manage(s, m.cohort_id, "view"))
            member = _member(m)
        self._seen_new("cohort_member", member.cohort_id, via, [member.id])
        return member

    def cohort_members(self, cohort_id: int) -> list[MemberRecord]:
        with self._reading() as s:
            via = self._workshop_via(self._manage(s, cohort_id, "view"))
            rows = [_member(m) for m in s.scalars(select(CohortMember).where(
                CohortMember.cohort_id == cohort_id).order_by(CohortMember.id))]
        self._seen_new("cohort_member", cohort_id, via, [m.id for m in rows])
        return rows

    def submit(self, cohort_id: int, member_id: int, case_id: str,
               attempt: Any, *, clear_draft: str | None = None,
               draft_revision: Revision | None = None) -> SubmissionRecord:
        """A member's attempt at one of the cohort's cases. Refused (`WorkshopClosed`) once the
        workshop is closed or its key released. `clear_draft`: this user's draft under that
        key is deleted (audited) in the same transaction, so the answers are either submitted
        with no draft left or still a draft. `draft_revision`: refused (`DraftConflict`,
        nothing written) unless that draft is still the one the person checked."""
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
            d = None if clear_draft is None else s.scalar(select(Draft).where(
                Draft.username == self.user, Draft.key == _text(clear_draft, "key"))
                .with_for_update())
            if clear_draft is not None:
                check_revision(clear_draft, d, draft_revision)
            sub = CohortSubmission(cohort_id=c.id, member_id=m.id, case_id=case_id,
                                   attempt=payload)
            s.add(sub)
            s.flush()
            self._audit(s, "create", "cohort_submission", sub.id, cohort_id=c.id,
                        case_id=case_id)
            if d is not None:
                s.delete(d)
                self._audit(s, "delete", "draft", d.id)
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
            via = policy.OWN
            if m is None or m.username != self.user or m.cohort_id != c.id:
                via = self._workshop_via(self._manage(s, cohort_id, "view"))
            rows = [_submission(x) for x in s.scalars(q.order_by(CohortSubmission.id))]
        self._seen_new("cohort_submission", cohort_id, via, [x.id for x in rows])
        return rows

    def _workshop_via(self, c: Cohort) -> str:
        return policy.RUNS_WORKSHOP if c.created_by == self.user else policy.ADMIN

    def _seen_new(self, entity: str, cohort_id: int, via: str, ids: list[int]) -> None:
        """Audit a read of workshop members' rows by its trainer or an administrator: one
        entry naming the rows this store had not read before (none when nothing is new, so
        a polling dashboard writes only when it shows something new)."""
        if via != policy.OWN and (fresh := self._reads.new(entity, cohort_id, ids)):
            self._seen(entity, None, via, cohort_id=cohort_id, ids=fresh)

