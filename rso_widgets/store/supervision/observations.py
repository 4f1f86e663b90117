"""Observations of an assessor's practice."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...supervision.lists import load_observation_scale
from ...supervision.models import ObservationInput, ObservationRecord
from ...supervision.validation import observation_problems, parse, raise_if
from .. import policy
from ..errors import AccessDenied
from ..models import Observation, SupervisionSession
from .base import SupervisionBase
from .records import _observation


class ObservationsMixin(SupervisionBase):
    """Observations of an assessor's practice."""

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
        return policy.observation_readable(
            self.user, _observation(row),
            assigned_supervisor=self._assigned_supervisor(s, row.assessor),
            session_supervisor=linked.supervisor if linked else None)
