"""Supervision sessions, their agreed actions and follow-ups, and the assessments offered for
linking."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ...instruments.plan_quality import load_rubric
from ...settings import get_settings
from ...supervision.lists import load_supervision_lists
from ...supervision.models import (
    PLAN_KINDS,
    ActionInput,
    ActionRecord,
    AgendaItem,
    FollowUpInput,
    PlanReview,
    SessionInput,
    SessionRecord,
    SessionUpdate,
)
from ...supervision.team import PersonSupervision, supervision_status
from ...supervision.validation import (
    Problem,
    parse,
    raise_if,
    session_problems,
    session_update_problems,
)
from .. import policy
from ..errors import AccessDenied
from ..models import (
    ActionFollowUp,
    Assessment,
    AssessmentVersion,
    DiaryEntry,
    Observation,
    Person,
    SupervisionAction,
    SupervisionSession,
    TeamMember,
    utcnow,
)
from .base import SupervisionBase
from .records import _dump, _follow_up, _linked_ids, _stub


@dataclasses.dataclass(frozen=True)
class LinkableAssessment:
    """An assessment or plan an assessor wrote, as offered for linking or review in a
    supervision session (see `SupervisionStore.assessments_of`)."""

    id: int
    kind: str
    person_id: int
    person_reference: str
    fictional: bool
    latest_version: int
    created_at: dt.datetime


class SessionsMixin(SupervisionBase):
    """Supervision sessions, their agreed actions and follow-ups, and the assessments offered
    for linking."""

    def create_session(self, data: SessionInput | dict[str, Any]) -> SessionRecord:
        """Record a supervision session (planned, or held: then not dated in the future).

        You must be its assessor, or its supervisor if you already supervise the assessor
        (assigned in the roster, or in an earlier session). Only the assessor sets the agenda.
        Follow-ups refer to open actions from earlier sessions of the same pair; observations
        of the assessor not yet linked, and made on or before this date, are linked to it.
        """
        inp = parse(SessionInput, data, "supervision session")
        inp = inp.model_copy(update={"supervisor": inp.supervisor.strip(),
                                     "assessor": inp.assessor.strip()})
        lists, rubric = load_supervision_lists(), load_rubric()
        with self._guard("create", "supervision_session", None), self.store._writing() as s:
            paired = s.scalar(select(SupervisionSession.id).where(
                SupervisionSession.supervisor == inp.supervisor,
                SupervisionSession.assessor == inp.assessor).limit(1)) is not None
            if not policy.session_creatable(
                    self.user, inp.supervisor, inp.assessor, paired_before=paired,
                    assigned_supervisor=self._assigned_supervisor(s, inp.assessor)):
                raise AccessDenied(
                    f"{self.user} cannot record a session for {inp.assessor} with "
                    f"{inp.supervisor}: a session is recorded by the assessor, or by a "
                    "supervisor already supervising them")
            if inp.agenda and not policy.agenda_writable(self.user, inp.assessor):
                raise AccessDenied(f"the agenda is set by the assessor: ask {inp.assessor} to "
                                   "add it (set the agenda with update_session)")
            open_ids = {a.id for a in self._open_actions(s, inp.supervisor, inp.assessor,
                                                          inp.held_on, None)}
            problems = session_problems(inp, lists, rubric, self.today(), open_ids)
            problems += self._assessment_problems(s, inp.assessment_ids, inp.plan_reviews,
                                                  inp.agenda)
            raise_if(problems, "supervision session")
            row = SupervisionSession(
                supervisor=inp.supervisor, assessor=inp.assessor, held_on=inp.held_on,
                status=inp.status, agenda=_dump(inp.agenda), agenda_lists=lists.ref,
                notes=inp.notes, assessment_ids=_linked_ids(inp.assessment_ids,
                                                            inp.plan_reviews, inp.agenda),
                plan_reviews=_dump(inp.plan_reviews), created_by=self.user)
            s.add(row)
            s.flush()
            self._add_actions(s, row, inp.actions)
            self._add_follow_ups(s, row, inp.follow_ups)
            linked = self._link_observations(s, row)
            self._audit(s, "create", "supervision_session", row.id, status=row.status,
                        agenda_items=len(inp.agenda), actions=len(inp.actions),
                        follow_ups=len(inp.follow_ups), plan_reviews=len(inp.plan_reviews),
                        observations_linked=linked)
            return self._session_record(s, row)

    def update_session(self, session_id: int,
                       changes: SessionUpdate | dict[str, Any]) -> SessionRecord:
        """Change a session you take part in. Fields left None are kept; `add_actions` and
        `follow_ups` are added. Only the assessor changes the agenda."""
        upd = parse(SessionUpdate, changes, "supervision session")
        lists, rubric = load_supervision_lists(), load_rubric()
        with (self._guard("change", "supervision_session", session_id),
              self.store._writing() as s):
            row = self._session_row(s, session_id)
            if not policy.session_writable(self.user, _stub(row)):
                raise AccessDenied(f"supervision session {session_id} is confidential to its "
                                   "supervisor and assessor")
            if upd.agenda is not None and not policy.agenda_writable(self.user, row.assessor):
                raise AccessDenied(f"the agenda is set by the assessor: ask {row.assessor} to "
                                   "change it")
            held_on = upd.held_on or row.held_on
            status = upd.status or row.status
            has_actions = s.scalar(select(func.count(SupervisionAction.id)).where(
                SupervisionAction.session_id == row.id)) or 0
            reviews = upd.plan_reviews if upd.plan_reviews is not None else [
                PlanReview.model_validate(r) for r in row.plan_reviews]
            open_ids = {a.id for a in self._open_actions(s, row.supervisor, row.assessor,
                                                          held_on, row.id)}
            # the rules the page checks too (`validation`), then what only the store can see
            problems = session_update_problems(upd, held_on, status, lists, rubric,
                                               self.today(), open_ids,
                                               has_actions=bool(has_actions),
                                               has_reviews=bool(reviews))
            problems += self._assessment_problems(s, upd.assessment_ids or [],
                                                  upd.plan_reviews or [], upd.agenda or [])
            raise_if(problems, "supervision session")
            changed = sorted(k for k, v in upd.model_dump(exclude_defaults=True).items()
                             if v is not None)
            row.held_on, row.status = held_on, status
            if upd.notes is not None:
                row.notes = upd.notes
            if upd.agenda is not None:
                row.agenda, row.agenda_lists = _dump(upd.agenda), lists.ref
            if upd.plan_reviews is not None:
                row.plan_reviews = _dump(upd.plan_reviews)
            agenda = upd.agenda if upd.agenda is not None else [
                AgendaItem.model_validate(a) for a in row.agenda]
            ids = upd.assessment_ids if upd.assessment_ids is not None else row.assessment_ids
            row.assessment_ids = _linked_ids(ids, reviews, agenda)
            row.updated_at = utcnow()
            self._add_actions(s, row, upd.add_actions)
            self._add_follow_ups(s, row, upd.follow_ups)
            linked = self._link_observations(s, row)
            self._audit(s, "change", "supervision_session", row.id, fields=changed,
                        status=row.status, observations_linked=linked)
            return self._session_record(s, row)

    def session(self, session_id: int) -> SessionRecord:
        """One session (supervisor and assessor only; the read is audited)."""
        with self._guard("view", "supervision_session", session_id), self.store._writing() as s:
            row = self._session_row(s, session_id)
            if not policy.session_readable(self.user, _stub(row)):
                raise AccessDenied(f"supervision session {session_id} is confidential to its "
                                   "supervisor and assessor")
            self._audit(s, "view", "supervision_session", row.id)
            return self._session_record(s, row)

    def sessions(self) -> list[SessionRecord]:
        """Sessions you took part in (as supervisor or assessor), oldest first (audited)."""
        with self.store._writing() as s:
            rows = list(s.scalars(select(SupervisionSession).where(or_(
                SupervisionSession.supervisor == self.user,
                SupervisionSession.assessor == self.user)).order_by(
                    SupervisionSession.held_on, SupervisionSession.id)))
            self._audit(s, "view", "supervision_session", None, ids=[r.id for r in rows])
            return [self._session_record(s, r) for r in rows]

    def actions_to_follow_up(self, session_id: int) -> list[ActionRecord]:
        """Open actions from earlier sessions between this session's supervisor and assessor
        (the last session's, and older ones carried forward), oldest first."""
        with self._guard("view", "supervision_session", session_id), self.store._writing() as s:
            row = self._session_row(s, session_id)
            if not policy.session_readable(self.user, _stub(row)):
                raise AccessDenied(f"supervision session {session_id} is confidential to its "
                                   "supervisor and assessor")
            actions = self._open_actions(s, row.supervisor, row.assessor, row.held_on, row.id)
            self._audit(s, "view", "supervision_action", None, session_id=row.id,
                        ids=[a.id for a in actions])
            return actions

    def supervision_due(self) -> list[PersonSupervision]:
        """For a supervisor: each assessor assigned to you, with supervision held against due
        (`settings.supervision_frequency_days`)."""
        cfg, today = get_settings(), self.today()
        with self.store._writing() as s:
            members = list(s.scalars(select(TeamMember).where(
                TeamMember.supervisor == self.user).order_by(TeamMember.username)))
            out = []
            for m in members:
                rows = s.scalars(select(SupervisionSession).where(
                    SupervisionSession.assessor == m.username,
                    SupervisionSession.supervisor == self.user))
                since = max(m.added_at.date(), today - dt.timedelta(days=cfg.team_window_days))
                out.append(supervision_status(
                    m.username, [_stub(r) for r in rows], today=today, since=since,
                    frequency_days=cfg.supervision_frequency_days))
            self._audit(s, "view", "supervision_due", None, assessors=len(out))
            return out

    def assessments_of(self, assessor: str | None = None, *, kind: str | None = None
                       ) -> list[LinkableAssessment]:
        """Assessments and plans `assessor` (default: you) created or wrote a version of, to
        link or review in supervision, oldest first: for the assessor and their supervisor
        (assigned, or in an earlier session). `kind`: "rm2000", "arms" or "plan" only."""
        who = (assessor or self.user).strip()
        with self._guard("view", "assessment", None), self.store._writing() as s:
            paired = s.scalar(select(SupervisionSession.id).where(
                SupervisionSession.supervisor == self.user,
                SupervisionSession.assessor == who).limit(1)) is not None
            if not policy.assessments_listable(
                    self.user, who, assigned_supervisor=self._assigned_supervisor(s, who),
                    paired_before=paired):
                raise AccessDenied(f"the assessments of {who} are listed only for them and "
                                   "their supervisor")
            wrote = select(AssessmentVersion.assessment_id).where(
                AssessmentVersion.author == who)
            query = select(Assessment).where(or_(Assessment.created_by == who,
                                                 Assessment.id.in_(wrote)))
            if kind is not None:
                query = query.where(Assessment.kind == kind)
            rows = list(s.scalars(query.order_by(Assessment.id)))
            latest = dict(s.execute(
                select(AssessmentVersion.assessment_id, func.max(AssessmentVersion.version))
                .where(AssessmentVersion.assessment_id.in_([a.id for a in rows]))
                .group_by(AssessmentVersion.assessment_id)).all())
            out = []
            for a in rows:
                p = s.get(Person, a.person_id)
                out.append(LinkableAssessment(
                    id=a.id, kind=a.kind, person_id=a.person_id,
                    person_reference=p.reference if p else "", fictional=bool(p and p.fictional),
                    latest_version=latest.get(a.id, 0), created_at=a.created_at))
            self._audit(s, "view", "assessment", None, ids=[a.id for a in out],
                        purpose="supervision")
            return out

    def _assessment_problems(self, s: Session, ids: Iterable[int],
                             reviews: Iterable[PlanReview],
                             agenda: Iterable[AgendaItem]) -> list[Problem]:
        out = []
        for n, aid in enumerate(ids):
            if s.get(Assessment, aid) is None:
                out.append(Problem(f"assessment_ids[{n}]", f"there is no assessment {aid}",
                                   "choose an assessment that exists"))
        for n, r in enumerate(reviews):
            if r.assessment_id is None:
                continue
            a = s.get(Assessment, r.assessment_id)
            if a is None or a.kind not in PLAN_KINDS:
                out.append(Problem(f"plan_reviews[{n}].assessment_id",
                                   f"there is no plan {r.assessment_id}",
                                   "choose a saved risk management plan, or leave it empty"))
        for n, item in enumerate(agenda):
            if item.assessment_id is not None and s.get(Assessment, item.assessment_id) is None:
                out.append(Problem(f"agenda[{n}].assessment_id",
                                   f"there is no assessment {item.assessment_id}",
                                   "choose an assessment that exists, or leave it empty"))
        return out

    def _add_actions(self, s: Session, row: SupervisionSession,
                     actions: Iterable[ActionInput]) -> None:
        for a in actions:
            assert a.due is not None  # validated
            s.add(SupervisionAction(session_id=row.id, text=a.text.strip(),
                                    owner=a.owner.strip(), due=a.due))
        s.flush()

    def _add_follow_ups(self, s: Session, row: SupervisionSession,
                        follow_ups: Iterable[FollowUpInput]) -> None:
        for f in follow_ups:
            s.add(ActionFollowUp(action_id=f.action_id, session_id=row.id, outcome=f.outcome,
                                 note=f.note.strip(), username=self.user))
        s.flush()

    def _open_actions(self, s: Session, supervisor: str, assessor: str, held_on: dt.date,
                      session_id: int | None) -> list[ActionRecord]:
        """Open actions of sessions of the pair before (`held_on`, `session_id`)."""
        earlier = [r.id for r in s.scalars(select(SupervisionSession).where(
            SupervisionSession.supervisor == supervisor,
            SupervisionSession.assessor == assessor,
            SupervisionSession.held_on <= held_on))
            if session_id is None or r.held_on < held_on or r.id < session_id]
        records = self._actions(s, select(SupervisionAction).where(
            SupervisionAction.session_id.in_(earlier)))
        return [a for a in records if not a.closed]

    def _actions(self, s: Session, query: Any) -> list[ActionRecord]:
        rows = list(s.scalars(query.order_by(SupervisionAction.due, SupervisionAction.id)))
        follow = list(s.scalars(select(ActionFollowUp).where(
            ActionFollowUp.action_id.in_([a.id for a in rows])).order_by(ActionFollowUp.id)))
        out = []
        for a in rows:
            mine = tuple(_follow_up(f) for f in follow if f.action_id == a.id)
            out.append(ActionRecord(id=a.id, session_id=a.session_id, text=a.text,
                                    owner=a.owner, due=a.due,
                                    status=mine[-1].outcome if mine else "open",
                                    follow_ups=mine))
        return out

    def _link_observations(self, s: Session, row: SupervisionSession) -> int:
        """Link the assessor's unlinked observations made on or before this session."""
        obs = list(s.scalars(select(Observation).where(
            Observation.assessor == row.assessor, Observation.session_id.is_(None),
            Observation.observed_on <= row.held_on)))
        for o in obs:
            o.session_id = row.id
        s.flush()
        return len(obs)

    def _session_record(self, s: Session, row: SupervisionSession) -> SessionRecord:
        follow = s.scalars(select(ActionFollowUp).where(ActionFollowUp.session_id == row.id)
                           .order_by(ActionFollowUp.id))
        return SessionRecord(
            id=row.id, supervisor=row.supervisor, assessor=row.assessor, held_on=row.held_on,
            status=row.status,  # type: ignore[arg-type]
            agenda=tuple(AgendaItem.model_validate(a) for a in row.agenda),
            agenda_lists=row.agenda_lists, notes=row.notes,
            actions=tuple(self._actions(s, select(SupervisionAction).where(
                SupervisionAction.session_id == row.id))),
            follow_ups=tuple(_follow_up(f) for f in follow),
            assessment_ids=tuple(row.assessment_ids),
            plan_reviews=tuple(PlanReview.model_validate(r) for r in row.plan_reviews),
            observation_ids=tuple(s.scalars(select(Observation.id).where(
                Observation.session_id == row.id).order_by(Observation.id))),
            shared_diary_ids=tuple(s.scalars(select(DiaryEntry.id).where(
                DiaryEntry.shared_session_id == row.id).order_by(DiaryEntry.id))),
            created_by=row.created_by, created_at=row.created_at, updated_at=row.updated_at)
