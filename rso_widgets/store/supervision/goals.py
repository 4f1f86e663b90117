"""Development goals agreed in supervision, with status history and evidence."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...supervision.models import (
    Evidence,
    EvidenceRecord,
    GoalInput,
    GoalRecord,
    GoalUpdateInput,
    StatusChange,
)
from ...supervision.validation import Problem, evidence_problems, goal_problems, parse, raise_if
from .. import policy
from ..errors import AccessDenied
from ..models import (
    CohortSubmission,
    DevelopmentGoal,
    GoalUpdate,
    Observation,
    PracticeAttempt,
    SupervisionSession,
)
from .base import SupervisionBase
from .records import _dump, _stub


class GoalsMixin(SupervisionBase):
    """Development goals agreed in supervision, with status history and evidence."""

    def set_goal(self, session_id: int, data: GoalInput | dict[str, Any]) -> GoalRecord:
        """A development goal for the session's assessor, agreed in that session."""
        inp = parse(GoalInput, data, "development goal")
        with self._guard("create", "development_goal", None), self.store._writing() as s:
            sess = self._session_row(s, session_id)
            if not policy.session_writable(self.user, _stub(sess)):
                raise AccessDenied(f"goals are set in supervision: only the supervisor and "
                                   f"assessor of session {session_id} can set one there")
            problems = goal_problems(inp, sess.held_on)
            problems += self._evidence_problems(s, inp.evidence, sess.assessor)
            raise_if(problems, "development goal")
            g = DevelopmentGoal(assessor=sess.assessor, session_id=sess.id,
                                text=inp.text.strip(), measure=inp.measure.strip(),
                                target_on=inp.target_on, created_by=self.user)
            s.add(g)
            s.flush()
            s.add(GoalUpdate(goal_id=g.id, status="open", note="set in supervision",
                             session_id=sess.id, username=self.user,
                             evidence=_dump(inp.evidence) or None))
            s.flush()
            self._audit(s, "create", "development_goal", g.id, session_id=sess.id,
                        evidence=len(inp.evidence))
            return self._goal_record(s, g)

    def review_goal(self, goal_id: int, data: GoalUpdateInput | dict[str, Any]) -> GoalRecord:
        """Add a status change and/or evidence to a goal (status history is kept)."""
        upd = parse(GoalUpdateInput, data, "goal review")
        with self._guard("change", "development_goal", goal_id), self.store._writing() as s:
            g = self._get(s, DevelopmentGoal, goal_id, "development goal")
            if not self._goal_allowed(s, g, policy.goal_writable):
                raise AccessDenied(f"goal {goal_id} can be reviewed only by its assessor and "
                                   "their supervisor")
            problems = []
            if upd.status is None and not upd.evidence and not upd.note.strip():
                problems.append(Problem("status", "nothing to record",
                                        "give a new status, evidence or a note"))
            if upd.session_id is not None:
                sess = s.get(SupervisionSession, upd.session_id)
                if sess is None or sess.assessor != g.assessor or not policy.session_readable(
                        self.user, _stub(sess)):
                    problems.append(Problem("session_id", f"session {upd.session_id} is not a "
                                            "supervision session of this assessor that you "
                                            "took part in", "choose one of those, or leave "
                                            "it empty"))
            problems += evidence_problems(upd.evidence)
            problems += self._evidence_problems(s, upd.evidence, g.assessor)
            raise_if(problems, "goal review")
            s.add(GoalUpdate(goal_id=g.id, status=upd.status, note=upd.note.strip(),
                             session_id=upd.session_id, username=self.user,
                             evidence=_dump(upd.evidence) or None))
            s.flush()
            self._audit(s, "change", "development_goal", g.id, status=upd.status,
                        evidence=len(upd.evidence))
            return self._goal_record(s, g)

    def goal(self, goal_id: int) -> GoalRecord:
        with self._guard("view", "development_goal", goal_id), self.store._writing() as s:
            g = self._get(s, DevelopmentGoal, goal_id, "development goal")
            if not self._goal_allowed(s, g, policy.goal_readable):
                raise AccessDenied(f"goal {goal_id} is visible only to its assessor and "
                                   "their supervisor")
            self._audit(s, "view", "development_goal", g.id)
            return self._goal_record(s, g)

    def goals(self, assessor: str | None = None) -> list[GoalRecord]:
        """Goals of `assessor` (default: you) that you may see, oldest first (audited)."""
        who = assessor or self.user
        with self.store._writing() as s:
            rows = [g for g in s.scalars(select(DevelopmentGoal).where(
                DevelopmentGoal.assessor == who).order_by(DevelopmentGoal.id))
                if self._goal_allowed(s, g, policy.goal_readable)]
            self._audit(s, "view", "development_goal", None, ids=[g.id for g in rows])
            return [self._goal_record(s, g) for g in rows]

    def _goal_allowed(self, s: Session, g: DevelopmentGoal,
                      rule: Callable[..., bool]) -> bool:
        sess = s.get(SupervisionSession, g.session_id)
        return rule(self.user, self._goal_record(s, g),
                    session_supervisor=sess.supervisor if sess else None,
                    assigned_supervisor=self._assigned_supervisor(s, g.assessor))

    def _evidence_problems(self, s: Session, evidence: Iterable[Evidence],
                           assessor: str) -> list[Problem]:
        out = []
        for n, e in enumerate(evidence):
            if e.ref is None:
                continue
            f = f"evidence[{n}].ref"
            ok = True
            if e.kind == "practice_attempt":
                a = s.get(PracticeAttempt, e.ref)
                ok = a is not None and a.username == assessor
            elif e.kind == "observation":
                o = s.get(Observation, e.ref)
                ok = o is not None and o.assessor == assessor
            elif e.kind == "plan_review":
                r = s.get(SupervisionSession, e.ref)
                ok = r is not None and r.assessor == assessor and bool(r.plan_reviews)
            elif e.kind == "calibration":
                ok = s.get(CohortSubmission, e.ref) is not None
            if not ok:
                out.append(Problem(f, f"no {e.kind.replace('_', ' ')} {e.ref} of {assessor}",
                                   "choose one of the assessor's own records"))
        return out

    def _goal_record(self, s: Session, g: DevelopmentGoal) -> GoalRecord:
        ups = list(s.scalars(select(GoalUpdate).where(GoalUpdate.goal_id == g.id)
                             .order_by(GoalUpdate.id)))
        history = tuple(StatusChange(status=u.status, at=u.at, by=u.username, note=u.note,
                                     session_id=u.session_id)  # type: ignore[arg-type]
                        for u in ups if u.status)
        evidence = tuple(EvidenceRecord(**Evidence.model_validate(e).model_dump(), at=u.at,
                                        by=u.username)
                         for u in ups for e in (u.evidence or []))
        return GoalRecord(id=g.id, assessor=g.assessor, session_id=g.session_id, text=g.text,
                          measure=g.measure, target_on=g.target_on,
                          status=history[-1].status if history else "open", history=history,
                          evidence=evidence, created_by=g.created_by, created_at=g.created_at)
