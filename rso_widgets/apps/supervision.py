"""Supervision and practice development, for `workbooks/supervision.ipynb`: the assessor's and the
supervisor's view of their supervision sessions (agenda set by the assessor, notes, agreed
actions and their follow-up, assessments and plans discussed, the plan-quality rubric judged in
the session), observations of practice, the reflective diary, development goals, the person's
own consent setting for team reporting, and their CPD portfolio (HTML / PDF).

Assembles widgets only. Every rule is the domain's (`rso_widgets.supervision`), enforced by the
store (`store.supervision`), whose acting user is `current_user()` — never a text box. Every
callback catches: the domain's problems are shown next to their fields and in an error summary,
a refusal (`AccessDenied`) as a plain message, anything else as a friendly message with a
reference (and logged).
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from ..supervision.models import PLAN_KINDS
from ..widgets.fields import FORM_CSS, Notice, esc, safe_callback, text_button

if TYPE_CHECKING:
    from ..store import Store
    from ..widgets.supervision_forms import RecordForm

log = logging.getLogger("rso_widgets.apps.supervision")

NOTE = ("Supervision records are confidential to the supervisor and the assessor. Supervision "
        "is led by the assessor's own needs: the assessor sets the agenda. Write about the "
        "people you work with respectfully and only as much as the record needs.")
TABS = ["Supervision sessions", "Observation of practice", "Reflective diary",
        "Development goals", "Sharing and CPD portfolio"]
APP_CSS = """
.rso-supervision .rso-table { border-collapse: collapse; margin: 0 0 12px 0; max-width: 60em; }
.rso-supervision .rso-table th, .rso-supervision .rso-table td {
  border: 1px solid #b1b4b6; padding: 3px 8px; text-align: left; vertical-align: top; }
.rso-supervision .rso-table caption { text-align: left; font-weight: bold; padding: 2px 0; }
.rso-supervision .rso-typed { overflow-wrap: anywhere; }
.rso-supervision .widget-html-content { line-height: 1.4; }
.rso-supervision h3 { margin: 16px 0 6px 0; }
.rso-supervision .jupyter-widgets.jupyter-widget-tab > .lm-TabBar .lm-TabBar-tab {
  color: #0b0c0c; }  /* the theme's grey tab labels fail AA contrast */
"""
def _plain(exc: BaseException) -> str:
    from ..widgets.supervision_forms import plain_refusal

    return plain_refusal(exc)


def _report(app: SupervisionApp, message: str) -> None:
    app.failure.say(message, kind="error", heading="Sorry, there is a problem")


class SupervisionApp(w.VBox):
    """The supervision page: five tabs over one `Store` (acting as its user)."""

    def __init__(self, store: Store, **kwargs: Any) -> None:
        from ..instruments.plan_quality import load_rubric
        from ..supervision.lists import load_observation_scale, load_supervision_lists
        from ..widgets.supervision_session import SessionList

        self.store = store
        self.sup = store.supervision
        self.user = store.user
        self.lists = load_supervision_lists()
        self.scale = load_observation_scale()
        self.rubric = load_rubric()
        self.sessions: list[Any] = []
        self.current: Any = None
        self._review: tuple[Any, Any] | None = None
        self._parts: dict[str, Any] = {}
        self.failure = Notice(layout=w.Layout(display="none"))

        team = self.sup.team_of()
        member = team.member(self.user) if team else None
        self.assigned_supervisor = member.supervisor if member else None
        self.supervisees = self.sup.supervisees()
        people = set(self.supervisees) | ({self.assigned_supervisor} - {None})
        if team is not None:
            people |= {m.username for m in team.members} | {team.lead}
        people.discard(self.user)
        self.people = sorted(people)

        # Only the session list is built now; each form is built the first time it is needed
        # (from a callback), so the page has few widgets to send when it opens.
        self.session_list = SessionList(self.lists)
        self.session_list.on_open(self._on_open_session)
        self.start_button = text_button("Start a new session", primary=True)
        self.start_button.on_click(self._on_start_clicked)
        self.start_slot = w.VBox()
        self.summary = w.HTML("")
        self.close_button = text_button("Back to my sessions")
        self.close_button.on_click(self._on_close)
        self.detail = w.VBox([self.close_button, self.summary], layout=w.Layout(display="none"))
        self.detail.add_class("rso-session-detail")
        self.sessions_tab = w.VBox([self.session_list, self.start_button, self.start_slot,
                                    self.detail])
        self.tabs = w.Tab(children=[self.sessions_tab, *(w.VBox() for _ in TABS[1:])],
                          titles=TABS)
        self.tabs.observe(self._on_tab, names="selected_index")
        intro = w.HTML(
            f'<p style="border-left:6px solid #1d70b8;padding:6px 12px;max-width:50em">'
            f"You are signed in as <strong>{esc(self.store.display_name)}</strong>. "
            f"{esc(NOTE)}</p>")
        # the shared form stylesheet from the first view: tabs never cut off, hints above
        style = w.HTML(f"<style>{FORM_CSS}{APP_CSS}</style>", layout=w.Layout(display="none"))
        super().__init__(children=[style, intro, self.failure, self.tabs],
                         layout=w.Layout(padding="0 12px"), **kwargs)
        self.add_class("rso-supervision")
        self.refresh()

    # -- parts built when first needed ----------------------------------------------------------
    def _part(self, name: str) -> Any:
        if name not in self._parts:
            self._parts[name] = getattr(self, f"_build_{name}")()
        return self._parts[name]

    def _built(self, name: str) -> bool:
        return name in self._parts

    @property
    def start_form(self) -> Any:
        return self._part("start")

    @property
    def update_form(self) -> Any:
        return self._part("detail")["update"]

    @property
    def plan_review(self) -> Any:
        return self._part("detail")["review"]

    @property
    def goal_form(self) -> Any:
        return self._part("detail")["goal"]

    @property
    def observation_form(self) -> Any:
        return self._part("observe")["form"]

    @property
    def observations_view(self) -> Any:
        return self._part("observe")["view"]

    @property
    def diary_form(self) -> Any:
        return self._part("diary")["form"]

    @property
    def diary_share(self) -> Any:
        return self._part("diary")["share"]

    @property
    def diary_view(self) -> Any:
        return self._part("diary")["view"]

    @property
    def goals_whose(self) -> Any:
        return self._part("goals")["whose"]

    @property
    def goals_view(self) -> Any:
        return self._part("goals")["view"]

    @property
    def goal_review(self) -> Any:
        return self._part("goals")["review"]

    @property
    def consent_form(self) -> Any:
        return self._part("sharing")["consent"]

    @property
    def cpd_export(self) -> Any:
        return self._part("sharing")["cpd"]

    _TAB_PARTS = (None, "observe", "diary", "goals", "sharing")

    @safe_callback(_report, "opening the tab")
    def _on_tab(self, change: dict[str, Any]) -> None:
        index = change["new"]
        if index is not None and 0 < index < len(self._TAB_PARTS):
            self._part(self._TAB_PARTS[index])

    def _build_start(self) -> Any:
        from ..widgets.supervision_session import SessionStartForm

        form = SessionStartForm(self.lists, self.user, supervisor=self.assigned_supervisor,
                                people=self.people)
        if self.supervisees and not self.assigned_supervisor:
            form.role.value = "supervisor"  # someone who only supervises
        form.layout.display = "none"
        form.on_submit(self._on_start)
        self.start_slot.children = (form,)
        return form

    def _build_detail(self) -> dict[str, Any]:
        from ..widgets.supervision_goals import GoalForm
        from ..widgets.supervision_plan_review import PlanReviewForm
        from ..widgets.supervision_session import SessionUpdateForm

        update = SessionUpdateForm(self.lists)
        update.on_submit(self._on_update)
        review = PlanReviewForm(self.rubric)
        review.on_open(self._on_open_plan)
        review.on_submit(self._on_review)
        goal = GoalForm()
        goal.on_submit(self._on_goal)
        self.detail.children = (self.close_button, self.summary,
                                self._section("Change this session"), update,
                                self._section("Plan quality"), review,
                                self._section("Development goals"), goal)
        return {"update": update, "review": review, "goal": goal}

    def _build_observe(self) -> dict[str, Any]:
        from ..widgets.supervision_observation import ObservationForm

        form = ObservationForm(self.scale, people=self.people)
        form.on_submit(self._on_observation)
        view = w.HTML("")
        self.tabs.children[1].children = (form, view)
        self._parts["observe"] = {"form": form, "view": view}
        self.refresh_observations()
        return self._parts["observe"]

    def _build_diary(self) -> dict[str, Any]:
        from ..widgets.supervision_diary import DiaryForm, DiaryShareForm

        form = DiaryForm(self.lists)
        form.on_submit(self._on_diary)
        share = DiaryShareForm()
        share.on_submit(self._on_share)
        share.on_withdraw(self._on_withdraw)
        view = w.HTML("")
        self.tabs.children[2].children = (form, share, view)
        self._parts["diary"] = {"form": form, "share": share, "view": view}
        form.set_observations(self.sup.observations())
        self.refresh_diary()
        return self._parts["diary"]

    def _build_goals(self) -> dict[str, Any]:
        from ..widgets.supervision_goals import GoalReviewForm

        whose_options = [("My own goals", self.user)] + [(f"Goals of {p}", p)
                                                         for p in self.supervisees]
        whose = w.Dropdown(options=whose_options, value=self.user, description="Whose goals",
                           style={"description_width": "initial"})
        whose.layout.display = "" if self.supervisees else "none"
        whose.observe(self._on_whose, names="value")
        view = w.HTML("")
        review = GoalReviewForm()
        review.on_submit(self._on_goal_review)
        self.tabs.children[3].children = (self._section("Development goals", 2), whose, view,
                                          review)
        self._parts["goals"] = {"whose": whose, "view": view, "review": review}
        self.refresh_goals()
        return self._parts["goals"]

    def _build_sharing(self) -> dict[str, Any]:
        from ..widgets.supervision_sharing import ConsentForm, CPDExport

        consent = ConsentForm()
        consent.on_submit(self._on_consent)
        cpd = CPDExport()
        cpd.on_export(self._on_export)
        self.tabs.children[4].children = (consent, cpd)
        self._parts["sharing"] = {"consent": consent, "cpd": cpd}
        self.refresh_consent()
        return self._parts["sharing"]

    @staticmethod
    def _section(title: str, level: int = 3) -> w.HTML:
        return w.HTML(f"<h{level} style='margin:22px 0 4px 0;border-top:2px solid #b1b4b6;"
                      f"padding-top:8px'>{esc(title)}</h{level}>")

    def _attempt(self, form: RecordForm | None, what: str, fn: Callable[[], Any]) -> Any:
        from ..widgets.supervision_forms import attempt

        return attempt(form, what, fn, self.failure)

    # -- refreshing ---------------------------------------------------------------------------
    def refresh(self) -> None:
        """Read everything the tabs show (each part on its own: one failure hides only it)."""
        for part in (self.refresh_sessions, self.refresh_observations, self.refresh_diary,
                     self.refresh_goals, self.refresh_consent):
            try:
                part()
            except Exception:
                ref = uuid.uuid4().hex[:8]
                log.exception("could not show %s (reference %s)", part.__name__, ref)
                self.failure.say(f"Part of this page could not be read right now (reference "
                                 f"{ref}). Try reloading the page later.", kind="error",
                                 heading="Sorry, there is a problem")

    def refresh_sessions(self) -> None:
        self.sessions = self.sup.sessions()
        self.session_list.show(self.sessions, self.user)
        if self.supervisees:
            self.session_list.show_due(self.sup.supervision_due())

    def refresh_observations(self) -> None:
        from ..widgets.supervision_observation import observations_html

        if not self._built("observe"):
            return
        by_id = {s.id: s for s in self.sessions}
        mine = self.sup.observations()
        made = self.sup.observations_made()
        self.observations_view.value = (
            observations_html(mine, self.scale, title="Observations of your practice",
                              empty="Nobody has recorded an observation of your practice yet.",
                              sessions=by_id)
            + observations_html(made, self.scale, title="Observations you recorded",
                                empty="You have not recorded an observation yet.",
                                sessions=by_id))
        if self._built("diary"):
            self.diary_form.set_observations(mine)

    def refresh_diary(self) -> None:
        from ..widgets.supervision_diary import diary_html

        if not self._built("diary"):
            return
        entries = self.sup.diary()
        self.diary_form.set_entries(entries)
        own = [s for s in self.sessions if s.assessor == self.user]
        self.diary_share.set_choices(entries, own)
        self.diary_view.value = diary_html(entries, {p.id: p.label
                                                     for p in self.lists.diary_prompts},
                                           {s.id: s for s in self.sessions})

    def refresh_goals(self) -> None:
        from ..widgets.supervision_goals import goals_html

        if not self._built("goals"):
            return
        whose = self.goals_whose.value or self.user
        goals = self.sup.goals(whose)
        observations = self.sup.observations(whose)
        reviewed = [s for s in self.sessions if s.assessor == whose and s.plan_reviews]
        records = {
            "observation": [(f"Observation on {_day(o.observed_on)} by {o.observer}", o.id)
                            for o in observations],
            "plan_review": [(f"Plan review in the session on {_day(s.held_on)}", s.id)
                            for s in reviewed]}
        labels = {(k, ref): label for k, items in records.items() for label, ref in items}
        title = "Your development goals" if whose == self.user else f"Goals of {whose}"
        self.goals_view.value = goals_html(goals, title=title,
                                           sessions={s.id: s for s in self.sessions},
                                           records=labels)
        self.goal_review.set_choices(goals, [s for s in self.sessions if s.assessor == whose],
                                     records)

    def refresh_consent(self) -> None:
        if not self._built("sharing"):
            return
        self.consent_form.show(self.sup.consent())

    # -- sessions -----------------------------------------------------------------------------
    @safe_callback(_report, "showing the form")
    def _on_start_clicked(self, _b: Any = None) -> None:
        self.start_form.reset()
        self.start_form.layout.display = ""
        self.detail.layout.display = "none"
        self.start_form.role.focus()

    @safe_callback(_report, "saving the session")
    def _on_start(self, form: Any) -> None:
        self.start_session()

    def start_session(self) -> Any:
        """Save the new-session form; on success open the session saved."""
        rec = self._attempt(self.start_form, "the session",
                            lambda: self.sup.create_session(self.start_form.value))
        if rec is None:
            return None
        self.start_form.reset()
        self.start_form.layout.display = "none"
        self.refresh_sessions()
        self.open_session(rec.id)
        self.update_form.say(f"The session on {_day(rec.held_on)} is saved.")
        return rec

    @safe_callback(_report, "opening the session")
    def _on_open_session(self, session_id: int) -> None:
        self.open_session(session_id)

    def open_session(self, session_id: int) -> Any:
        """Show one session with its forms (supervisor and assessor only)."""
        from ..store import AccessDenied

        rec = self._attempt(None, "opening the session", lambda: self.sup.session(session_id))
        if rec is None:
            return None
        self.failure.clear()
        self.current = rec
        try:
            linkable = self.sup.assessments_of(rec.assessor)
        except AccessDenied:
            linkable = []
        follow = self.sup.actions_to_follow_up(rec.id)
        observations = []
        for oid in rec.observation_ids:
            try:
                observations.append(self.sup.observation(oid))
            except AccessDenied:
                continue
        shared = self.sup.shared_diary_entries(rec.id)
        goals = [g for g in self.sup.goals(rec.assessor) if g.session_id == rec.id]
        self.update_form.load(rec, self.user, linkable, follow)
        # ARMS assessments hold their risk management plan (the ARMS and live apps save them
        # as kind "arms"): reviewing only kind "plan" missed every plan written there.
        self.plan_review.set_plans([a for a in linkable if a.kind in PLAN_KINDS])
        self._review = None
        self.goal_form.reset()
        self._render_summary(rec, observations, shared, goals)
        if self._built("start"):
            self.start_form.layout.display = "none"
        self.detail.layout.display = ""
        return rec

    def _render_summary(self, rec: Any, observations: list[Any], shared: list[Any],
                        goals: list[Any]) -> None:
        from ..widgets.supervision_session import session_summary_html

        texts = {a.id: a.text for s in self.sessions for a in s.actions}
        self.summary.value = session_summary_html(
            rec, self.lists, action_texts=texts, observations=observations,
            shared_diary=shared, goals=goals,
            skill_labels={s.id: s.label for s in self.scale.skills},
            context_labels={c.id: c.label for c in self.scale.contexts},
            prompt_labels={p.id: p.label for p in self.lists.diary_prompts})

    @safe_callback(_report, "going back to your sessions")
    def _on_close(self, _b: Any = None) -> None:
        self.detail.layout.display = "none"
        self.current = None

    @safe_callback(_report, "saving the changes")
    def _on_update(self, form: Any) -> None:
        self.update_session()

    def update_session(self) -> Any:
        if self.current is None:
            return None
        sid = self.current.id
        rec = self._attempt(self.update_form, "the change",
                            lambda: self.sup.update_session(sid, self.update_form.value))
        if rec is not None:
            self.refresh_sessions()
            self.open_session(sid)
            self.update_form.say("Your changes to this session are saved.")
            self.refresh_goals()
        return rec

    # -- plan quality in the session ---------------------------------------------------------
    @safe_callback(_report, "opening the plan")
    def _on_open_plan(self, form: Any, assessment_id: int) -> None:
        self.open_plan(assessment_id)

    def open_plan(self, assessment_id: int) -> Any:
        """Evaluate the plan's latest version with the rubric and show the profile."""
        from ..instruments.plan_quality import evaluate
        from ..reports.payload import read_payload

        form = self.plan_review
        version = self._attempt(form, "opening the plan",
                                lambda: self.store.latest_version(assessment_id))
        if version is None:
            return None
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

    @safe_callback(_report, "adding the review")
    def _on_review(self, form: Any) -> None:
        self.add_review()

    def add_review(self) -> Any:
        """Judge the plan with the reviewer's scores and add the review to the session."""
        from ..instruments.plan_quality import Judgement, evaluate
        from ..supervision import PlanReview
        from ..widgets.supervision_forms import PageProblem

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
                                         "say why the plan meets it better than the automatic "
                                         "check found")], "the review")
            return None
        review = PlanReview.from_profile(profile, judgements, assessment_id=form.assessment_id,
                                         version=version.version)
        kept = [r for r in self.current.plan_reviews if r.assessment_id != form.assessment_id]
        sid = self.current.id
        rec = self._attempt(form, "the review", lambda: self.sup.update_session(
            sid, {"plan_reviews": [*kept, review]}))
        if rec is None:
            return None
        self.refresh_sessions()
        self.current = rec
        self.open_session(sid)
        self._review = (parts, version)
        form.show_profile(profile, review.assessment_id or 0, version.version, judgements,
                          title=f"Plan {review.assessment_id}, version {version.version}")
        form.say("The review is added to this session.")
        return review

    # -- goals set in the session -------------------------------------------------------------
    @safe_callback(_report, "setting the goal")
    def _on_goal(self, form: Any) -> None:
        self.set_goal()

    def set_goal(self) -> Any:
        if self.current is None:
            return None
        sid = self.current.id
        goal = self._attempt(self.goal_form, "the goal",
                             lambda: self.sup.set_goal(sid, self.goal_form.value))
        if goal is not None:
            self.open_session(sid)
            self.goal_form.say("The goal is set. Review it over time in Development goals.")
            self.refresh_goals()
        return goal

    # -- observation --------------------------------------------------------------------------
    @safe_callback(_report, "saving the observation")
    def _on_observation(self, form: Any) -> None:
        self.record_observation()

    def record_observation(self) -> Any:
        form = self.observation_form
        rec = self._attempt(form, "the observation",
                            lambda: self.sup.record_observation(form.value))
        if rec is None:
            return None
        form.reset()
        self.refresh_sessions()
        self.refresh_observations()
        linked = next((s for s in self.sessions if s.id == rec.session_id), None)
        if rec.session_id is None:
            where = "It will be linked to the assessor's next supervision session."
        elif linked is not None:
            where = f"It is linked to the supervision session on {_day(linked.held_on)}."
        else:
            where = "It is linked to the assessor's next supervision session."
        form.say(f"The observation of {rec.assessor} on {_day(rec.observed_on)} is saved. "
                 f"{where}")
        return rec

    # -- diary --------------------------------------------------------------------------------
    @safe_callback(_report, "saving the diary entry")
    def _on_diary(self, form: Any) -> None:
        self.write_diary()

    def write_diary(self) -> Any:
        """Save the form: a new entry, or the edit of one (refused if it changed meanwhile)."""
        form = self.diary_form
        editing = form.editing
        if editing is None:
            rec = self._attempt(form, "the entry",
                                lambda: self.sup.write_diary_entry(form.value))
        else:
            entry_id, version = editing
            rec = self._attempt(form, "the entry", lambda: self.sup.update_diary_entry(
                entry_id, form.value, expected_version=version))
        if rec is not None:
            form.reset()
            self.refresh_diary()
            form.say("Your changes are saved." if editing else
                     "Your entry is saved. It is private until you share it.")
        return rec

    @safe_callback(_report, "sharing the entry")
    def _on_share(self, form: Any) -> None:
        self.share_diary(withdraw=False)

    @safe_callback(_report, "withdrawing the entry")
    def _on_withdraw(self, form: Any) -> None:
        self.share_diary(withdraw=True)

    def share_diary(self, *, withdraw: bool) -> Any:
        from ..widgets.supervision_forms import PageProblem

        form = self.diary_share
        form.clear_problems()
        entry = form.entry.control.value
        session = None if withdraw else form.session.control.value
        problems = []
        if entry is None:
            problems.append(PageProblem("entry", "no entry chosen", "choose the entry"))
        if not withdraw and session is None:
            problems.append(PageProblem("session_id", "no session chosen",
                                     "choose the session to share it into"))
        if problems:
            form.show_problems(problems, "the sharing")
            return None
        rec = self._attempt(form, "the sharing",
                            lambda: self.sup.share_diary_entry(entry, session))
        if rec is not None:
            self.refresh_diary()
            form.say("The entry is private again." if withdraw else
                     "The entry is shared: the supervisor of that session can read it.")
        return rec

    # -- goals --------------------------------------------------------------------------------
    @safe_callback(_report, "showing the goals")
    def _on_whose(self, _change: Any = None) -> None:
        self.goal_review.reset()
        self.refresh_goals()

    @safe_callback(_report, "saving the review")
    def _on_goal_review(self, form: Any) -> None:
        self.review_goal()

    def review_goal(self) -> Any:
        from ..widgets.supervision_forms import PageProblem

        form = self.goal_review
        form.clear_problems()
        goal_id = form.goal.control.value
        if goal_id is None:
            form.show_problems([PageProblem("goal", "no goal chosen", "choose the goal to review")],
                               "the review")
            return None
        rec = self._attempt(form, "the review", lambda: self.sup.review_goal(goal_id,
                                                                             form.value))
        if rec is not None:
            form.reset()
            self.refresh_goals()
            form.say("The review is saved; the goal's earlier status is kept in its history.")
        return rec

    # -- consent and CPD ----------------------------------------------------------------------
    @safe_callback(_report, "saving your choice")
    def _on_consent(self, form: Any) -> None:
        self.save_consent()

    def save_consent(self) -> Any:
        form = self.consent_form
        value = form.value
        saved = self._attempt(form, "your choice", lambda: self.sup.set_consent(value))
        if saved is not None:
            form.show(saved)
            form.say("Your choice is saved." + (" Your team lead can now see your own results."
                                                if saved else " Your team lead sees anonymised "
                                                "team figures only."))
        return saved

    @safe_callback(_report, "exporting your CPD portfolio")
    def _on_export(self, fmt: str) -> None:
        self.export_cpd(fmt)

    def export_cpd(self, fmt: str) -> Any:
        """Write the CPD portfolio (atomic, audited) and offer it for download."""
        from ..reports.cpd import export_path, write_cpd_portfolio
        from ..settings import get_settings
        from ..store import AccessDenied

        try:
            path = export_path(get_settings().data_dir / "exports", self.user, fmt)
            written = write_cpd_portfolio(self.store, self.user, path, fmt)
            data = written.read_bytes()
        except AccessDenied as exc:
            self.cpd_export.fail(_plain(exc))
            return None
        except Exception:
            ref = uuid.uuid4().hex[:8]
            log.exception("could not export the CPD portfolio (reference %s)", ref)
            self.cpd_export.fail(f"Your CPD portfolio could not be exported. Try again; if it "
                                 f"happens again, tell the workbook team and quote reference "
                                 f"{ref}.")
            return None
        self.cpd_export.show_file(written, data, fmt)
        return written


def _day(d: Any) -> str:
    from ..widgets.supervision_forms import date_text

    return date_text(d)


def supervision(store: Store | None = None) -> w.Widget:
    """Build the supervision page. Returns the widget (the notebook's last expression shows it).

    `store` defaults to the configured database, acting as `current_user()`. A readable message
    replaces a traceback if the page cannot be built."""
    try:
        if store is None:
            from ..store import open_store

            store = open_store()
        return SupervisionApp(store)
    except Exception as exc:
        from .startup import could_not_start

        return could_not_start("The supervision workbook", exc)
