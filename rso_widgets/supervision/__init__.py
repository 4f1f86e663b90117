"""Supervision and practice development: sessions led by the assessor's agenda, observation of
practice, reflective diary, development goals, CPD record and the team lead's view.

Domain models (`models`), rules as pure functions (`validation`, `access`), team aggregates
(`team`) and the data files (`lists`). Persistence: `rso_widgets.store.supervision`
(`store.supervision`); the CPD record: `supervision.cpd.CPDRecord`, built by
`rso_widgets.store.cpd.cpd_record`.
"""

from __future__ import annotations

from .lists import (
    ObservationScale,
    SupervisionLists,
    load_observation_scale,
    load_supervision_lists,
)
from .models import (
    ActionInput,
    ActionRecord,
    AgendaItem,
    DiaryInput,
    DiaryRecord,
    Evidence,
    FollowUpInput,
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
    TeamRecord,
)
from .validation import InvalidRecord, Problem

__all__ = [
    "ActionInput",
    "ActionRecord",
    "AgendaItem",
    "CPDRecord",
    "DiaryInput",
    "DiaryRecord",
    "Evidence",
    "FollowUpInput",
    "GoalInput",
    "GoalRecord",
    "GoalUpdateInput",
    "InvalidRecord",
    "ObservationInput",
    "ObservationRecord",
    "ObservationScale",
    "PlanReview",
    "Problem",
    "Rating",
    "SessionInput",
    "SessionRecord",
    "SessionUpdate",
    "SupervisionLists",
    "TeamRecord",
    "load_observation_scale",
    "load_supervision_lists",
]


def __getattr__(name: str) -> object:
    if name == "CPDRecord":
        # deferred: it needs calibration.progress and through it the case loader (about 0.2 s)
        from . import cpd
        return getattr(cpd, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
