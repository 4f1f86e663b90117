"""Supervision and practice-development records in the workbook database.

    sup = store.supervision                   # or SupervisionStore(store)
    s1 = sup.create_session({"supervisor": "sam", "assessor": "alex", "held_on": ...})

The acting user is always the store's identity (`Store.user`, from `identity.current_user()`),
never an argument. Every rule in `rso_widgets.supervision.access` is checked here: a refusal
raises `AccessDenied` and is itself audited. Every write, and every read of a confidential record
(session, observation, diary entry, goal, CPD data, team view), is in the audit log; audit details
hold ids and counts, never the records' words.

`SupervisionStore` is one object composed of a part per kind of record: `teams` (roster and
consent), `sessions` (sessions, actions, follow-ups), `observations`, `diary`, `goals`,
`reflections` (values reflections, wellbeing check-ins) and `results` (CPD data, team views),
over `base` (acting user, audit plumbing, shared lookups) and `records` (row → record
conversion).
"""

from __future__ import annotations

from .diary import DiaryMixin
from .goals import GoalsMixin
from .observations import ObservationsMixin
from .reflections import ReflectionRecord, ReflectionsMixin
from .results import CPDData, ResultsMixin
from .sessions import LinkableAssessment, SessionsMixin
from .teams import TeamsMixin

__all__ = ["CPDData", "LinkableAssessment", "ReflectionRecord", "SupervisionStore"]


class SupervisionStore(TeamsMixin, SessionsMixin, ObservationsMixin, DiaryMixin, GoalsMixin,
                       ResultsMixin, ReflectionsMixin):
    """Sessions, observations, diary, goals, teams and consent over one `Store`."""
