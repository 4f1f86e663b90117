"""Database rows → supervision records (and back into JSON columns)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ...supervision.models import (
    AgendaItem,
    DiaryInput,
    DiaryRecord,
    FollowUpRecord,
    ObservationRecord,
    PlanReview,
    Rating,
    SessionRecord,
)
from ..models import ActionFollowUp, DiaryEntry, Observation, SupervisionSession


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
