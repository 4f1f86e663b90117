"""A person's CPD record as plain data: training, calibration against the keys, observations of
practice, development goals and supervision attended. Built from the store by
`store.cpd.cpd_record`; rendered (HTML/PDF) by `reports.cpd`."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict

from ..calibration.progress import AgreementPoint, CaseProgress, MissedItem
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
