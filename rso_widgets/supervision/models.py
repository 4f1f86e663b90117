"""Supervision and practice-development records (pydantic): what a form hands to the store
(`*Input`, `SessionUpdate`) and the frozen records the store hands back (`*Record`).

Inputs only describe shape; the rules (dates, owners, evidence, …) are in `validation.py`, and who
may see or change what is in `rso_widgets.store.policy`. The acting user is never a field of an
input: the store takes it from its own identity.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..instruments.plan_quality import Judgement, QualityProfile

SessionStatus = Literal["planned", "held"]
Outcome = Literal["done", "in_progress", "not_done", "no_longer_needed"]
ActionStatus = Literal["open", "done", "in_progress", "not_done", "no_longer_needed"]
GoalStatus = Literal["open", "in_progress", "achieved", "paused", "no_longer_relevant"]
EvidenceKind = Literal["practice_attempt", "calibration", "observation", "plan_review", "other"]
CLOSED_OUTCOMES = frozenset({"done", "no_longer_needed"})
# Assessment kinds that hold a risk management plan a supervisor can review: a plan on its
# own, or an ARMS assessment with its plan (as the ARMS and live assessment apps save them).
PLAN_KINDS = ("plan", "arms")


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# -- supervision sessions ----------------------------------------------------------------------

class AgendaItem(_Input):
    """One item the assessor brings: a topic from the list, their own words, optionally the
    assessment or plan it is about."""

    topic: str
    detail: str = ""
    assessment_id: int | None = None


class ActionInput(_Input):
    """An action agreed in the session: what, who will do it, and by when."""

    text: str = ""
    owner: str = ""
    due: dt.date | None = None


class FollowUpInput(_Input):
    """What became of an action agreed in an earlier session between the same two people."""

    action_id: int
    outcome: Outcome
    note: str = ""


class PlanReview(_Input):
    """The plan-quality rubric completed in a session: the reviewer's judgements and the
    criterion scores (0–2, None = not yet judged) of the resulting profile."""

    rubric: str
    scores: dict[str, int | None]
    judgements: dict[str, Judgement] = Field(default_factory=dict)
    assessment_id: int | None = None
    version: int | None = None

    @classmethod
    def from_profile(cls, profile: QualityProfile, judgements: dict[str, Judgement] | None = None,
                     *, assessment_id: int | None = None,
                     version: int | None = None) -> PlanReview:
        """From `plan_quality.evaluate(...)` and the judgements it was given."""
        return cls(rubric=profile.rubric, scores={c.id: c.score for c in profile.criteria},
                   judgements=dict(judgements or {}), assessment_id=assessment_id,
                   version=version)

    def gaps(self) -> list[str]:
        """Criteria scored below 2 (not, or only partly, met)."""
        return [c for c, s in self.scores.items() if s is not None and s < 2]


class SessionInput(_Input):
    """A new supervision session. Planned sessions may be in the future; held ones may not."""

    supervisor: str
    assessor: str
    held_on: dt.date
    status: SessionStatus = "held"
    agenda: list[AgendaItem] = Field(default_factory=list)
    notes: str = ""
    actions: list[ActionInput] = Field(default_factory=list)
    follow_ups: list[FollowUpInput] = Field(default_factory=list)
    assessment_ids: list[int] = Field(default_factory=list)
    plan_reviews: list[PlanReview] = Field(default_factory=list)


class SessionUpdate(_Input):
    """Changes to a session: fields left as None are kept; actions and follow-ups are added."""

    held_on: dt.date | None = None
    status: SessionStatus | None = None
    agenda: list[AgendaItem] | None = None
    notes: str | None = None
    assessment_ids: list[int] | None = None
    plan_reviews: list[PlanReview] | None = None
    add_actions: list[ActionInput] = Field(default_factory=list)
    follow_ups: list[FollowUpInput] = Field(default_factory=list)


class FollowUpRecord(_Record):
    action_id: int
    session_id: int
    outcome: Outcome
    note: str
    by: str
    at: dt.datetime


class ActionRecord(_Record):
    id: int
    session_id: int
    text: str
    owner: str
    due: dt.date
    status: ActionStatus
    follow_ups: tuple[FollowUpRecord, ...] = ()

    @property
    def closed(self) -> bool:
        return self.status in CLOSED_OUTCOMES


class SessionRecord(_Record):
    """A supervision session as its supervisor and assessor see it."""

    id: int
    supervisor: str
    assessor: str
    held_on: dt.date
    status: SessionStatus
    agenda: tuple[AgendaItem, ...]
    agenda_lists: str
    notes: str
    actions: tuple[ActionRecord, ...]
    follow_ups: tuple[FollowUpRecord, ...]
    assessment_ids: tuple[int, ...]
    plan_reviews: tuple[PlanReview, ...]
    observation_ids: tuple[int, ...]
    shared_diary_ids: tuple[int, ...]
    created_by: str
    created_at: dt.datetime
    updated_at: dt.datetime


# -- observation of practice -------------------------------------------------------------------

class Rating(_Input):
    """A level from the observation scale and what the observer saw that supports it."""

    level: str
    evidence: str = ""


class ObservationInput(_Input):
    """An observation of `assessor` by the store's user, rated on the observation scale."""

    assessor: str
    observed_on: dt.date
    context: str
    ratings: dict[str, Rating]
    strengths: list[str] = Field(default_factory=list)
    development_points: list[str] = Field(default_factory=list)
    notes: str = ""


class ObservationRecord(_Record):
    id: int
    observer: str
    assessor: str
    observed_on: dt.date
    context: str
    scale: str
    ratings: dict[str, Rating]
    strengths: tuple[str, ...]
    development_points: tuple[str, ...]
    notes: str
    session_id: int | None
    created_at: dt.datetime


# -- reflective diary --------------------------------------------------------------------------

class DiaryInput(_Input):
    """A diary entry, prompted by an event (see the diary prompts) or written freely."""

    text: str
    prompt: str = "free"
    event_on: dt.date | None = None
    case_id: str | None = None
    item: str | None = None
    observation_id: int | None = None
    assessment_id: int | None = None


class DiaryRecord(_Record):
    id: int
    author: str
    prompt: str
    text: str
    event_on: dt.date | None
    case_id: str | None
    item: str | None
    observation_id: int | None
    assessment_id: int | None
    shared_session_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int = 1


# -- development goals -------------------------------------------------------------------------

class Evidence(_Input):
    """Something that shows progress on a goal: a practice attempt, a calibration (workshop)
    submission, an observation or a plan review (by id), or anything else (described)."""

    kind: EvidenceKind
    ref: int | None = None
    note: str = ""


class GoalInput(_Input):
    """A development goal agreed in a supervision session."""

    text: str
    measure: str = ""
    target_on: dt.date | None = None
    evidence: list[Evidence] = Field(default_factory=list)


class GoalUpdateInput(_Input):
    """A review of a goal: a new status and/or new evidence, optionally in a session."""

    status: GoalStatus | None = None
    note: str = ""
    evidence: list[Evidence] = Field(default_factory=list)
    session_id: int | None = None


class StatusChange(_Record):
    status: GoalStatus
    at: dt.datetime
    by: str
    note: str
    session_id: int | None


class EvidenceRecord(_Record):
    kind: EvidenceKind
    ref: int | None
    note: str
    at: dt.datetime
    by: str


class GoalRecord(_Record):
    id: int
    assessor: str
    session_id: int
    text: str
    measure: str
    target_on: dt.date | None
    status: GoalStatus
    history: tuple[StatusChange, ...]
    evidence: tuple[EvidenceRecord, ...]
    created_by: str
    created_at: dt.datetime


# -- teams and consent -------------------------------------------------------------------------

class TeamMemberRecord(_Record):
    username: str
    supervisor: str | None
    added_at: dt.datetime


class TeamRecord(_Record):
    id: int
    name: str
    lead: str
    members: tuple[TeamMemberRecord, ...]
    created_at: dt.datetime

    def member(self, username: str) -> TeamMemberRecord | None:
        return next((m for m in self.members if m.username == username), None)
