"""The trainee workshop page's workspace (`WorkshopTraineeApp`, workshop_trainee.py): the case
list, case file, RM2000 and ARMS forms and feedback views, built when the person joins (lean
first view, issue 12: the widget imports below are deferred because the join form needs none of
them; a preheated page that never joins never loads them), and the feedback shown once the key
is released.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import ipywidgets as w

from ..timefmt import clock_text
from ..widgets.fields import Notice, esc, focus_target, text_button

if TYPE_CHECKING:
    from ..cases.schema import TrainingCase


class TraineeWorkspace:
    """Mixin of `WorkshopTraineeApp`: builds its workspace and shows feedback."""

    def _build_workspace(self) -> None:
        """Build the case list, case file, forms and feedback views (once)."""
        # deferred: lean first view (issue 12), see tests/test_deferred_imports.py
        from ..widgets.arms_feedback_view import ArmsFeedbackView
        from ..widgets.case_file import CaseFile, reading_and_scoring
        from ..widgets.feedback import FeedbackView
        from ..widgets.own_result import OwnResult
        from ..widgets.rm2000_form import RM2000Form
        from ..widgets.timing import Debouncer
        from ..widgets.workshop_live import Ticker

        self._workspace_built = True
        ruleset, check_seconds = self.rs, self._check_seconds
        autosave_seconds = self._autosave_seconds
        self.heading = focus_target(w.HTML(value=""))  # focus moves here on joining
        self.state = w.HTML(value="")
        self.check_button = text_button("Check for the key",
                                        tooltip="See whether the trainer has released the key "
                                                "or closed the workshop, and what you saved or "
                                                "submitted in another window")
        self.check_button.on_click(self._on_check)
        self.ticker = Ticker(check_seconds, self._tick)
        self.choice = w.Dropdown(options=[], description="Case", description_allow_html=False,
                                 style={"description_width": "initial"},
                                 layout=w.Layout(width="auto", max_width="100%"))
        self.open_button = text_button("Open this case", primary=True)
        self.open_button.on_click(self._on_open)
        self.case_heading = w.HTML(value="")
        self.case_file = CaseFile()
        self.form = RM2000Form(ruleset=ruleset)
        self.own = OwnResult(ruleset.categories)
        self.own.observe(self._on_mode, names="mode")
        for widget, names in ((self.form, ["value", "evidence"]), (self.own, ["value"])):
            widget.observe(self._on_change, names=names)
        self.submit_button = text_button("Submit your answers", primary=True,
                                         tooltip="Send your answers to the trainer")
        self.submit_button.on_click(self._on_submit)
        self.status = Notice(layout=w.Layout(display="none"))
        self.draft_status = w.HTML(value="")
        # a save refused because the answers changed in another window (`workshop_answers`):
        # focus moves there, as on the room page (typing on would save nothing)
        self.conflict = focus_target(Notice(layout=w.Layout(display="none")))
        self.feedback_head = focus_target(w.HTML(value=""))
        self.feedback_view = FeedbackView()
        self.arms_feedback = ArmsFeedbackView()
        self.autosave = Debouncer(autosave_seconds, self._autosave_now)
        self.rm_section = w.VBox([
            w.HTML("<h3 class='rso-kit-heading'>RM2000</h3>"
                   "<p class='rso-hint'>The same "
                   "RM2000 form as for a live assessment.</p>"), self.form, self.own])
        self.arms_box = w.VBox([])
        self.arms_section = w.VBox([
            w.HTML("<h3 class='rso-kit-heading'>ARMS</h3>"
                   "<p class='rso-hint'>Rate every "
                   "factor from the case file, with your evidence; then the formulation and "
                   "the priority for work. The room is compared on the ratings.</p>"),
            self.arms_box], layout=w.Layout(display="none"))
        self.arms_section.add_class("rso-workshop-arms")

        self.work = reading_and_scoring(
            self.case_file, "Score what the trainer chose for this case. Submit when you are "
            "ready; you can change your answers and submit again until the workshop closes (the "
            "latest counts).",
            [self.conflict, self.rm_section, self.arms_section, self.submit_button, self.status,
             self.draft_status])
        self.workspace = w.VBox([
            self.heading, self.state, self.check_button, self.ticker,
            w.HTML("<h2 class='rso-kit-heading'>Choose a case</h2>"),
            self.choice, self.open_button, self.case_heading, self.work, self.feedback_head,
            self.feedback_view, self.arms_feedback], layout=w.Layout(display="none"))
        self.workspace_slot.children = [self.workspace]

    def _arms_form_for(self, case: TrainingCase) -> Any:
        """The ARMS form, built on first use with the catalogue the case's key was written for
        (rebuilt if a case uses another catalogue)."""
        # deferred: lean first view (issue 12), see tests/test_deferred_imports.py
        from ..cases.arms_key import key_catalogue
        from ..widgets.arms_form import ARMSForm

        cat = key_catalogue(case)
        if self.arms is None or self.arms.cat.ref != cat.ref:
            if self.arms is not None:
                self.arms.unobserve(self._on_change, names="revision")
            self.arms = ARMSForm(catalogue=cat, date_editable=False)
            # every edit, an evidence note not finished yet too (it is not in `value`, but the
            # draft keeps it), as the record page does
            self.arms.observe(self._on_change, names="revision")
            self.arms_box.children = [self.arms]
        return self.arms

    # -- feedback (only once released) ---------------------------------------------------------
    def _show_feedback(self, case_id: str) -> None:
        # deferred: lean first view (issue 12), see tests/test_deferred_imports.py
        from ..calibration.feedback import Attempt, disputed_what_ifs
        from ..calibration.workshop import submission_parts, trainee_feedback

        if not self.released:  # never show the key before the trainer releases it
            self.feedback_view.clear()
            self.arms_feedback.clear()
            self.feedback_head.value = ""
            return
        sub = self.submitted.get(case_id)
        if sub is None:
            self.feedback_head.value = ("<h2 class='rso-kit-heading'>Your feedback</h2>"
                                        "<p>You did not submit this case, so there is no "
                                        "feedback for it.</p>")
            self.feedback_view.clear()
            self.arms_feedback.clear()
            return
        case = self.cases[case_id]
        fb = trainee_feedback(case, sub.attempt, self.rs)
        problems = "".join(f"<p role='alert'>{esc(p)}</p>" for p in fb.problems)
        self.feedback_head.value = (f"<h2 class='rso-kit-heading'>Your feedback on "
                                    f"{esc(case_id)}</h2><p class='rso-hint-text'>For the "
                                    f"answers you submitted at {clock_text(sub.created_at)}.</p>"
                                    + problems)
        if fb.rm2000 is not None:
            attempt = Attempt.model_validate(submission_parts(sub.attempt)[0])
            self.feedback_view.show(fb.rm2000, disputed_what_ifs(case, attempt, fb.rm2000,
                                                                 self.rs))
        else:
            self.feedback_view.clear()
        if fb.arms is not None:
            self.arms_feedback.show(fb.arms)
        else:
            self.arms_feedback.clear()
