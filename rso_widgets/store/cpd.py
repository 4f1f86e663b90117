"""A person's CPD record (`supervision.cpd.CPDRecord`) built from the store: practice
attempts, observations, goals and supervision attended, read as the store's user."""

from __future__ import annotations

import datetime as dt

from ..supervision.cpd import CPDRecord
from ..supervision.lists import load_observation_scale
from .practice import SqlPracticeStore
from .repository import Store
from .supervision import SupervisionStore

__all__ = ["CPDRecord", "cpd_record"]


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
