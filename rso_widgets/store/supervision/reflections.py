"""Values reflections and wellbeing check-ins: private to their owner, shared into supervision
only by the owner, and seen by a team lead only as counts that hide individuals."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from ...settings import get_settings
from ...supervision.reflection import (
    KINDS,
    VALUES,
    TeamWellbeing,
    ValuesReflection,
    form_for,
    team_wellbeing,
    values_problems,
    wellbeing_problems,
)
from ...supervision.validation import Problem, raise_if
from ..errors import AccessDenied
from ..models import Reflection, Team, TeamMember
from ..policy import reflection_readable
from .base import SupervisionBase


@dataclasses.dataclass(frozen=True)
class ReflectionRecord:
    id: int
    owner: str
    kind: str
    form: str  # id@version of the questions answered
    answers: dict[str, Any]
    shared_session_id: int | None
    created_at: dt.datetime


def _record(row: Reflection) -> ReflectionRecord:
    return ReflectionRecord(row.id, row.owner, row.kind, row.form, dict(row.answers),
                            row.shared_session_id, row.created_at)


def _clean(kind: str, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Only what the questions ask, in a fixed shape (checked before this is called)."""
    form = form_for(kind)
    if isinstance(form, ValuesReflection):
        return {i.id: {"choice": answers[i.id]["choice"],
                       "notes": (answers[i.id].get("notes") or "").strip()}
                for i in form.items}
    return {q.id: answers[q.id] for q in form.questions}


class ReflectionsMixin(SupervisionBase):
    """Values reflections and wellbeing check-ins (table `reflections`)."""

    def save_reflection(self, kind: str, answers: Mapping[str, Any]) -> ReflectionRecord:
        """A new reflection or check-in by you, private to you (a re-take is a new one)."""
        if kind not in KINDS:
            raise_if([Problem("kind", f"unknown kind {kind!r}", f"use {' or '.join(KINDS)}")],
                     "reflection")
        if not isinstance(answers, Mapping):
            raise_if([Problem("answers", "must be a mapping of question to answer",
                              "answer the questions on the form")], "reflection")
        form = form_for(kind)
        problems = (values_problems(form, answers) if isinstance(form, ValuesReflection)
                    else wellbeing_problems(form, answers))
        raise_if(problems, "values reflection" if kind == VALUES else "wellbeing check-in")
        with self._guard("create", "reflection", None), self.store._writing() as s:
            row = Reflection(owner=self.user, kind=kind, form=form.ref,
                             answers=_clean(kind, answers))
            s.add(row)
            s.flush()
            self._audit(s, "create", "reflection", row.id, kind=kind, form=form.ref)
            return _record(row)

    def my_reflections(self, kind: str) -> list[ReflectionRecord]:
        """Your own reflections of one kind, newest first (audited)."""
        with self.store._writing() as s:
            rows = list(s.scalars(select(Reflection).where(
                Reflection.owner == self.user, Reflection.kind == kind)
                .order_by(Reflection.created_at.desc(), Reflection.id.desc())))
            self._audit(s, "view", "reflection", None, kind=kind, ids=[r.id for r in rows])
            return [_record(r) for r in rows]

    def share_reflection(self, reflection_id: int, session_id: int | None) -> ReflectionRecord:
        """Share one of yours into a supervision session where you are the assessor (its
        supervisor can then read it), or withdraw it with `session_id=None` (audited)."""
        with self._guard("change", "reflection", reflection_id), self.store._writing() as s:
            row = self._get(s, Reflection, reflection_id, "reflection")
            if row.owner != self.user:
                raise AccessDenied(f"reflection {reflection_id} can be shared only by its owner")
            if session_id is not None and self._session_row(s, session_id).assessor != self.user:
                raise AccessDenied(f"you can share a reflection only into your own supervision "
                                   f"(session {session_id} is not yours as assessor)")
            row.shared_session_id = session_id
            self._audit(s, "change", "reflection", row.id, shared_session_id=session_id)
            return _record(row)

    def reflection(self, reflection_id: int) -> ReflectionRecord:
        """One reflection: its owner, or the supervisor of the session it is shared into."""
        with self._guard("view", "reflection", reflection_id), self.store._writing() as s:
            row = self._get(s, Reflection, reflection_id, "reflection")
            shared = self._session_row(s, row.shared_session_id) \
                if row.shared_session_id else None
            if not reflection_readable(self.user, row.owner,
                                       shared.supervisor if shared else None):
                raise AccessDenied(f"reflection {reflection_id} is private to its owner")
            self._audit(s, "view", "reflection", row.id)
            return _record(row)

    def shared_reflections(self, session_id: int) -> list[ReflectionRecord]:
        """Reflections shared into a session (its supervisor and assessor; audited)."""
        return [_record(r) for r in self._shared_into(session_id, Reflection, "reflection")]

    def team_wellbeing(self, team_id: int) -> TeamWellbeing:
        """How many of a team's members chose each check-in answer (each person's latest
        check-in in the team window), withheld below `settings.team_min_group`. Never anyone's
        own answers. For the team lead only (audited)."""
        cfg = get_settings()
        since = dt.datetime.now(dt.UTC) - dt.timedelta(days=cfg.team_window_days)
        with self._guard("view", "team_view", team_id), self.store._writing() as s:
            team = self._get(s, Team, team_id, "team")
            if team.lead != self.user:
                raise AccessDenied(f"the team view of {team.name!r} is for its lead "
                                   f"({team.lead}) only")
            members = list(s.scalars(select(TeamMember.username).where(
                TeamMember.team_id == team_id)))
            latest: dict[str, dict[str, str]] = {}
            for row in s.scalars(select(Reflection).where(
                    Reflection.kind == "wellbeing", Reflection.owner.in_(members),
                    Reflection.created_at >= since)
                    .order_by(Reflection.created_at, Reflection.id)):
                latest[row.owner] = dict(row.answers)  # later rows replace earlier ones
            form = form_for("wellbeing")
            view = team_wellbeing(form, latest.values(), cfg.team_min_group)  # type: ignore[arg-type]
            self._audit(s, "view", "team_view", team_id, part="wellbeing", people=view.people,
                        withheld=bool(view.withheld))
            return view
