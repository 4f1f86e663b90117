"""Supervision and practice-development records in the workbook database.

    sup = store.supervision                   # or SupervisionStore(store)
    s1 = sup.create_session({"supervisor": "sam", "assessor": "alex", "held_on": ...})

The acting user is always the store's identity (`Store.user`, from `identity.current_user()`),
never an argument. Every rule in `rso_widgets.supervision.access` is checked here: a refusal
raises `AccessDenied` and is itself audited. Every write, and every read of a confidential record
(session, observation, diary entry, goal, CPD data, team view), is in the audit log; audit details
hold ids and counts, never the records' words.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ..instruments.plan_quality import load_rubric
from ..settings import get_settings
from ..supervision import access
from ..supervision.lists import load_observation_scale, load_supervision_lists
from ..supervision.models import (
    ActionInput,
    ActionRecord,
    AgendaItem,
    DiaryInput,
    DiaryRecord,
    Evidence,
    EvidenceRecord,
    FollowUpInput,
    FollowUpRecord,
    GoalInput,
    GoalRecord,
    GoalUpdateInput,
    ObservationInput,
    ObservationRecord,
    PlanReview,
    Rating,
    SessionInput,
    SessionRecord,
    SessionUpdate,
    StatusChange,
    TeamMemberRecord,
    TeamRecord,
)
from ..supervision.team import (
    Period,
    PersonSupervision,
    TeamCalibration,
    TeamView,
    supervision_status,
    team_calibration,
    team_view,
)
from ..supervision.validation import (
    Problem,
    action_problems,
    agenda_problems,
    diary_problems,
    evidence_problems,
    follow_up_problems,
    goal_problems,
    name_problems,
    observation_problems,
    parse,
    plan_review_problems,
    raise_if,
    session_problems,
    status_date_problems,
    today_in_england,
)
from .errors import AccessDenied, DuplicateNameError, EditConflictError, NotFoundError
from .models import (
    ActionFollowUp,
    Assessment,
    AssessmentVersion,
    CohortSubmission,
    DevelopmentGoal,
    DiaryEntry,
    GoalUpdate,
    Observation,
    Person,
    PracticeAttempt,
    SharingConsent,
    SupervisionAction,
    SupervisionSession,
    Team,
    TeamMember,
    utcnow,
)
from .repository import Store


@dataclasses.dataclass(frozen=True)
class CPDData:
    """What a CPD record is built from (see `rso_widgets.supervision.cpd`)."""

    user: str
    observations: list[ObservationRecord]
    goals: list[GoalRecord]
    sessions_held: list[dt.date]


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


class SupervisionStore:
    """Sessions, observations, diary, goals, teams and consent over one `Store`."""

    def __init__(self, store: Store, *, today: Callable[[], dt.date] | None = None) -> None:
        self.store = store
        self._today = today or today_in_england

    @property
    def user(self) -> str:
        """The acting user: the store's identity."""
        return self.store.user

    def today(self) -> dt.date:
        return self._today()

    # -- plumbing ------------------------------------------------------------------------------

    @contextmanager
    def _guard(self, action: str, entity: str, entity_id: int | None) -> Iterator[None]:
        """Audit a refused attempt (in its own transaction), then let `AccessDenied` through."""
        try:
            yield
        except AccessDenied:
            with self.store._writing() as s:
                self.store._audit(s, action, entity, entity_id, denied=True)
            raise

    def _audit(self, s: Session, action: str, entity: str, entity_id: int | None,
               **detail: Any) -> None:
        self.store._audit(s, action, entity, entity_id, **detail)

    @staticmethod
    def _get(s: Session, model: type[Any], row_id: int, what: str) -> Any:
        row = s.get(model, row_id)
        if row is None:
            raise NotFoundError(f"no {what} with id {row_id}: check the id")
        return row

    # -- roster and consent lookups ------------------------------------------------------------

    @staticmethod
    def _membership(s: Session, username: str) -> TeamMember | None:
        return s.scalar(select(TeamMember).where(TeamMember.username == username))

    def _assigned_supervisor(self, s: Session, username: str) -> str | None:
        m = self._membership(s, username)
        return m.supervisor if m else None

    def _lead_of(self, s: Session, username: str) -> str | None:
        m = self._membership(s, username)
        return s.get(Team, m.team_id).lead if m else None  # type: ignore[union-attr]

    @staticmethod
    def _consent(s: Session, username: str) -> bool:
        c = s.get(SharingConsent, username)
        return bool(c and c.share_individual)

    # -- teams ---------------------------------------------------------------------------------

    def create_team(self, name: str, *, lead: str | None = None) -> TeamRecord:
        """A new team led by `lead` (default: you). Only `settings.team_admins` may create
        teams when that list is set."""
        admins = get_settings().team_admins
        lead = (lead or self.user).strip()
        raise_if(name_problems(name, "name", "team") + name_problems(lead, "lead", "team lead"),
                 "team")
        with self._guard("create", "team", None), self.store._writing() as s:
            if not access.team_creatable(self.user, admins):
                raise AccessDenied(f"{self.user} may not create teams: ask one of the team "
                                   f"administrators ({', '.join(admins)})")
            if s.scalar(select(Team.id).where(Team.name == name.strip())) is not None:
                raise DuplicateNameError(f"a team called {name.strip()!r} already exists: "
                                         "choose another name")
            t = Team(name=name.strip(), lead=lead, created_by=self.user)
            s.add(t)
            s.flush()
            self._audit(s, "create", "team", t.id)
            return self._team_record(s, t)

    def add_team_member(self, team_id: int, username: str, *,
                        supervisor: str | None = None) -> TeamRecord:
        """Add a person to your team (team lead only), with their assigned supervisor."""
        raise_if(name_problems(username, "username", "team member"), "team member")
        if supervisor is not None:
            raise_if(name_problems(supervisor, "supervisor", "supervisor"), "team member")
            if supervisor.strip() == username.strip():
                raise_if([Problem("supervisor", "is the same person as the member",
                                  "name someone else as supervisor")], "team member")
        with self._guard("change", "team", team_id), self.store._writing() as s:
            t = self._team_for_lead(s, team_id)
            other = self._membership(s, username.strip())
            if other is not None:
                raise DuplicateNameError(f"{username.strip()} is already in a team "
                                         f"(team {other.team_id}): remove them there first")
            s.add(TeamMember(team_id=t.id, username=username.strip(),
                             supervisor=supervisor.strip() if supervisor else None,
                             added_by=self.user))
            s.flush()
            self._audit(s, "change", "team", t.id, added_member=True,
                        supervisor_set=supervisor is not None)
            return self._team_record(s, t)

    def set_supervisor(self, team_id: int, username: str, supervisor: str | None) -> TeamRecord:
        """Assign (or clear) a team member's supervisor (team lead only)."""
        if supervisor is not None:
            raise_if(name_problems(supervisor, "supervisor", "supervisor"), "team member")
        with self._guard("change", "team", team_id), self.store._writing() as s:
            t = self._team_for_lead(s, team_id)
            m = self._membership(s, username)
            if m is None or m.team_id != t.id:
                raise NotFoundError(f"{username} is not in team {t.name!r}")
            if supervisor is not None and supervisor.strip() == username:
                raise_if([Problem("supervisor", "is the same person as the member",
                                  "name someone else as supervisor")], "team member")
            m.supervisor = supervisor.strip() if supervisor else None
            self._audit(s, "change", "team", t.id, supervisor_set=supervisor is not None)
            return self._team_record(s, t)

    def remove_team_member(self, team_id: int, username: str) -> TeamRecord:
        with self._guard("change", "team", team_id), self.store._writing() as s:
            t = self._team_for_lead(s, team_id)
            m = self._membership(s, username)
            if m is None or m.team_id != t.id:
                raise NotFoundError(f"{username} is not in team {t.name!r}")
            s.delete(m)
            s.flush()
            self._audit(s, "change", "team", t.id, removed_member=True)
            return self._team_record(s, t)

    def team(self, team_id: int) -> TeamRecord:
        """A team's roster (who leads, who is in it, who supervises whom)."""
        with self.store._reading() as s:
            return self._team_record(s, self._get(s, Team, team_id, "team"))

    def team_of(self, username: str | None = None) -> TeamRecord | None:
        """The team `username` (default: you) belongs to, if any."""
        with self.store._reading() as s:
            m = self._membership(s, username or self.user)
            return None if m is None else self._team_record(s, s.get(Team, m.team_id))

    def teams_led(self) -> list[TeamRecord]:
        """The teams you lead, by name."""
        with self.store._reading() as s:
            return [self._team_record(s, t) for t in s.scalars(
                select(Team).where(Team.lead == self.user).order_by(Team.name, Team.id))]

    def supervisees(self) -> list[str]:
        """The people you supervise: assigned to you in a team roster, or the assessor of a
        session you took part in as supervisor (user names, sorted)."""
        with self.store._reading() as s:
            names = set(s.scalars(select(TeamMember.username).where(
                TeamMember.supervisor == self.user)))
            names |= set(s.scalars(select(SupervisionSession.assessor).where(
                SupervisionSession.supervisor == self.user)))
            return sorted(names - {self.user})

    def _team_for_lead(self, s: Session, team_id: int) -> Team:
        t = self._get(s, Team, team_id, "team")
        if not access.roster_writable(self.user, self._team_record(s, t)):
            raise AccessDenied(f"only the team lead ({t.lead}) changes the roster of "
                               f"{t.name!r}")
        return t

    @staticmethod
    def _team_record(s: Session, t: Team) -> TeamRecord:
        members = s.scalars(select(TeamMember).where(TeamMember.team_id == t.id)
                            .order_by(TeamMember.username))
        return TeamRecord(id=t.id, name=t.name, lead=t.lead, created_at=t.created_at,
                          members=tuple(TeamMemberRecord(username=m.username,
                                                         supervisor=m.supervisor,
                                                         added_at=m.added_at)
                                        for m in members))

    # -- consent -------------------------------------------------------------------------------

    def set_consent(self, share_individual: bool) -> bool:
        """Your own setting: may your team lead see your individual results? (default: no)"""
        if not isinstance(share_individual, bool):
            raise_if([Problem("share_individual", "must be yes (True) or no (False)",
                              "choose yes or no")], "consent")
        with self.store._writing() as s:
            c = s.get(SharingConsent, self.user)
            if c is None:
                c = SharingConsent(username=self.user)
                s.add(c)
            c.share_individual, c.changed_at = share_individual, utcnow()
            self._audit(s, "change", "consent", None, share_individual=share_individual)
            return share_individual

    def consent(self) -> bool:
        """Your current consent setting."""
        with self.store._reading() as s:
            return self._consent(s, self.user)

    # -- sessions ------------------------------------------------------------------------------

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
            if not access.session_creatable(
                    self.user, inp.supervisor, inp.assessor, paired_before=paired,
                    assigned_supervisor=self._assigned_supervisor(s, inp.assessor)):
                raise AccessDenied(
                    f"{self.user} cannot record a session for {inp.assessor} with "
                    f"{inp.supervisor}: a session is recorded by the assessor, or by a "
                    "supervisor already supervising them")
            if inp.agenda and not access.agenda_writable(self.user, inp.assessor):
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
            if not access.session_writable(self.user, _stub(row)):
                raise AccessDenied(f"supervision session {session_id} is confidential to its "
                                   "supervisor and assessor")
            if upd.agenda is not None and not access.agenda_writable(self.user, row.assessor):
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
            problems = status_date_problems(status, held_on, self.today())
            if upd.agenda is not None:
                problems += agenda_problems(upd.agenda, lists)
            problems += action_problems(upd.add_actions, held_on, "add_actions")
            problems += follow_up_problems(upd.follow_ups, open_ids)
            if upd.plan_reviews is not None:
                problems += plan_review_problems(upd.plan_reviews, rubric)
            if status == "planned" and (has_actions or upd.add_actions or upd.follow_ups
                                        or reviews):
                problems.append(Problem("status", "a planned session cannot have agreed "
                                        "actions, follow-ups or plan reviews yet",
                                        "mark the session as held"))
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
            if not access.session_readable(self.user, _stub(row)):
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
            if not access.session_readable(self.user, _stub(row)):
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
            if not access.assessments_listable(
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

    def _session_row(self, s: Session, session_id: int) -> SupervisionSession:
        return self._get(s, SupervisionSession, session_id, "supervision session")

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
            if a is None or a.kind != "plan":
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

    # -- observations --------------------------------------------------------------------------

    def record_observation(self, data: ObservationInput | dict[str, Any]) -> ObservationRecord:
        """Record your observation of an assessor's interview or visit; it is linked to the
        assessor's next supervision session (on or after the observation date)."""
        inp = parse(ObservationInput, data, "observation")
        inp = inp.model_copy(update={"assessor": inp.assessor.strip()})
        scale = load_observation_scale()
        raise_if(observation_problems(inp, self.user, scale, self.today()), "observation")
        with self.store._writing() as s:
            nxt = s.scalar(select(SupervisionSession.id).where(
                SupervisionSession.assessor == inp.assessor,
                SupervisionSession.held_on >= inp.observed_on)
                .order_by(SupervisionSession.held_on, SupervisionSession.id).limit(1))
            row = Observation(
                observer=self.user, assessor=inp.assessor, observed_on=inp.observed_on,
                context=inp.context, scale=scale.ref,
                ratings={k: v.model_dump(mode="json") for k, v in inp.ratings.items()},
                strengths=[x.strip() for x in inp.strengths if x.strip()],
                development_points=[x.strip() for x in inp.development_points if x.strip()],
                notes=inp.notes, session_id=nxt)
            s.add(row)
            s.flush()
            self._audit(s, "create", "observation", row.id, scale=scale.ref, session_id=nxt)
            return _observation(row)

    def observation(self, observation_id: int) -> ObservationRecord:
        """One observation (observer, observed assessor, their supervisor; audited)."""
        with self._guard("view", "observation", observation_id), self.store._writing() as s:
            row = self._get(s, Observation, observation_id, "observation")
            if not self._observation_readable(s, row):
                raise AccessDenied(f"observation {observation_id} is visible only to the "
                                   "observer, the assessor observed and their supervisor")
            self._audit(s, "view", "observation", row.id)
            return _observation(row)

    def observations(self, assessor: str | None = None) -> list[ObservationRecord]:
        """Observations of `assessor` (default: you) that you may see, oldest first."""
        who = assessor or self.user
        with self.store._writing() as s:
            rows = [r for r in s.scalars(select(Observation).where(
                Observation.assessor == who).order_by(Observation.observed_on, Observation.id))
                if self._observation_readable(s, r)]
            self._audit(s, "view", "observation", None, ids=[r.id for r in rows])
            return [_observation(r) for r in rows]

    def observations_made(self) -> list[ObservationRecord]:
        """Observations you recorded as observer, oldest first (audited)."""
        with self.store._writing() as s:
            rows = list(s.scalars(select(Observation).where(Observation.observer == self.user)
                                  .order_by(Observation.observed_on, Observation.id)))
            self._audit(s, "view", "observation", None, ids=[r.id for r in rows])
            return [_observation(r) for r in rows]

    def _observation_readable(self, s: Session, row: Observation) -> bool:
        linked = s.get(SupervisionSession, row.session_id) if row.session_id else None
        return access.observation_readable(
            self.user, _observation(row),
            assigned_supervisor=self._assigned_supervisor(s, row.assessor),
            session_supervisor=linked.supervisor if linked else None)

    # -- reflective diary ----------------------------------------------------------------------

    def write_diary_entry(self, data: DiaryInput | dict[str, Any]) -> DiaryRecord:
        """A private diary entry by you (shared with nobody until you share it)."""
        inp = parse(DiaryInput, data, "diary entry")
        raise_if(diary_problems(inp, load_supervision_lists(), self.today()), "diary entry")
        with self._guard("create", "diary_entry", None), self.store._writing() as s:
            self._check_diary_links(s, inp)
            row = DiaryEntry(author=self.user, **_diary_fields(inp))
            s.add(row)
            s.flush()
            self._audit(s, "create", "diary_entry", row.id, prompt=row.prompt)
            return _diary(row)

    def update_diary_entry(self, entry_id: int, data: DiaryInput | dict[str, Any], *,
                           expected_version: int) -> DiaryRecord:
        """Edit one of your entries (its author only; sharing is unchanged). `expected_version`
        is the version your edit started from (`DiaryRecord.version`): if the entry has been
        edited since (another page or tab), nothing is overwritten and `EditConflictError`
        says so. The edit is audited (which fields changed, never the words)."""
        inp = parse(DiaryInput, data, "diary entry")
        raise_if(diary_problems(inp, load_supervision_lists(), self.today()), "diary entry")
        with self._guard("change", "diary_entry", entry_id), self.store._writing() as s:
            row = self._own_entry(s, entry_id)
            if row.version != expected_version:
                when = row.updated_at.strftime("%Y-%m-%d %H:%M UTC")
                raise EditConflictError(
                    f"Not saved: your diary entry {entry_id} was changed at {when} (it is now "
                    f"version {row.version}) after you started editing version "
                    f"{expected_version}, perhaps on another page. Nothing was overwritten. "
                    "Copy your new text, open the entry again and reapply your changes.")
            self._check_diary_links(s, inp)
            fields = _diary_fields(inp)
            changed = sorted(k for k, v in fields.items() if getattr(row, k) != v)
            if not changed:
                return _diary(row)
            for k, v in fields.items():
                setattr(row, k, v)
            row.version, row.updated_at = row.version + 1, utcnow()
            self._audit(s, "change", "diary_entry", row.id, fields=changed,
                        version=row.version)
            return _diary(row)

    def share_diary_entry(self, entry_id: int, session_id: int | None) -> DiaryRecord:
        """Share one of your entries into a session where you are the assessor (its supervisor
        can then read it), or withdraw it with `session_id=None`."""
        with self._guard("change", "diary_entry", entry_id), self.store._writing() as s:
            row = self._own_entry(s, entry_id)
            if session_id is not None:
                target = self._session_row(s, session_id)
                if target.assessor != self.user:
                    raise AccessDenied(f"you can share diary entries only into your own "
                                       f"supervision (session {session_id} is not yours as "
                                       "assessor)")
            row.shared_session_id = session_id
            row.updated_at = utcnow()
            self._audit(s, "change", "diary_entry", row.id, shared_session_id=session_id)
            return _diary(row)

    def delete_diary_entry(self, entry_id: int) -> None:
        with self._guard("delete", "diary_entry", entry_id), self.store._writing() as s:
            row = self._own_entry(s, entry_id)
            s.delete(row)
            self._audit(s, "delete", "diary_entry", entry_id)

    def diary_entry(self, entry_id: int) -> DiaryRecord:
        """One entry: its author, or the supervisor of the session it is shared into."""
        with self._guard("view", "diary_entry", entry_id), self.store._writing() as s:
            row = self._get(s, DiaryEntry, entry_id, "diary entry")
            if not self._diary_readable(s, row):
                raise AccessDenied(f"diary entry {entry_id} is private to its author")
            self._audit(s, "view", "diary_entry", row.id)
            return _diary(row)

    def diary(self) -> list[DiaryRecord]:
        """Your diary, newest first (audited)."""
        with self.store._writing() as s:
            rows = list(s.scalars(select(DiaryEntry).where(DiaryEntry.author == self.user)
                                  .order_by(DiaryEntry.created_at.desc(), DiaryEntry.id.desc())))
            self._audit(s, "view", "diary_entry", None, ids=[r.id for r in rows])
            return [_diary(r) for r in rows]

    def shared_diary_entries(self, session_id: int) -> list[DiaryRecord]:
        """Entries shared into a session (its supervisor and assessor; audited)."""
        with self._guard("view", "diary_entry", None), self.store._writing() as s:
            row = self._session_row(s, session_id)
            if not access.session_readable(self.user, _stub(row)):
                raise AccessDenied(f"supervision session {session_id} is confidential to its "
                                   "supervisor and assessor")
            rows = list(s.scalars(select(DiaryEntry).where(
                DiaryEntry.shared_session_id == session_id).order_by(DiaryEntry.id)))
            self._audit(s, "view", "diary_entry", None, session_id=session_id,
                        ids=[r.id for r in rows])
            return [_diary(r) for r in rows]

    def _own_entry(self, s: Session, entry_id: int) -> DiaryEntry:
        row = self._get(s, DiaryEntry, entry_id, "diary entry")
        if not access.diary_writable(self.user, _diary(row)):
            raise AccessDenied(f"diary entry {entry_id} can be changed only by its author")
        return row

    def _diary_readable(self, s: Session, row: DiaryEntry) -> bool:
        shared = s.get(SupervisionSession, row.shared_session_id) \
            if row.shared_session_id else None
        return access.diary_readable(self.user, _diary(row),
                                     shared_supervisor=shared.supervisor if shared else None)

    def _check_diary_links(self, s: Session, inp: DiaryInput) -> None:
        problems = []
        if inp.observation_id is not None:
            o = s.get(Observation, inp.observation_id)
            if o is None or self.user not in (o.assessor, o.observer):
                problems.append(Problem("observation_id", f"no observation {inp.observation_id}"
                                        " of yours", "choose an observation you were part of"))
        if inp.assessment_id is not None and s.get(Assessment, inp.assessment_id) is None:
            problems.append(Problem("assessment_id", f"there is no assessment "
                                    f"{inp.assessment_id}", "choose an assessment that exists"))
        raise_if(problems, "diary entry")

    # -- development goals ---------------------------------------------------------------------

    def set_goal(self, session_id: int, data: GoalInput | dict[str, Any]) -> GoalRecord:
        """A development goal for the session's assessor, agreed in that session."""
        inp = parse(GoalInput, data, "development goal")
        with self._guard("create", "development_goal", None), self.store._writing() as s:
            sess = self._session_row(s, session_id)
            if not access.session_writable(self.user, _stub(sess)):
                raise AccessDenied(f"goals are set in supervision: only the supervisor and "
                                   f"assessor of session {session_id} can set one there")
            problems = goal_problems(inp, sess.held_on)
            problems += self._evidence_problems(s, inp.evidence, sess.assessor)
            raise_if(problems, "development goal")
            g = DevelopmentGoal(assessor=sess.assessor, session_id=sess.id,
                                text=inp.text.strip(), measure=inp.measure.strip(),
                                target_on=inp.target_on, created_by=self.user)
            s.add(g)
            s.flush()
            s.add(GoalUpdate(goal_id=g.id, status="open", note="set in supervision",
                             session_id=sess.id, username=self.user,
                             evidence=_dump(inp.evidence) or None))
            s.flush()
            self._audit(s, "create", "development_goal", g.id, session_id=sess.id,
                        evidence=len(inp.evidence))
            return self._goal_record(s, g)

    def review_goal(self, goal_id: int, data: GoalUpdateInput | dict[str, Any]) -> GoalRecord:
        """Add a status change and/or evidence to a goal (status history is kept)."""
        upd = parse(GoalUpdateInput, data, "goal review")
        with self._guard("change", "development_goal", goal_id), self.store._writing() as s:
            g = self._get(s, DevelopmentGoal, goal_id, "development goal")
            if not self._goal_allowed(s, g, access.goal_writable):
                raise AccessDenied(f"goal {goal_id} can be reviewed only by its assessor and "
                                   "their supervisor")
            problems = []
            if upd.status is None and not upd.evidence and not upd.note.strip():
                problems.append(Problem("status", "nothing to record",
                                        "give a new status, evidence or a note"))
            if upd.session_id is not None:
                sess = s.get(SupervisionSession, upd.session_id)
                if sess is None or sess.assessor != g.assessor or not access.session_readable(
                        self.user, _stub(sess)):
                    problems.append(Problem("session_id", f"session {upd.session_id} is not a "
                                            "supervision session of this assessor that you "
                                            "took part in", "choose one of those, or leave "
                                            "it empty"))
            problems += evidence_problems(upd.evidence)
            problems += self._evidence_problems(s, upd.evidence, g.assessor)
            raise_if(problems, "goal review")
            s.add(GoalUpdate(goal_id=g.id, status=upd.status, note=upd.note.strip(),
                             session_id=upd.session_id, username=self.user,
                             evidence=_dump(upd.evidence) or None))
            s.flush()
            self._audit(s, "change", "development_goal", g.id, status=upd.status,
                        evidence=len(upd.evidence))
            return self._goal_record(s, g)

    def goal(self, goal_id: int) -> GoalRecord:
        with self._guard("view", "development_goal", goal_id), self.store._writing() as s:
            g = self._get(s, DevelopmentGoal, goal_id, "development goal")
            if not self._goal_allowed(s, g, access.goal_readable):
                raise AccessDenied(f"goal {goal_id} is visible only to its assessor and "
                                   "their supervisor")
            self._audit(s, "view", "development_goal", g.id)
            return self._goal_record(s, g)

    def goals(self, assessor: str | None = None) -> list[GoalRecord]:
        """Goals of `assessor` (default: you) that you may see, oldest first (audited)."""
        who = assessor or self.user
        with self.store._writing() as s:
            rows = [g for g in s.scalars(select(DevelopmentGoal).where(
                DevelopmentGoal.assessor == who).order_by(DevelopmentGoal.id))
                if self._goal_allowed(s, g, access.goal_readable)]
            self._audit(s, "view", "development_goal", None, ids=[g.id for g in rows])
            return [self._goal_record(s, g) for g in rows]

    def _goal_allowed(self, s: Session, g: DevelopmentGoal,
                      rule: Callable[..., bool]) -> bool:
        sess = s.get(SupervisionSession, g.session_id)
        return rule(self.user, self._goal_record(s, g),
                    session_supervisor=sess.supervisor if sess else None,
                    assigned_supervisor=self._assigned_supervisor(s, g.assessor))

    def _evidence_problems(self, s: Session, evidence: Iterable[Evidence],
                           assessor: str) -> list[Problem]:
        out = []
        for n, e in enumerate(evidence):
            if e.ref is None:
                continue
            f = f"evidence[{n}].ref"
            ok = True
            if e.kind == "practice_attempt":
                a = s.get(PracticeAttempt, e.ref)
                ok = a is not None and a.username == assessor
            elif e.kind == "observation":
                o = s.get(Observation, e.ref)
                ok = o is not None and o.assessor == assessor
            elif e.kind == "plan_review":
                r = s.get(SupervisionSession, e.ref)
                ok = r is not None and r.assessor == assessor and bool(r.plan_reviews)
            elif e.kind == "calibration":
                ok = s.get(CohortSubmission, e.ref) is not None
            if not ok:
                out.append(Problem(f, f"no {e.kind.replace('_', ' ')} {e.ref} of {assessor}",
                                   "choose one of the assessor's own records"))
        return out

    def _goal_record(self, s: Session, g: DevelopmentGoal) -> GoalRecord:
        ups = list(s.scalars(select(GoalUpdate).where(GoalUpdate.goal_id == g.id)
                             .order_by(GoalUpdate.id)))
        history = tuple(StatusChange(status=u.status, at=u.at, by=u.username, note=u.note,
                                     session_id=u.session_id)  # type: ignore[arg-type]
                        for u in ups if u.status)
        evidence = tuple(EvidenceRecord(**Evidence.model_validate(e).model_dump(), at=u.at,
                                        by=u.username)
                         for u in ups for e in (u.evidence or []))
        return GoalRecord(id=g.id, assessor=g.assessor, session_id=g.session_id, text=g.text,
                          measure=g.measure, target_on=g.target_on,
                          status=history[-1].status if history else "open", history=history,
                          evidence=evidence, created_by=g.created_by, created_at=g.created_at)

    # -- individual results and the team view --------------------------------------------------

    def cpd_data(self, user: str) -> CPDData:
        """Observations, goals and supervision dates of `user`: for the person, their
        supervisor, or their team lead if the person's consent setting is on (audited)."""
        with self._guard("view", "cpd_record", None), self.store._writing() as s:
            if not access.individual_readable(
                    self.user, user, assigned_supervisor=self._assigned_supervisor(s, user),
                    lead=self._lead_of(s, user), consent=self._consent(s, user)):
                raise AccessDenied(f"{user}'s CPD record is visible only to them, their "
                                   "supervisor, and their team lead if they have agreed")
            obs = list(s.scalars(select(Observation).where(Observation.assessor == user)
                                 .order_by(Observation.observed_on, Observation.id)))
            goals = list(s.scalars(select(DevelopmentGoal).where(
                DevelopmentGoal.assessor == user).order_by(DevelopmentGoal.id)))
            held = list(s.scalars(select(SupervisionSession.held_on).where(
                SupervisionSession.assessor == user, SupervisionSession.status == "held")
                .order_by(SupervisionSession.held_on)))
            self._audit(s, "view", "cpd_record", None, observations=len(obs), goals=len(goals))
            return CPDData(user=user, observations=[_observation(o) for o in obs],
                           goals=[self._goal_record(s, g) for g in goals], sessions_held=held)

    def team_view(self, team_id: int, *, since: dt.date | None = None,
                  period: Period = "quarter") -> TeamView:
        """The team lead's view: anonymised aggregates, plus the individual results of members
        whose consent setting is on. Never counts plans or visits per person (audited)."""
        cfg, today = get_settings(), self.today()
        since = since or today - dt.timedelta(days=cfg.team_window_days)
        with self._guard("view", "team_view", team_id), self.store._writing() as s:
            team = self._team_record(s, self._get(s, Team, team_id, "team"))
            if not access.team_view_readable(self.user, team):
                raise AccessDenied(f"the team view of {team.name!r} is for its lead "
                                   f"({team.lead}) only")
            names = [m.username for m in team.members]
            rows = s.scalars(select(SupervisionSession).where(
                SupervisionSession.assessor.in_(names)))
            obs = s.scalars(select(Observation).where(Observation.assessor.in_(names)))
            consents = {u: self._consent(s, u) for u in names}
            view = team_view(team, [_stub(r) for r in rows], [_observation(o) for o in obs],
                             consents, rubric=load_rubric(), scale=load_observation_scale(),
                             lists=load_supervision_lists(), today=today, since=since,
                             frequency_days=cfg.supervision_frequency_days,
                             min_group=cfg.team_min_group, period=period)
            self._audit(s, "view", "team_view", team.id,
                        individuals=len(view.individuals))
            return view


    def team_calibration(self, team_id: int) -> TeamCalibration:
        """Calibration against the training keys across a team (from RM2000 practice): counts
        withheld below `settings.team_min_group`, and consenting members' own status. For the
        team lead only (audited)."""
        from ..calibration.progress import PracticeRecord
        from .practice import _record

        cfg = get_settings()
        with self._guard("view", "team_view", team_id), self.store._writing() as s:
            team = self._team_record(s, self._get(s, Team, team_id, "team"))
            if not access.team_view_readable(self.user, team):
                raise AccessDenied(f"the team view of {team.name!r} is for its lead "
                                   f"({team.lead}) only")
            practice: dict[str, list[PracticeRecord]] = {}
            for m in team.members:
                for row in s.scalars(select(PracticeAttempt).where(
                        PracticeAttempt.username == m.username).order_by(
                        PracticeAttempt.created_at, PracticeAttempt.id)):
                    try:
                        practice.setdefault(m.username, []).append(_record(row))
                    except ValueError:  # an unreadable attempt is left out, never fatal
                        continue
            consents = {m.username: self._consent(s, m.username) for m in team.members}
            view = team_calibration(team, practice, consents, min_group=cfg.team_min_group)
            self._audit(s, "view", "team_view", team.id, part="calibration",
                        individuals=len(view.individuals))
            return view


# -- row → record ------------------------------------------------------------------------------

def _dump(items: Iterable[Any]) -> list[Any]:
    return [i.model_dump(mode="json") for i in items]


def _linked_ids(ids: Iterable[int], reviews: Iterable[PlanReview],
                agenda: Iterable[AgendaItem]) -> list[int]:
    """The assessments discussed: those named, plus those reviewed or on the agenda."""
    out = list(dict.fromkeys([*ids, *(r.assessment_id for r in reviews if r.assessment_id),
                              *(a.assessment_id for a in agenda if a.assessment_id)]))
    return [i for i in out if i is not None]


def _stub(row: SupervisionSession) -> SessionRecord:
    """A session record without its child rows (enough for access rules and team figures)."""
    return SessionRecord(
        id=row.id, supervisor=row.supervisor, assessor=row.assessor, held_on=row.held_on,
        status=row.status,  # type: ignore[arg-type]
        agenda=tuple(AgendaItem.model_validate(a) for a in row.agenda),
        agenda_lists=row.agenda_lists, notes="", actions=(), follow_ups=(),
        assessment_ids=tuple(row.assessment_ids),
        plan_reviews=tuple(PlanReview.model_validate(r) for r in row.plan_reviews),
        observation_ids=(), shared_diary_ids=(), created_by=row.created_by,
        created_at=row.created_at, updated_at=row.updated_at)


def _follow_up(f: ActionFollowUp) -> FollowUpRecord:
    return FollowUpRecord(action_id=f.action_id, session_id=f.session_id,
                          outcome=f.outcome, note=f.note, by=f.username,  # type: ignore[arg-type]
                          at=f.at)


def _observation(o: Observation) -> ObservationRecord:
    return ObservationRecord(
        id=o.id, observer=o.observer, assessor=o.assessor, observed_on=o.observed_on,
        context=o.context, scale=o.scale,
        ratings={k: Rating.model_validate(v) for k, v in o.ratings.items()},
        strengths=tuple(o.strengths), development_points=tuple(o.development_points),
        notes=o.notes, session_id=o.session_id, created_at=o.created_at)


def _diary_fields(inp: DiaryInput) -> dict[str, Any]:
    return {"prompt": inp.prompt, "text": inp.text.strip(), "event_on": inp.event_on,
            "case_id": inp.case_id, "item": inp.item, "observation_id": inp.observation_id,
            "assessment_id": inp.assessment_id}


def _diary(d: DiaryEntry) -> DiaryRecord:
    return DiaryRecord(id=d.id, author=d.author, prompt=d.prompt, text=d.text,
                       event_on=d.event_on, case_id=d.case_id, item=d.item,
                       observation_id=d.observation_id, assessment_id=d.assessment_id,
                       shared_session_id=d.shared_session_id, created_at=d.created_at,
                       updated_at=d.updated_at, version=d.version)

