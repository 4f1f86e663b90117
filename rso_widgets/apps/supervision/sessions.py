"""The "Supervision sessions" tab: my sessions (and, for a supervisor, who is due), recording a
new session as a task list journey, and one session opened: its record, then "Change this
session" as a task list whose sections include the plan-quality review and development goals.

Each save checks the answers with the domain first (`validation.checked`: every problem at once),
then the store, which checks again with what only it can see."""

from __future__ import annotations

from typing import Any

import ipywidgets as w

from ...store import AccessDenied
from ...store.identity import display_name
from ...supervision.models import PLAN_KINDS, GoalInput, SessionInput, SessionUpdate
from ...supervision.validation import (
    all_problems,
    checked,
    goal_problems,
    raise_if,
    session_problems,
    session_update_problems,
)
from ...widgets.fields import Notice, safe_callback, text_button
from ...widgets.supervision_goals import GoalForm
from ...widgets.supervision_plan_review import PlanReviewForm
from ...widgets.supervision_session import SessionStartForm, SessionUpdateForm
from ...widgets.supervision_session_list import SessionList, session_summary_html
from .base import TabBase, day, form_call, part, report

WHAT = "supervision session"


class SessionsTab(TabBase):
    """Built with the page (the first tab): the list, the start button, the session's view."""

    _review: Any

    def _build_sessions_tab(self) -> w.VBox:
        self.session_list = SessionList(self.lists)
        self.session_list.on_open(self._on_open_session)
        self.start_button = text_button("Start a new session", primary=True)
        self.start_button.on_click(self._on_start_clicked)
        self.home = w.VBox([self.session_list, self.start_button])
        self.start_back = self._back_button()
        self.start_slot = w.VBox([self.start_back], layout=w.Layout(display="none"))
        self.summary = w.HTML("")
        self.close_button = self._back_button()
        self.detail_notice = Notice(layout=w.Layout(display="none"))
        self.detail = w.VBox([self.close_button, self.detail_notice, self.summary],
                             layout=w.Layout(display="none"))
        self.detail.add_class("rso-session-detail")
        self.sessions_tab = w.VBox([self.home, self.start_slot, self.detail])
        return self.sessions_tab

    def _back_button(self) -> w.Button:
        b = text_button("Back to my sessions")
        b.add_class("rso-back-link")
        b.on_click(self._on_close)
        return b

    # -- parts built when first needed -------------------------------------------------------
    start_form = part("start")
    update_form = part("detail", "update")
    plan_review = part("detail", "review")
    goal_form = part("detail", "goal")

    def _build_start(self) -> Any:
        form = SessionStartForm(self.lists, self.user, supervisor=self.assigned_supervisor,
                                people=self.people, names=self.names,
                                check=lambda data: all_problems(SessionInput, data, WHAT,
                                                                self._session_rules))
        if self.supervisees and not self.assigned_supervisor:
            form.role.value = "supervisor"  # someone who only supervises
        form.layout.display = "none"
        form.on_submit(lambda _form: self.start_session())
        self.start_slot.children = (self.start_back, form)
        return form

    def _build_detail(self) -> dict[str, Any]:
        review = PlanReviewForm(self.rubric)
        review.on_open(self._on_open_plan)
        review.on_submit(lambda _form: self.add_review())
        goal = GoalForm()
        goal.on_submit(lambda _form: self.set_goal())
        update = SessionUpdateForm(self.lists, check=self._update_check, extras=[
            ("review", "Plan quality review", review, self._review_rows),
            ("goal", "Development goals", goal, self._goal_rows)])
        update.on_submit(lambda _form: self.update_session())
        self.detail.children = (self.close_button, self.detail_notice, self.summary, update)
        return {"update": update, "review": review, "goal": goal}

    # -- the rules, as the store runs them, for every problem at once ------------------------
    def _session_rules(self, inp: SessionInput) -> list[Any]:
        inp = inp.model_copy(update={"supervisor": inp.supervisor.strip(),
                                     "assessor": inp.assessor.strip()})
        return session_problems(inp, self.lists, self.rubric, self.sup.today(), set())

    def _update_check(self, data: dict[str, Any]) -> list[Any]:
        cur = self.current
        if cur is None:
            return []
        open_ids = {a.id for a in self.update_form.follow_ups.actions}
        return all_problems(SessionUpdate, data, WHAT, lambda upd: session_update_problems(
            upd, upd.held_on or cur.held_on, upd.status or cur.status, self.lists, self.rubric,
            self.sup.today(), open_ids, has_actions=bool(cur.actions),
            has_reviews=bool(cur.plan_reviews)))

    # -- the list ----------------------------------------------------------------------------
    def refresh_sessions(self) -> None:
        self.sessions = self.sup.sessions()
        for s in self.sessions:  # people in sessions of mine, by display name
            for u in (s.supervisor, s.assessor):
                if u not in self.names:
                    self.names[u] = display_name(u)
        self.session_list.show(self.sessions, self.user, self.names)
        if self.supervisees:
            self.session_list.show_due(self.sup.supervision_due(), self.names)

    def _show(self, view: str) -> None:
        """One thing at a time: my sessions ("home"), a new session ("start"), or one session
        ("detail")."""
        self.home.layout.display = "" if view == "home" else "none"
        self.start_slot.layout.display = "" if view == "start" else "none"
        self.detail.layout.display = "" if view == "detail" else "none"
        if self._built("start"):
            self.start_form.layout.display = "" if view == "start" else "none"

    @safe_callback(report, "showing the form")
    def _on_start_clicked(self, _b: Any = None) -> None:
        self.start_form.reset()
        self._show("start")
        self.current = None
        self.start_back.focus()

    @safe_callback(report, "going back to your sessions")
    def _on_close(self, _b: Any = None) -> None:
        self._show("home")
        self.current = None
        self.start_button.focus()

    # -- a new session -----------------------------------------------------------------------
    @form_call("start_form", "the session")
    def start_session(self) -> Any:
        """Save the new session; on success open the session saved."""
        form = self.start_form
        form.clear_problems()
        rec = self.sup.create_session(checked(SessionInput, form.value, WHAT,
                                              self._session_rules))
        form.reset()
        self.refresh_sessions()
        self.open_session(rec.id)
        self._saved(f"The session on {day(rec.held_on)} is saved.")
        return rec

    def _saved(self, text: str) -> None:
        """Say what was saved at the top of the session's view, and move focus there."""
        self.detail_notice.say(text, heading="Saved")
        self.close_button.focus()

    # -- one session -------------------------------------------------------------------------
    @safe_callback(report, "opening the session")
    def _on_open_session(self, session_id: int) -> None:
        self.open_session(session_id)
        self.close_button.focus()

    @form_call(None, "the session", "opening the session")
    def open_session(self, session_id: int) -> Any:
        """Show one session with its forms (supervisor and assessor only)."""
        rec = self.sup.session(session_id)
        self.failure.clear()
        self.detail_notice.clear()
        self.current = rec
        try:
            linkable = self.sup.assessments_of(rec.assessor)
        except AccessDenied:
            linkable = []
        follow = self.sup.actions_to_follow_up(rec.id)
        self.update_form.load(rec, self.user, linkable, follow)
        # ARMS assessments hold their risk management plan (the ARMS and live apps save them
        # as kind "arms"): reviewing only kind "plan" missed every plan written there.
        self.plan_review.set_plans([a for a in linkable if a.kind in PLAN_KINDS])
        self._review = None
        self.goal_form.reset()
        self._render_summary(rec)
        self._show("detail")
        return rec

    def reread_session(self) -> None:
        """After a review or a goal is saved from a section: the record and its summary again,
        the task list staying where it is."""
        self.current = self.sup.session(self.current.id)
        self._render_summary(self.current)

    def _session_goals(self, rec: Any) -> list[Any]:
        return [g for g in self.sup.goals(rec.assessor) if g.session_id == rec.id]

    def _render_summary(self, rec: Any) -> None:
        """The session's record with what is linked to it: the observations this user may
        read, the diary entries shared into it and the goals set in it."""
        observations = []
        for oid in rec.observation_ids:
            try:
                observations.append(self.sup.observation(oid))
            except AccessDenied:
                continue
        shared = self.sup.shared_diary_entries(rec.id)
        goals = self._session_goals(rec)
        texts = {a.id: a.text for s in self.sessions for a in s.actions}
        self.summary.value = session_summary_html(
            rec, self.lists, action_texts=texts, observations=observations,
            shared_diary=shared, goals=goals,
            skill_labels={s.id: s.label for s in self.scale.skills},
            context_labels={c.id: c.label for c in self.scale.contexts},
            prompt_labels={p.id: p.label for p in self.lists.diary_prompts}, names=self.names)

    def _review_rows(self) -> list[tuple[str, str]]:
        reviews = self.current.plan_reviews if self.current is not None else ()
        rows = []
        for r in reviews:
            scored = sum(v is not None for v in r.scores.values())
            rows.append((f"Plan {r.assessment_id or ''}".strip(),
                         f"{scored} of {len(r.scores)} criteria scored"))
        return rows or [("Plan quality review", "None in this session")]

    def _goal_rows(self) -> list[tuple[str, str]]:
        if self.current is None:
            return []
        return [("Goal", g.text) for g in self._session_goals(self.current)] or [
            ("Development goals", "None set here")]

    @form_call("update_form", "the change")
    def update_session(self) -> Any:
        if self.current is None:
            return None
        sid = self.current.id
        form = self.update_form
        form.clear_problems()
        data = form.value
        raise_if(self._update_check(data), WHAT)
        rec = self.sup.update_session(sid, data)
        self.refresh_sessions()
        self.open_session(sid)
        self._saved("Your changes to this session are saved.")
        self.refresh_goals()
        return rec

    # -- goals set in the session ------------------------------------------------------------
    @form_call("goal_form", "the goal")
    def set_goal(self) -> Any:
        if self.current is None:
            return None
        sid = self.current.id
        self.goal_form.clear_problems()
        held_on = self.current.held_on
        goal = self.sup.set_goal(sid, checked(GoalInput, self.goal_form.value,
                                              "development goal",
                                              lambda inp: goal_problems(inp, held_on)))
        self.goal_form.reset()
        self.reread_session()
        self.update_form.confirmed.add("goal")
        self.goal_form.say("The goal is set. Review it over time in Development goals.")
        self.refresh_goals()
        return goal
