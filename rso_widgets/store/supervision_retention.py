"""Retention of supervision records: sessions, observations, diary entries and development goals.

A record's last activity is the latest of its own dates (created, changed, held / observed /
event / target date, goal reviews, follow-ups of a session's actions) and of every record that
points at it: a session is kept while an observation linked to it, a diary entry shared into it
or a goal set or reviewed in it is kept; an observation is kept while a diary entry about it is
kept, and a session is kept while a kept later session followed up its actions. So a record past
the period never leaves a kept record pointing at nothing. A session's agreed actions go with it,
with every follow-up of them and every follow-up recorded in it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from .models import (
    ActionFollowUp,
    DevelopmentGoal,
    DiaryEntry,
    GoalUpdate,
    Observation,
    SupervisionAction,
    SupervisionSession,
)

# deletion order: what points at a record goes before it
KINDS = ("diary_entry", "development_goal", "observation", "supervision_session")


def _day(d: dt.date | None) -> dt.datetime | None:
    return None if d is None else dt.datetime.combine(d, dt.time(), dt.UTC)


def _latest(values: Iterable[dt.datetime | None]) -> dt.datetime:
    return max(v for v in values if v is not None)


def last_activity(s: Session) -> dict[str, dict[int, tuple[dt.datetime, str]]]:
    """kind → id → (last activity, owner): the owner is the author or the assessor."""
    diary = {d.id: (_latest((d.created_at, d.updated_at, _day(d.event_on))), d.author, d)
             for d in s.scalars(select(DiaryEntry))}
    updates: dict[int, list[GoalUpdate]] = defaultdict(list)
    for u in s.scalars(select(GoalUpdate)):
        updates[u.goal_id].append(u)
    goals = {g.id: (_latest((g.created_at, _day(g.target_on),
                             *(u.at for u in updates[g.id]))), g.assessor, g)
             for g in s.scalars(select(DevelopmentGoal))}
    about: dict[int, list[dt.datetime]] = defaultdict(list)
    for at, _, d in diary.values():
        if d.observation_id is not None:
            about[d.observation_id].append(at)
    obs = {o.id: (_latest((o.created_at, _day(o.observed_on), *about[o.id])), o.assessor, o)
           for o in s.scalars(select(Observation))}
    action_session = dict(s.execute(select(SupervisionAction.id,
                                           SupervisionAction.session_id)).all())
    touched: dict[int, list[dt.datetime]] = defaultdict(list)
    followed: set[tuple[int, int]] = set()  # (session whose action, session that followed up)
    for f in s.scalars(select(ActionFollowUp)):
        touched[action_session[f.action_id]].append(f.at)
        touched[f.session_id].append(f.at)
        followed.add((action_session[f.action_id], f.session_id))
    for at, _, d in diary.values():
        if d.shared_session_id is not None:
            touched[d.shared_session_id].append(at)
    for at, _, o in obs.values():
        if o.session_id is not None:
            touched[o.session_id].append(at)
    for gid, (at, _, g) in goals.items():
        touched[g.session_id].append(at)
        for u in updates[gid]:
            if u.session_id is not None:
                touched[u.session_id].append(at)
    sessions = {r.id: (_latest((r.created_at, r.updated_at, _day(r.held_on),
                                *touched[r.id])), r.assessor)
                for r in s.scalars(select(SupervisionSession))}
    _keep_followed(sessions, followed)
    return {"diary_entry": {k: v[:2] for k, v in diary.items()},
            "development_goal": {k: v[:2] for k, v in goals.items()},
            "observation": {k: v[:2] for k, v in obs.items()},
            "supervision_session": sessions}


def _keep_followed(sessions: dict[int, tuple[dt.datetime, str]],
                   followed: set[tuple[int, int]]) -> None:
    """A session is kept while a later session that followed up its actions is kept (its
    follow-ups point at the earlier session's actions): activity flows back along follow-ups."""
    for _ in range(len(sessions)):
        changed = False
        for earlier, later in followed:
            if earlier in sessions and later in sessions and earlier != later \
                    and sessions[later][0] > sessions[earlier][0]:
                sessions[earlier] = (sessions[later][0], sessions[earlier][1])
                changed = True
        if not changed:
            return


def find_expired(s: Session, cutoff: dt.datetime) -> list[tuple[str, int, dt.datetime, str]]:
    """(kind, id, last activity, owner) of each supervision record idle since before
    `cutoff`, in deletion order (then by id)."""
    activity = last_activity(s)
    return [(kind, rid, at, owner) for kind in KINDS
            for rid, (at, owner) in sorted(activity[kind].items()) if at < cutoff]


def delete_record(s: Session, kind: str, record_id: int) -> dict[str, int]:
    """Delete one supervision record with what belongs to it; returns counts for the audit."""
    if kind == "diary_entry":
        s.execute(delete(DiaryEntry).where(DiaryEntry.id == record_id))
        return {}
    if kind == "development_goal":
        n = s.execute(delete(GoalUpdate).where(GoalUpdate.goal_id == record_id)).rowcount
        s.execute(delete(DevelopmentGoal).where(DevelopmentGoal.id == record_id))
        return {"reviews": n}
    if kind == "observation":
        s.execute(delete(Observation).where(Observation.id == record_id))
        return {}
    if kind != "supervision_session":
        raise ValueError(f"{kind!r} is not a supervision record kind: use one of {KINDS}")
    actions = select(SupervisionAction.id).where(SupervisionAction.session_id == record_id)
    n_follow = s.execute(delete(ActionFollowUp).where(or_(
        ActionFollowUp.session_id == record_id,
        ActionFollowUp.action_id.in_(actions)))).rowcount
    n_actions = s.execute(delete(SupervisionAction).where(
        SupervisionAction.session_id == record_id)).rowcount
    s.execute(delete(SupervisionSession).where(SupervisionSession.id == record_id))
    return {"actions": n_actions, "follow_ups": n_follow}
