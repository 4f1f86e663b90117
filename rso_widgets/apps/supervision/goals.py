"""The "Development goals" tab: my goals (or, for a supervisor, those of a person I supervise)
and a goal's review. A simple view: goals are set in a session (a section of its task list)."""

from __future__ import annotations

from typing import Any

import ipywidgets as w

from ...supervision.validation import InvalidRecord
from ...widgets.fields import safe_callback
from ...widgets.supervision_forms import PageProblem
from ...widgets.supervision_goals import GoalReviewForm, goals_html
from .base import TabBase, day, form_call, part, report, section_heading


class GoalsTab(TabBase):
    goals_whose = part("goals", "whose")
    goals_view = part("goals", "view")
    goal_review = part("goals", "review")

    def _build_goals(self) -> dict[str, Any]:
        whose_options = [("My own goals", self.user)] + [
            (f"Goals of {self.name(p)}", p) for p in self.supervisees]
        whose = w.Dropdown(options=whose_options, value=self.user, description="Whose goals",
                           style={"description_width": "initial"})
        whose.layout.display = "" if self.supervisees else "none"
        whose.observe(self._on_whose, names="value")
        view = w.HTML("")
        review = GoalReviewForm()
        review.on_submit(lambda _form: self.review_goal())
        self.tabs.children[3].children = (section_heading("Development goals", 2), whose, view,
                                          review)
        self._parts["goals"] = {"whose": whose, "view": view, "review": review}
        self.refresh_goals()
        return self._parts["goals"]

    def refresh_goals(self) -> None:
        if not self._built("goals"):
            return
        whose = self.goals_whose.value or self.user
        goals = self.sup.goals(whose)
        observations = self.sup.observations(whose)
        reviewed = [s for s in self.sessions if s.assessor == whose and s.plan_reviews]
        records = {
            "observation": [(f"Observation on {day(o.observed_on)} by {self.name(o.observer)}",
                             o.id) for o in observations],
            "plan_review": [(f"Plan review in the session on {day(s.held_on)}", s.id)
                            for s in reviewed]}
        labels = {(k, ref): label for k, items in records.items() for label, ref in items}
        title = "Your development goals" if whose == self.user else \
            f"Goals of {self.name(whose)}"
        self.goals_view.value = goals_html(goals, title=title,
                                           sessions={s.id: s for s in self.sessions},
                                           records=labels)
        self.goal_review.set_choices(goals, [s for s in self.sessions if s.assessor == whose],
                                     records)

    @safe_callback(report, "showing the goals")
    def _on_whose(self, _change: Any = None) -> None:
        self.goal_review.reset()
        self.refresh_goals()

    @form_call("goal_review", "the review")
    def review_goal(self) -> Any:
        form = self.goal_review
        form.clear_problems()
        goal_id = form.goal.control.value
        if goal_id is None:
            raise InvalidRecord([PageProblem("goal", "no goal chosen",  # type: ignore[list-item]
                                             "choose the goal to review")], "the review")
        rec = self.sup.review_goal(goal_id, form.value)
        form.reset()
        self.refresh_goals()
        form.say("The review is saved; the goal's earlier status is kept in its history.")
        return rec
