"""ARMS practice (workbooks/arms_practice.ipynb): pick a training case, then a task list — read
the case file, rate the risk and protective factors, write the formulation and the plan —
"Check your answers", submit, and compare with the case's key (the feedback opens at the top of
the page). The case file can be shown beside every rating section.

Lean: the page builds with no pandas, plotly or SQLAlchemy. Each submitted attempt is kept
(`apps/arms_attempts.py`, the database opened on the first submit) and shown in the person's
progress at the foot of the page.
"""

from __future__ import annotations

import logging
from typing import Any

import ipywidgets as w

from ..widgets.fields import Field, Notice, esc, form_style, safe_callback, text_button
from ..widgets.tasklist import COMPLETED, NOT_STARTED, Section, TaskListJourney
from .arms_sections import about, arms_problem, arms_sections, box, hint, plan_sections
from .startup import guarded

log = logging.getLogger("rso_widgets.apps.arms_practice")

NOTE = "Enter fictional case material only."


def _report_practice(app: ARMSPractice, message: str) -> None:
    app.failure.say(message, kind="error", heading="Sorry, there is a problem")


class CaseFileReveal(w.VBox):
    """"Show the case file" / "Hide the case file" above a section: the same reader in each."""

    def __init__(self, case_file: w.Widget):
        self.case_file = case_file
        self.toggle = text_button("Show the case file")
        self.toggle.add_class("rso-task-link")
        self.toggle.on_click(self._on_toggle)
        self.holder = w.VBox([case_file], layout=w.Layout(display="none"))
        super().__init__([self.toggle, self.holder])
        self.add_class("rso-case-file-reveal")

    def _on_toggle(self, _b: Any = None) -> None:
        shown = self.holder.layout.display != "none"
        self.holder.layout.display = "none" if shown else ""
        self.toggle.description = "Show the case file" if shown else "Hide the case file"


class ARMSPractice(w.VBox):
    """Pick a case; then the task list: read it, rate ARMS, write a plan, check, submit and
    compare with the key."""

    def __init__(self, cases: list[Any] | None = None, store: Any = None,
                 user: str | None = None):
        """`store`: where submitted attempts are kept (default: the database, opened on the
        first submit or when progress is asked for); `user`: default the signed-in user."""
        # deferred: inside the start-up guard (startup.guarded); see test_deferred_imports
        from ..cases import load_cases
        from ..widgets.arms_feedback_view import ArmsFeedbackView
        from .arms_attempts import KeptAttempts
        from .lazy_forms import ARMSAnswers, PlanAnswers

        all_cases = load_cases() if cases is None else cases
        self.cases = {c.id: c for c in all_cases if c.arms_key is not None}
        self.case: Any = None
        self.cat: Any = None
        self.read = False  # the case file section was opened
        self.failure = Notice(layout=w.Layout(display="none"))
        self.picker = w.Dropdown(
            options=[(f"{c.id}: {c.title} ({c.difficulty})", c.id) for c in self.cases.values()],
            index=None, layout=w.Layout(flex_flow="column", align_items="flex-start"))
        picker = Field(self.picker, "Training case",
                       "Every case is fictional. Each has an ARMS key and a key plan written by "
                       "an experienced assessor.", size="wide")
        self.open_button = text_button("Open the case", primary=True)
        self.open_button.on_click(self._on_open)
        # Opening another case replaces the work on screen: ask first if it is unsubmitted.
        self.switch_notice = Notice()
        self.switch_confirm = text_button("Open it and discard my answers")
        self.switch_cancel = text_button("Keep working on this case", primary=True)
        self.switch_confirm.on_click(self._on_switch_confirm)
        self.switch_cancel.on_click(self._on_switch_cancel)
        self.switch_box = w.VBox([self.switch_notice,
                                  w.HBox([self.switch_cancel, self.switch_confirm])],
                                 layout=w.Layout(display="none"))
        self._dirty = False  # answers changed since the case was opened or last submitted
        self.case_file = _case_file_view()
        # the forms are built when a section first shows them (`lazy_forms`)
        self.arms_answers = ARMSAnswers(date_editable=False)
        self.plan_answers = PlanAnswers(self.arms_answers.cat, self.arms_answers.value)
        self.arms_answers.value_changed.append(self._on_arms)
        for part in (self.arms_answers, self.plan_answers):
            part.on_build.append(lambda form: form.observe(self._on_edit, names="value"))
        self.status = Notice(layout=w.Layout(display="none"))
        self.feedback = ArmsFeedbackView()
        self.kept = KeptAttempts(store, user, {c.id: c.title for c in self.cases.values()})
        reveal = [CaseFileReveal(self.case_file)]

        def opened() -> bool:
            return self.case is not None

        self.journey = TaskListJourney(
            "Practise ARMS on this case", [
                Section("case", "Read the case file",
                        self._build_case_section,
                        lambda: COMPLETED if self.read else NOT_STARTED,
                        summary=lambda: [("Case", f"{self.case.id}: {self.case.title}"
                                          if self.case else "None")], required=False),
                *arms_sections(self.arms_answers, opened, before=reveal),
                *plan_sections(self.plan_answers, opened, before=reveal)],
            submit_label="Submit and compare with the key", on_submit=self._journey_submit,
            intro="Work through the tasks in order or in any order you like. You can submit "
                  "with gaps: the assessment is compared as it stands.",
            check_intro="Your answers are compared with the key when you submit. You can "
                        "change them and submit again.")
        self.submit_button = self.journey.submit_button
        self.work = w.VBox([self.journey], layout=w.Layout(display="none"))
        cat = self.arms_answers.cat
        intro = w.HTML(f'<p class="rso-intro">{esc(NOTE)} Choose a case, then work through its '
                       "tasks.</p>")
        details = about("About this practice", f"ARMS catalogue <code>{esc(cat.ref)}</code>: "
                        f"{esc(cat.provenance.status)}.")
        super().__init__([form_style(), intro, details, self.failure, picker, self.open_button,
                          self.switch_box, self.work, self.kept])
        self.add_class("rso-form")
        self.add_class("rso-arms-practice")
        self.add_class("rso-page")

    def _build_case_section(self) -> w.Widget:
        self.read = True
        return box([hint("Read it all before you rate: the evidence for each factor is "
                         "somewhere in these documents. It can be shown again above each "
                         "task."), self.case_file])

    arms = property(lambda self: self.arms_answers.form, doc="The ARMS form (built on first use).")
    plan = property(lambda self: self.plan_answers.form, doc="The plan (built on first use).")

    @safe_callback(_report_practice, "updating the plan from the ratings")
    def _on_arms(self, value: Any) -> None:
        self.plan_answers.arms = value

    def _on_edit(self, _change: Any = None) -> None:
        if self.case is not None:
            self._dirty = True

    @property
    def has_unsubmitted_work(self) -> bool:
        """True when the answers on screen changed since the case was opened or submitted."""
        return self.case is not None and self._dirty

    @safe_callback(_report_practice, "opening the case")
    def _on_open(self, _button: Any = None) -> None:
        if self.picker.value is None:
            self.failure.say("Choose a training case first.", kind="error",
                             heading="No case chosen")
            self.picker.focus()
            return
        if self.has_unsubmitted_work and self.picker.value != self.case.id:
            self.switch_notice.say(
                f"Your answers for {self.case.id} have not been submitted. Practice answers are "
                f"not saved: opening {self.picker.value} starts a blank attempt and your "
                f"answers for {self.case.id} are lost.", kind="error",
                heading="Open another case?")
            self.switch_box.layout.display = ""
            self.switch_cancel.focus()
            return
        self.open_case(self.picker.value)

    @safe_callback(_report_practice, "opening the case")
    def _on_switch_confirm(self, _button: Any = None) -> None:
        self.switch_box.layout.display = "none"
        if self.picker.value is not None:
            self.open_case(self.picker.value)

    @safe_callback(_report_practice, "going back to the case")
    def _on_switch_cancel(self, _button: Any = None) -> None:
        self.switch_box.layout.display = "none"
        if self.case is not None:
            self.picker.value = self.case.id

    def open_case(self, case_id: str) -> None:
        """Start a blank attempt at the case and show its task list."""
        # deferred: loaded when used, not at page start; see test_deferred_imports
        from ..calibration.arms_feedback import blank_attempt
        from ..cases.arms_key import key_catalogue
        from ..instruments.plan import RiskManagementPlan

        case = self.cases[case_id]
        cat = key_catalogue(case)
        if cat.ref != self.arms_answers.cat.ref:
            raise ValueError(f"{case.id}'s key uses the ARMS catalogue {cat.ref}, but this page "
                             f"uses {self.arms_answers.cat.ref}")
        self.failure.clear()
        self.case, self.cat = case, cat
        self.read = False
        self.journey.built.pop("case", None)  # reading it again counts as reading
        self.case_file.show(case)
        self.arms_answers.reset(blank_attempt(case, cat=cat))
        self.plan_answers.reset(RiskManagementPlan())
        self.feedback.clear()
        self.status.clear()
        self.switch_box.layout.display = "none"
        self._dirty = False
        self.journey.title = f"Practise ARMS on {case.id}: {case.title}"
        self.journey.show_task_list()
        self.work.layout.display = ""

    def _journey_submit(self, journey: TaskListJourney) -> None:
        notes = self.arms_answers.unfinished_notes()
        if notes:  # never compared without them: every one listed, each "Go to" its row
            journey.show_problems([
                (label, message, journey.target(key, control))
                for label, message, key, control in (arms_problem(self.arms, g)
                                                     for g in notes)])
            return
        if self.submit() is not None:
            journey.show_result("Compared with the key", [self.status, self.feedback])

    @safe_callback(_report_practice, "comparing your answers with the key")
    def _on_submit(self, _button: Any = None) -> None:
        self.submit()

    def submit(self) -> Any:
        """Compare the attempt (and plan) with the key; show and return the feedback."""
        # deferred: loaded when used, not at page start; see test_deferred_imports
        from ..calibration.arms_feedback import compare_arms
        from ..instruments.arms import notes_refusal

        if self.case is None:
            self.status.say("Open a training case first.", kind="error")
            return None
        refused = notes_refusal([g.message for g in self.arms_answers.unfinished_notes()])
        if refused:  # a gap is compared as it stands; a note is never left out without a word
            self.status.say(refused, kind="error", heading="Not compared yet")
            return None
        arms, plan = self.arms_answers.value, self.plan_answers.value
        fb = compare_arms(self.case, arms, plan, cat=self.cat)
        self.feedback.show(fb)
        self._dirty = False
        saved = self.kept.save(self.case, arms, plan, fb)
        n = len(self.arms_answers.gaps)
        gaps = (f" Your assessment still has {n} gap{'s' if n != 1 else ''}; it was compared "
                "as it stands.") if n else ""
        kept = (" Your attempt is saved and shows in your progress at the foot of the page."
                if saved else " This attempt could not be saved, so it will not show in your "
                "progress; if it happens again, tell the workbook team.")
        self.status.say(f"Submitted. {fb.summary.line()}.{gaps}{kept} The feedback is below; go "
                        "back to the task list to change your answers and submit again "
                        "whenever you like.", heading="Compared with the key")
        self.kept.refresh()
        return fb


def _case_file_view() -> Any:
    """The shared case-file reader (widgets/case_file.py)."""
    # deferred: loaded when used, not at page start; see test_deferred_imports
    from ..widgets.case_file import CaseFile

    return CaseFile(height="60vh")


def arms_practice() -> w.Widget:
    """Build the ARMS practice page (a readable message instead of a traceback on failure)."""
    return guarded("The ARMS practice page", ARMSPractice)
