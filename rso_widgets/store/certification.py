"""Certification records from the database: each person's calibration over time (issue 16).

`CertificationStore(store)` gathers a person's evidence — RM2000 and ARMS practice attempts, and
their submissions to workshops whose key has been released or that are closed — and hands it to
the pure rules in `calibration.certification`. Who may read whose record is
`policy.certification_access` (the person; a trainer; their supervisor; their team lead with
consent; an administrator); every read of someone else's record is audited (`via`), every
refusal raises `AccessDenied` (audited by the store's guard).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..calibration.certification import (
    INSTRUMENTS,
    CaseResult,
    CertificationPolicy,
    CertificationRecord,
    DriftPoint,
    arms_result,
    certification,
    drift,
    frame_results,
    retest_pack,
    rm2000_result,
    status_counts,
)
from ..calibration.cohort import cohort_frame
from ..calibration.status import load_thresholds
from ..cases import load_cases
from ..settings import get_settings
from . import guard, policy
from .arms_practice import arms_record
from .errors import AccessDenied
from .models import (
    ArmsPracticeAttempt,
    Cohort,
    CohortMember,
    CohortSubmission,
    PracticeAttempt,
    SharingConsent,
    Team,
    TeamMember,
)
from .practice import _record

ENTITY = "certification"


def certification_policy() -> CertificationPolicy:
    """The validity period, due window and pack size from settings (local policy)."""
    cfg = get_settings()
    return CertificationPolicy(valid_days=cfg.certification_valid_days,
                               due_days=cfg.certification_due_days,
                               pack_size=cfg.retest_pack_size)


@dataclasses.dataclass(frozen=True)
class TeamRecord:
    """A team lead's view: status counts per instrument (None: withheld below the minimum
    group), and the records of members whose consent to share is on."""

    team: str
    members: int
    counts: dict[str, dict[str, int] | None]
    individuals: list[CertificationRecord]
    min_group: int


@dataclasses.dataclass(frozen=True)
class PersonRecord:
    """One person's certification records (one per instrument) and their evidence."""

    user: str
    records: dict[str, CertificationRecord]
    results: list[CaseResult]
    problems: list[str]


def _practice_results(s: Session, user: str, thresholds: Any,
                      problems: list[str]) -> list[CaseResult]:
    out = []
    for row in s.scalars(select(PracticeAttempt).where(PracticeAttempt.username == user)):
        try:
            r = _record(row)
        except ValidationError:
            problems.append(f"RM2000 practice attempt {row.id} ({row.case_id}) cannot be read "
                            "and was left out")
            continue
        out.append(rm2000_result(user, r.case_id, r.at, r.categories, "practice", thresholds))
    for row in s.scalars(select(ArmsPracticeAttempt)
                         .where(ArmsPracticeAttempt.username == user)):
        try:
            a = arms_record(row)
        except ValidationError:
            problems.append(f"ARMS practice attempt {row.id} ({row.case_id}) cannot be read "
                            "and was left out")
            continue
        out.append(arms_result(user, a.case_id, a.at, a.factors, "practice", thresholds))
    return out


def _workshop_results(s: Session, users: Iterable[str], cases: Any, thresholds: Any,
                      problems: list[str]) -> list[CaseResult]:
    """Results of `users`' submissions to workshops whose key is released or that are closed
    (a trainee's status never moves before the room has seen the key)."""
    members = list(s.execute(
        select(CohortMember.id, CohortMember.username)
        .join(Cohort, Cohort.id == CohortMember.cohort_id)
        .where(CohortMember.username.in_(list(users)),
               or_(Cohort.key_released_at.is_not(None), Cohort.is_open.is_(False)))))
    if not members:
        return []
    names = {int(mid): str(u) for mid, u in members}
    subs = list(s.scalars(select(CohortSubmission)
                          .where(CohortSubmission.member_id.in_(list(names)))))
    if not subs:
        return []
    frame = cohort_frame([{"id": x.id, "member_id": x.member_id, "case_id": x.case_id,
                           "attempt": x.attempt, "created_at": x.created_at} for x in subs],
                         cases=cases, members=sorted(names))
    problems += [f"workshop: {p}" for p in frame.attrs.get("problems", [])]
    return frame_results(frame, names, {x.id: x.created_at for x in subs}, thresholds)


class CertificationStore:
    """Calibration records over time, through a `Store` (its user, roles and audit)."""

    def __init__(self, store: Any, cases: Any = None, thresholds: Any = None,
                 cert_policy: CertificationPolicy | None = None) -> None:
        self.store = store
        self._cases = cases
        self.thresholds = thresholds or load_thresholds()
        self.policy = cert_policy or certification_policy()

    @property
    def cases(self) -> Any:
        if self._cases is None:
            self._cases = load_cases()
        return self._cases

    def today(self) -> dt.date:
        return dt.datetime.now(dt.UTC).date()

    def _via(self, s: Session, subject: str) -> str:
        supervisor, lead, consent = ((None, None, False) if subject == self.store.user
                                     else guard.practice_context(s, subject))
        via = policy.certification_access(self.store.user, self.store.roles, subject,
                                          assigned_supervisor=supervisor, lead=lead,
                                          consent=consent)
        if via is None:
            raise AccessDenied(f"You may not see {subject}'s calibration record: only they, a "
                               "trainer, their supervisor, their team lead (if they agree) and "
                               "an administrator may.", action="view", entity=ENTITY,
                               entity_id=subject)
        return via

    def _results(self, s: Session, user: str, problems: list[str]) -> list[CaseResult]:
        return (_practice_results(s, user, self.thresholds, problems)
                + _workshop_results(s, [user], self.cases, self.thresholds, problems))

    def _person(self, user: str, results: list[CaseResult], problems: list[str],
                today: dt.date) -> PersonRecord:
        return PersonRecord(user=user, records={
            i: certification(user, results, i, today, self.policy, self.thresholds)
            for i in INSTRUMENTS}, results=results, problems=problems)

    def record(self, user: str | None = None, today: dt.date | None = None) -> PersonRecord:
        """`user`'s record (default: your own); another's only as the policy allows
        (audited)."""
        user = user or self.store.user
        problems: list[str] = []
        with self.store._reading() as s:
            via = self._via(s, user)
            results = self._results(s, user, problems)
        self.store._seen(ENTITY, user, via, instruments=list(INSTRUMENTS))
        return self._person(user, results, problems, today or self.today())

    def people(self) -> list[str]:
        """Everyone with practice attempts or workshop membership (for a trainer's list)."""
        with self.store._reading() as s:
            found: set[str] = set(s.scalars(select(PracticeAttempt.username).distinct()))
            found |= set(s.scalars(select(ArmsPracticeAttempt.username).distinct()))
            found |= {u for u in s.scalars(select(CohortMember.username).distinct()) if u}
        return sorted(found)

    def everyone(self, today: dt.date | None = None) -> list[PersonRecord]:
        """Every person's record, for a trainer or an administrator (each read of someone
        else's record audited; `AccessDenied` for anyone else)."""
        if not ({policy.TRAINER, policy.ADMINISTRATOR} & set(self.store.roles)):
            exc = AccessDenied("Only a trainer or an administrator may see who is due for a "
                               "re-test.", action="view", entity=ENTITY, entity_id=None)
            self.store._refused(exc)
            raise exc
        day = today or self.today()
        out = []
        for user in self.people():
            out.append(self.record(user, day))
        return out

    def retest(self, instrument: str, user: str | None = None,
               today: dt.date | None = None) -> list[str]:
        """A re-test pack for `instrument`: cases with a key for it that the person has never
        scored (in practice or a workshop), chosen repeatably for the person and the day."""
        person = self.record(user, today)
        seen = {r.case_id for r in person.results if r.instrument == instrument}
        if instrument == "arms":
            available = [c.id for c in self.cases if c.arms_key is not None]
        else:
            available = [c.id for c in self.cases]
        day = today or self.today()
        return retest_pack(available, seen, self.policy.pack_size,
                           seed=f"{person.user}|{instrument}|{day.isoformat()}")

    def drift(self, instrument: str, user: str | None = None) -> tuple[list[DriftPoint], str]:
        """`user`'s agreement per quarter beside the rest of their team's (team figures withheld
        below `settings.team_min_group`), and a note ("" when they are in a team)."""
        user = user or self.store.user
        problems: list[str] = []
        with self.store._reading() as s:
            via = self._via(s, user)
            m = s.scalar(select(TeamMember).where(TeamMember.username == user))
            if m is None:
                mine = self._results(s, user, problems)
                team: dict[str, list[CaseResult]] = {user: mine}
                note = "Not in a team yet, so there is no team to compare with."
            else:
                names = list(s.scalars(select(TeamMember.username)
                                       .where(TeamMember.team_id == m.team_id)))
                team = {u: _practice_results(s, u, self.thresholds, problems) for u in names}
                for r in _workshop_results(s, names, self.cases, self.thresholds, problems):
                    team[r.user].append(r)
                note = ""
        self.store._seen(ENTITY, user, via, part="drift")
        return drift(user, team, instrument, get_settings().team_min_group), note  # type: ignore[arg-type]

    def teams(self, today: dt.date | None = None) -> list[TeamRecord]:
        """For a team lead: each team they lead, its status counts (withheld when fewer than
        `settings.team_min_group` members have a record) and the records of members who agreed
        to share (each such read audited); one audit entry for each team's counts."""
        day, min_group = today or self.today(), get_settings().team_min_group
        out = []
        with self.store._reading() as s:
            teams = [(t.id, t.name) for t in s.scalars(
                select(Team).where(Team.lead == self.store.user).order_by(Team.name))]
            rosters = {tid: list(s.scalars(select(TeamMember.username)
                                           .where(TeamMember.team_id == tid)))
                       for tid, _ in teams}
            shared = {c.username for c in s.scalars(select(SharingConsent).where(
                SharingConsent.share_individual.is_(True)))}
            evidence: dict[str, list[CaseResult]] = {}
            for names in rosters.values():
                for u in names:
                    evidence[u] = _practice_results(s, u, self.thresholds, [])
                for r in _workshop_results(s, names, self.cases, self.thresholds, []):
                    evidence[r.user].append(r)
        for tid, name in teams:
            names = rosters[tid]
            records = {u: self._person(u, evidence[u], [], day) for u in names}
            counts = {i: status_counts([p.records[i] for u, p in records.items()
                                        if evidence[u]], min_group) for i in INSTRUMENTS}
            individuals = [r for u in sorted(names) if u in shared and u != self.store.user
                           for r in self.record(u, day).records.values()]
            with self.store._writing() as w:
                self.store._audit(w, "view", ENTITY, name, via=policy.LEAD_WITH_CONSENT,
                                  part="team counts", members=len(names))
            out.append(TeamRecord(team=name, members=len(names), counts=counts,
                                  individuals=individuals, min_group=min_group))
        return out
