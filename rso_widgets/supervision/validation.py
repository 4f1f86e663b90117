"""Rules for supervision inputs: every problem names the field and the fix (GOV.UK-style error
summary). Pure functions: they take the lists/scale and today's date, and touch no storage."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..freetext import text_problem
from ..instruments.plan_quality import Rubric
from .lists import ObservationScale, SupervisionLists
from .models import (
    ActionInput,
    DiaryInput,
    Evidence,
    FollowUpInput,
    GoalInput,
    ObservationInput,
    PlanReview,
    SessionInput,
    SessionUpdate,
)
from .shape import (  # noqa: F401 - re-exported: the store and forms import them here
    InvalidRecord,
    Problem,
    all_problems,
    checked,
    parse,
    raise_if,
    read,
)

MAX_NAME = 200


def today_in_england() -> dt.date:
    """Today's date in England and Wales (the server's date if no time-zone data)."""
    try:
        return dt.datetime.now(ZoneInfo("Europe/London")).date()
    except ZoneInfoNotFoundError:  # pragma: no cover - minimal containers without tzdata
        return dt.date.today()


def _blank(value: str | None) -> bool:
    return value is None or not value.strip()


def name_problems(value: str, field: str, role: str) -> list[Problem]:
    # a team has a name; people have user names ("give the team's user name" was wrong)
    noun = "name" if role == "team" else "user name"
    if _blank(value):
        return [Problem(field, f"no {role} given", f"give the {role}'s {noun}")]
    if len(value.strip()) > MAX_NAME:
        return [Problem(field, f"is longer than {MAX_NAME} characters",
                        f"give the {role}'s {noun}")]
    problem = text_problem(value.strip(), MAX_NAME)
    return [Problem(field, *problem)] if problem else []


def past_date_problems(value: dt.date | None, field: str, today: dt.date,
                       what: str) -> list[Problem]:
    """A date recording something that has already happened must not be after today."""
    if value is not None and value > today:
        return [Problem(field, f"{value:%d %B %Y} is in the future, but {what} has already "
                        "happened", f"give the date it happened (today, {today:%d %B %Y}, or "
                        "earlier)")]
    return []


# -- sessions ----------------------------------------------------------------------------------

def agenda_problems(agenda: Iterable[Any], lists: SupervisionLists) -> list[Problem]:
    out = []
    for n, item in enumerate(agenda):
        topic = lists.topic(item.topic)
        if topic is None:
            allowed = ", ".join(t.id for t in lists.agenda_topics)
            out.append(Problem(f"agenda[{n}].topic", f"{item.topic!r} is not an agenda topic",
                               f"choose one of: {allowed}"))
        elif topic.detail_required and _blank(item.detail):
            out.append(Problem(f"agenda[{n}].detail", f"'{topic.label}' needs a few words",
                               "say what you want to talk about"))
    return out


def action_problems(actions: Iterable[ActionInput], held_on: dt.date,
                    prefix: str = "actions") -> list[Problem]:
    out = []
    for n, a in enumerate(actions):
        f = f"{prefix}[{n}]"
        if _blank(a.text):
            out.append(Problem(f"{f}.text", "the action says nothing",
                               "describe what will be done"))
        if _blank(a.owner):
            out.append(Problem(f"{f}.owner", "an agreed action has no owner",
                               "name the person who will do it"))
        elif len(a.owner.strip()) > MAX_NAME:
            out.append(Problem(f"{f}.owner", f"is longer than {MAX_NAME} characters",
                               "give the owner's user name or role"))
        if a.due is None:
            out.append(Problem(f"{f}.due", "an agreed action has no due date",
                               "give the date by which it will be done"))
        elif a.due < held_on:
            out.append(Problem(f"{f}.due", f"{a.due:%d %B %Y} is before the session "
                               f"({held_on:%d %B %Y})", "give a due date on or after the "
                               "session date"))
    return out


def follow_up_problems(follow_ups: Iterable[FollowUpInput], allowed: set[int],
                       prefix: str = "follow_ups") -> list[Problem]:
    """`allowed`: ids of open actions from earlier sessions between the same two people."""
    out, seen = [], set()
    for n, f in enumerate(follow_ups):
        if f.action_id not in allowed:
            out.append(Problem(f"{prefix}[{n}].action_id", f"action {f.action_id} is not an "
                               "open action from an earlier session between this supervisor "
                               "and assessor", "choose one of the actions listed for follow-up"))
        elif f.action_id in seen:
            out.append(Problem(f"{prefix}[{n}].action_id", f"action {f.action_id} is followed up "
                               "twice", "record one outcome per action"))
        if f.outcome == "not_done" and _blank(f.note):
            out.append(Problem(f"{prefix}[{n}].note", "an action not done needs a note",
                               "say why, and whether it is carried forward"))
        seen.add(f.action_id)
    return out


def plan_review_problems(reviews: Iterable[PlanReview], rubric: Rubric,
                         prefix: str = "plan_reviews") -> list[Problem]:
    out = []
    ids = [c.id for c in rubric.criteria]
    for n, r in enumerate(reviews):
        f = f"{prefix}[{n}]"
        if r.rubric.split("@")[0] != rubric.id:
            out.append(Problem(f"{f}.rubric", f"{r.rubric!r} is not the plan-quality rubric",
                               f"complete the review with {rubric.ref}"))
        unknown = sorted(set(r.scores) - set(ids))
        missing = [c for c in ids if c not in r.scores]
        if unknown:
            out.append(Problem(f"{f}.scores", f"unknown criteria {unknown}",
                               f"use the rubric's criteria {ids[0]}–{ids[-1]}"))
        if missing:
            out.append(Problem(f"{f}.scores", f"no score for {missing}",
                               "give a score (0, 1, 2, or None if not yet judged) for each"))
        for cid, score in r.scores.items():
            if score is not None and score not in (0, 1, 2):
                out.append(Problem(f"{f}.scores.{cid}", f"{score} is not a rubric score",
                                   "use 0 (not met), 1 (partly) or 2 (fully)"))
        for cid, j in r.judgements.items():
            if cid not in ids:
                out.append(Problem(f"{f}.judgements.{cid}", "not a rubric criterion",
                                   f"use the rubric's criteria {ids[0]}–{ids[-1]}"))
            elif r.scores.get(cid) != j.score:
                out.append(Problem(f"{f}.judgements.{cid}", f"judged {j.score} but the profile "
                                   f"says {r.scores.get(cid)}", "evaluate the plan again with "
                                   "these judgements (PlanReview.from_profile)"))
    return out


def session_problems(inp: SessionInput, lists: SupervisionLists, rubric: Rubric,
                     today: dt.date, follow_up_ids: set[int]) -> list[Problem]:
    """Every rule a new session breaks (empty when it may be saved)."""
    out = name_problems(inp.supervisor, "supervisor", "supervisor")
    out += name_problems(inp.assessor, "assessor", "assessor")
    if not out and inp.supervisor.strip() == inp.assessor.strip():
        out.append(Problem("supervisor", "is the same person as the assessor",
                           "name someone else as supervisor"))
    out += status_date_problems(inp.status, inp.held_on, today)
    out += agenda_problems(inp.agenda, lists)
    out += action_problems(inp.actions, inp.held_on)
    out += follow_up_problems(inp.follow_ups, follow_up_ids)
    out += plan_review_problems(inp.plan_reviews, rubric)
    if inp.status == "planned" and (inp.actions or inp.follow_ups or inp.plan_reviews):
        out.append(Problem("status", "a planned session cannot have agreed actions, follow-ups "
                           "or plan reviews yet", "record them once the session is held"))
    return out


def session_update_problems(upd: SessionUpdate, held_on: dt.date, status: str,
                            lists: SupervisionLists, rubric: Rubric, today: dt.date,
                            open_ids: set[int], *, has_actions: bool,
                            has_reviews: bool) -> list[Problem]:
    """Every rule a change to a session breaks that needs no storage: `held_on` and `status`
    as they will be after the change; `open_ids` the earlier actions it may follow up."""
    out = status_date_problems(status, held_on, today)
    if upd.agenda is not None:
        out += agenda_problems(upd.agenda, lists)
    out += action_problems(upd.add_actions, held_on, "add_actions")
    out += follow_up_problems(upd.follow_ups, open_ids)
    if upd.plan_reviews is not None:
        out += plan_review_problems(upd.plan_reviews, rubric)
    if status == "planned" and (has_actions or upd.add_actions or upd.follow_ups
                                or has_reviews):
        out.append(Problem("status", "a planned session cannot have agreed actions, follow-ups "
                           "or plan reviews yet", "mark the session as held"))
    return out


def status_date_problems(status: str, held_on: dt.date, today: dt.date) -> list[Problem]:
    if status == "held" and held_on > today:
        return [Problem("held_on", f"{held_on:%d %B %Y} is in the future, but the session is "
                        "recorded as held", f"give the date it was held (today, {today:%d %B %Y},"
                        " or earlier), or save it as planned")]
    return []


# -- observations, diary, goals ----------------------------------------------------------------

def observation_problems(inp: ObservationInput, observer: str, scale: ObservationScale,
                         today: dt.date) -> list[Problem]:
    out = name_problems(inp.assessor, "assessor", "observed assessor")
    if not out and inp.assessor.strip() == observer:
        out.append(Problem("assessor", "you cannot record an observation of yourself",
                           "ask a peer or your supervisor to observe you; reflect in your diary"))
    out += past_date_problems(inp.observed_on, "observed_on", today, "the observation")
    if inp.context not in {c.id for c in scale.contexts}:
        out.append(Problem("context", f"{inp.context!r} is not an observed setting",
                           f"choose one of: {', '.join(c.id for c in scale.contexts)}"))
    skills = [s.id for s in scale.skills]
    for sid in sorted(set(inp.ratings) - set(skills)):
        out.append(Problem(f"ratings.{sid}", "not a skill on the observation scale",
                           f"rate the scale's skills: {', '.join(skills)}"))
    with_evidence = 0
    for sid in skills:
        r = inp.ratings.get(sid)
        label = scale.skill(sid).label
        if r is None:
            out.append(Problem(f"ratings.{sid}", f"'{label}' is not rated",
                               f"choose a level ({', '.join(lv.id for lv in scale.scale)})"))
            continue
        level = scale.level(r.level)
        if level is None:
            out.append(Problem(f"ratings.{sid}.level", f"{r.level!r} is not a level of the scale",
                               f"choose one of: {', '.join(lv.id for lv in scale.scale)}"))
        elif level.evidence_required and _blank(r.evidence):
            out.append(Problem(f"ratings.{sid}.evidence", f"'{label}' is rated {level.label} "
                               "with no evidence", "write what you saw or heard that shows it"))
        with_evidence += not _blank(r.evidence)
    if inp.ratings and not with_evidence and not any(
            p.field.endswith(".evidence") for p in out):
        out.append(Problem("ratings", "the observation records no evidence at all",
                           "write what you saw or heard for at least one skill"))
    out += _list_problems(inp.strengths, "strengths", scale.strengths.min, scale.strengths.max,
                          "a strength", "what the practitioner did well")
    out += _list_problems(inp.development_points, "development_points",
                          scale.development_points.min, scale.development_points.max,
                          "a development point", "one or two things to work on next")
    return out


def _list_problems(values: list[str], field: str, low: int, high: int, one: str,
                   hint: str) -> list[Problem]:
    out = [Problem(f"{field}[{n}]", "is empty", f"write {one} or remove the line")
           for n, v in enumerate(values) if _blank(v)]
    filled = sum(not _blank(v) for v in values)
    if filled < low:
        out.append(Problem(field, f"needs at least {low}", f"write {hint}"))
    if filled > high:
        out.append(Problem(field, f"has {filled}; the most is {high}",
                           f"keep the {high} that matter most"))
    return out


def diary_problems(inp: DiaryInput, lists: SupervisionLists, today: dt.date) -> list[Problem]:
    out = []
    if _blank(inp.text):
        out.append(Problem("text", "the entry is empty", "write your reflection"))
    if inp.prompt not in {p.id for p in lists.diary_prompts}:
        out.append(Problem("prompt", f"{inp.prompt!r} is not a diary prompt",
                           f"choose one of: {', '.join(p.id for p in lists.diary_prompts)}"))
    out += past_date_problems(inp.event_on, "event_on", today, "the event you reflect on")
    if inp.item is not None and inp.case_id is None:
        out.append(Problem("case_id", f"item {inp.item!r} is given without its case",
                           "give the training case the item belongs to"))
    return out


def evidence_problems(evidence: Iterable[Evidence], prefix: str = "evidence") -> list[Problem]:
    out = []
    for n, e in enumerate(evidence):
        if e.kind == "other":
            if _blank(e.note):
                out.append(Problem(f"{prefix}[{n}].note", "evidence of kind 'other' is not "
                                   "described", "say what the evidence is"))
        elif e.ref is None:
            out.append(Problem(f"{prefix}[{n}].ref", f"no {e.kind.replace('_', ' ')} chosen",
                               "choose the record this evidence refers to"))
    return out


def goal_problems(inp: GoalInput, held_on: dt.date) -> list[Problem]:
    out = []
    if _blank(inp.text):
        out.append(Problem("text", "the goal is empty", "write what you want to develop"))
    if inp.target_on is not None and inp.target_on < held_on:
        out.append(Problem("target_on", f"{inp.target_on:%d %B %Y} is before the session "
                           f"that set the goal ({held_on:%d %B %Y})",
                           "give a target date on or after the session"))
    return out + evidence_problems(inp.evidence)
