"""A person's CPD record as plain data: training, calibration against the keys, observations of
practice, development goals and supervision attended. Rendering (HTML/PDF) comes later."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict

from ..calibration.progress import AgreementPoint, CaseProgress, MissedItem
from ..store.practice import SqlPracticeStore
from ..store.repository import Store
from ..store.supervision import SupervisionStore
from .lists import load_observation_scale
from .models import GoalRecord, ObservationRecord


class CPDRecord(BaseModel):
    """Continuing professional development record of one person."""

    model_config = ConfigDict(frozen=True)

    user: str
    generated_at: dt.datetime
    cases_practised: list[CaseProgress]
    practice_attempts: int
    agreement_rate: float | None
    agreement_over_time: list[AgreementPoint]
    error_types: dict[str, int]
    most_missed: list[MissedItem]
    observation_scale: str
    skill_labels: dict[str, str]
    observations: list[ObservationRecord]
    goals: list[GoalRecord]
    supervision_sessions: list[dt.date]
    problems: list[str]


def cpd_record(store: Store, user: str) -> CPDRecord:
    """`user`'s CPD record, read as the store's user: allowed for the person, their assigned
    supervisor, and their team lead if the person has agreed (else `AccessDenied`; audited)."""
    data = SupervisionStore(store).cpd_data(user)  # access check first
    practice = SqlPracticeStore(store).summary(user)
    scale = load_observation_scale()
    return CPDRecord(
        user=user, generated_at=dt.datetime.now(dt.UTC), cases_practised=practice.cases,
        practice_attempts=practice.attempts, agreement_rate=practice.agreement_rate,
        agreement_over_time=practice.over_time, error_types=practice.error_types,
        most_missed=practice.most_missed, observation_scale=scale.ref,
        skill_labels={s.id: s.label for s in scale.skills}, observations=data.observations,
        goals=data.goals, supervision_sessions=data.sessions_held,
        problems=practice.problems)
