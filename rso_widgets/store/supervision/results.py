"""Individual results (CPD data) and the team lead's views."""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import select

from ...instruments.plan_quality import load_rubric
from ...settings import get_settings
from ...supervision.lists import load_observation_scale, load_supervision_lists
from ...supervision.models import GoalRecord, ObservationRecord
from ...supervision.team import Period, TeamCalibration, TeamView, team_calibration, team_view
from .. import policy
from ..errors import AccessDenied
from ..models import DevelopmentGoal, Observation, PracticeAttempt, SupervisionSession, Team
from .base import SupervisionBase
from .records import _observation, _stub


@dataclasses.dataclass(frozen=True)
class CPDData:
    """What a CPD record is built from (see `rso_widgets.supervision.cpd`)."""

    user: str
    observations: list[ObservationRecord]
    goals: list[GoalRecord]
    sessions_held: list[dt.date]


class ResultsMixin(SupervisionBase):
    """Individual results (CPD data) and the team lead's views (goal records from
    `GoalsMixin._goal_record`)."""

    def cpd_data(self, user: str) -> CPDData:
        """Observations, goals and supervision dates of `user`: for the person, their
        supervisor, or their team lead if the person's consent setting is on (audited)."""
        with self._guard("view", "cpd_record", None), self.store._writing() as s:
            if not policy.individual_readable(
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
            if not policy.team_view_readable(self.user, team):
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
        # deferred: calibration.progress loads the case loader (about 0.2 s and 23 modules,
        # measured), which the supervision and team quality pages' first views do not need
        from ...calibration.progress import PracticeRecord
        from ..practice import _record

        cfg = get_settings()
        with self._guard("view", "team_view", team_id), self.store._writing() as s:
            team = self._team_record(s, self._get(s, Team, team_id, "team"))
            if not policy.team_view_readable(self.user, team):
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
