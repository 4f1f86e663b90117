"""The plan-quality rubric judged in a session (a section of "Change this session"): open one of
the assessor's plans, see its profile, judge the judged criteria, add the review."""

from __future__ import annotations

import re
from typing import Any

from ...instruments.plan_quality import Judgement, evaluate
from ...reports.payload import read_payload
from ...supervision import PlanReview
from ...widgets.fields import safe_callback
from ...widgets.supervision_forms import PageProblem
from .base import TabBase, form_call, report


class PlanReviewPart(TabBase):
    """Open a plan for review and add the review to the open session."""

    _review: tuple[Any, Any] | None

    @safe_callback(report, "opening the plan")
    def _on_open_plan(self, form: Any, assessment_id: int) -> None:
        self.open_plan(assessment_id)

    @form_call("plan_review", "the plan", "opening the plan")
    def open_plan(self, assessment_id: int) -> Any:
        """Evaluate the plan's latest version with the rubric and show the profile."""
        form = self.plan_review
        form.clear_problems()
        version = self.store.latest_version(assessment_id)
        parts = read_payload(version.data, version.kind)
        if parts.plan is None or parts.arms is None:
            missing = "risk management plan" if parts.plan is None else "ARMS assessment"
            form.deny(f"Version {version.version} of assessment {assessment_id} holds no "
                      f"{missing}, and the rubric needs both the plan and the ARMS ratings. "
                      "Choose another plan.")
            return None
        judgements = dict(parts.judgements)
        try:
            profile = evaluate(parts.plan, parts.arms, judgements, rubric=self.rubric)
        except ValueError:
            judgements = {}
            profile = evaluate(parts.plan, parts.arms, {}, rubric=self.rubric)
        self._review = (parts, version)
        form.show_profile(profile, assessment_id, version.version, judgements,
                          title=f"Plan {assessment_id}, version {version.version}")
        for note in parts.notes:
            form.say(note)
        return profile

    @form_call("plan_review", "the review")
    def add_review(self) -> Any:
        """Judge the plan with the reviewer's scores and add the review to the session."""
        form = self.plan_review
        form.clear_problems()
        if self.current is None or self._review is None:
            form.deny("Open a plan for review first.")
            return None
        parts, version = self._review
        judgements = {cid: Judgement(score=j["score"], reason=j["reason"], reviewer=self.user)
                      for cid, j in form.judgements.items()}
        try:
            profile = evaluate(parts.plan, parts.arms, judgements, rubric=self.rubric)
        except ValueError as exc:
            m = re.match(r"judgements\.(Q\d+): (.*)", str(exc))
            cid, message = (m.group(1), m.group(2)) if m else ("", str(exc))
            form.show_problems([PageProblem(f"judgements.{cid}.reason", message,
                                            "say why the plan meets it better than the "
                                            "automatic check found")], "the review")
            return None
        review = PlanReview.from_profile(profile, judgements, assessment_id=form.assessment_id,
                                         version=version.version)
        kept = [r for r in self.current.plan_reviews if r.assessment_id != form.assessment_id]
        self.sup.update_session(self.current.id, {"plan_reviews": [*kept, review]})
        self.refresh_sessions()
        self.reread_session()
        self.update_form.confirmed.add("review")
        self._review = (parts, version)
        form.show_profile(profile, review.assessment_id or 0, version.version, judgements,
                          title=f"Plan {review.assessment_id}, version {version.version}")
        form.say("The review is added to this session.")
        return review
