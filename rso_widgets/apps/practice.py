"""RM2000 practice mode, for `workbooks/rm2000_practice.ipynb`: pick a fictional training case,
read its case file, score it with the same `RM2000Form` used for live assessment, submit, and get
feedback against the expert key; progress is kept between sessions.

Assembles widgets only: comparison and error typing come from `calibration.feedback`, progress
from a `PracticeStore` (the database store by default; any object with the protocol's methods in
tests). Every callback catches its exceptions, logs them and shows a friendly message. The key is
never shown before an attempt is submitted.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import ipywidgets as w
from pydantic import ValidationError

from ..calibration import feedback as rm2000_feedback  # module: tests replace its compare()
from ..calibration.confidence import RM2000_TOPICS, judged
from ..calibration.feedback import Attempt, Feedback, disputed_what_ifs
from ..calibration.progress import PracticeStore, PracticeSummary, record_attempt
from ..cases import load_cases
from ..cases.schema import TrainingCase
from ..instruments.rm2000 import RM2000ValidationError, score
from ..instruments.ruleset import RM2000Ruleset, load_rm2000_ruleset
from ..settings import get_settings
from ..store.identity import current_user, display_name
from ..widgets.case_file import CaseFile, reading_and_scoring
from ..widgets.case_picker import CasePicker
from ..widgets.confidence import ConfidenceFeedback, ConfidenceInput, ConfidenceProgress
from ..widgets.feedback import FeedbackView
from ..widgets.fields import Notice, esc, form_style, safe_callback, text_button
from ..widgets.own_result import OwnResult, refusal
from ..widgets.progress import PracticeProgress
from ..widgets.rm2000_form import RM2000Form
from .practice_store import (
    IMPORT_MARKER,
    MemoryPracticeStore,
    import_interim_files,
    open_practice_store,
)
from .startup import could_not_start

log = logging.getLogger("rso_widgets.apps.practice")

NOTE = ("All cases are fictional: the people, places and events are invented for training. "
        "Read the case file, score RM2000 with the form, then submit to compare your answers "
        "with the expert key. The key is shown only after you submit.")


def _report(app: PracticeApp, message: str) -> None:
    app.failure.say(message, kind="error", heading="Sorry, there is a problem")


def _report_open(app: PracticeApp, message: str) -> None:
    app.picker.failure.say(message, kind="error", heading="Sorry, there is a problem")


# --- the page -----------------------------------------------------------------------------------

class PracticeApp(w.VBox):
    """The practice page: picker, case file beside the form, your result, feedback, progress."""

    def __init__(self, cases: Iterable[TrainingCase], store: PracticeStore, user: str,
                 ruleset: RM2000Ruleset | None = None, notices: Iterable[str] = (),
                 **kwargs: Any):
        if ruleset is None:
            ruleset = load_rm2000_ruleset(get_settings().rm2000_ruleset)
        self.rs = ruleset
        self.cases = {c.id: c for c in cases}
        self.store = store
        self.user = user
        self.case: TrainingCase | None = None
        self.attempt: Attempt | None = None
        self.feedback: Feedback | None = None
        self.attempt_no: int | None = None

        self.picker = CasePicker(self.cases.values())
        self.picker.on_open(self._on_open)
        self.case_file = CaseFile()
        self.form = RM2000Form(ruleset=ruleset)
        self.own = OwnResult(ruleset.categories)
        self.own.observe(self._on_mode, names="mode")
        self.form.observe(self._on_answers, names="value")
        self.own.observe(self._on_answers, names="value")
        self.confidence = ConfidenceInput(RM2000_TOPICS)  # optional; stored with the attempt
        self.confidence_feedback = ConfidenceFeedback()
        self.confidence_progress = ConfidenceProgress()
        self.submit_button = text_button("Submit for feedback", primary=True,
                                         tooltip="Compare your answers with the expert key")
        self.submit_button.on_click(self._on_submit)
        self.retry_button = text_button("Try this case again",
                                        tooltip="Keep this attempt and try again with your "
                                                "answers as they are")
        self.retry_button.on_click(self._on_retry)
        self.blank_button = text_button("Try again with a blank form",
                                        tooltip="Keep this attempt and start the case again")
        self.blank_button.on_click(self._on_retry_blank)
        self.retry_button.add_class("rso-retry-button")
        self.retry_box = w.HBox([self.retry_button, self.blank_button],
                                layout=w.Layout(display="none", flex_flow="row wrap"))
        self.status = Notice(layout=w.Layout(display="none"))
        self.failure = Notice(layout=w.Layout(display="none"))
        self.heading = w.HTML(value="")
        self.feedback_view = FeedbackView()
        self.progress = PracticeProgress(labels=self._labels(),
                                         titles={c.id: c.title for c in self.cases.values()})

        self.work = reading_and_scoring(
            self.case_file, "Use the same RM2000 form as for a live assessment. Select Score to "
            "check your answers as you go; the key is shown only after you submit.",
            [self.form, self.own, self.confidence, self.submit_button, self.retry_box,
             self.status, self.failure])
        # the feedback goes above the case file and the form, where focus moves after a
        # submit: below them it was a long scroll away (GOV.UK: feedback at the top)
        self.workspace = w.VBox([self.heading, self.feedback_view, self.confidence_feedback,
                                 self.work],
                                layout=w.Layout(display="none"))
        self.intro = intro = w.HTML(
            f'<p class="rso-note">'
            f"{esc(NOTE)}<br>Your attempts are kept under your name "
            f"(<strong>{esc(display_name(user))}</strong>). Ruleset "
            f"<code>{esc(ruleset.ref)}</code>: {esc(ruleset.provenance.status)}.</p>")
        self.notices = Notice(layout=w.Layout(display="none"))
        notes = [str(n) for n in notices if n]
        if notes:
            self.notices.say(" ".join(notes), kind="error", heading="Please note")
        super().__init__(children=[form_style(), intro, self.notices, self.picker, self.workspace,
                                   self.progress, self.confidence_progress],
                         **kwargs)
        self.add_class("rso-practice")
        self._refresh_progress()

    def _labels(self) -> dict[str, str]:
        rs = self.rs
        labels = {i.id: i.label for scale in (rs.s, rs.v) for i in scale.items}
        if rs.s.step2 is not None:
            labels |= {f.id: f.label for f in rs.s.step2.factors}
        return labels

    # -- progress ----------------------------------------------------------------------------
    def _refresh_progress(self) -> PracticeSummary | None:
        try:
            summary = self.store.summary(self.user)
        except Exception:
            log.exception("could not read the practice progress of %s", self.user)
            self.progress.body.value = (
                "<h2>Your progress</h2><p role='alert'>Your earlier attempts cannot be read "
                "right now. You can still practise; try reloading the page later.</p>")
            return None
        self.progress.show(summary)
        self.confidence_progress.show(summary.confidence)
        self.picker.set_progress(summary.cases)
        return summary

    # -- opening a case ----------------------------------------------------------------------
    @safe_callback(_report_open, "opening the case")
    def _on_open(self, case_id: str) -> None:
        self.open_case(case_id)

    def open_case(self, case_id: str) -> None:
        """Show the case file and an empty form for `case_id` (no key, no feedback)."""
        case = self.cases[case_id]
        self.case = case
        self.attempt = self.feedback = None
        self.attempt_no = None
        self.form.today = case.assessment_date
        self.form.reset()
        self.own.reset()
        self.confidence.reset()
        self.case_file.show(case)
        self.feedback_view.clear()
        self.confidence_feedback.clear()
        self.failure.clear()
        self.status.clear()
        self.heading.value = (f"<h2 class='rso-practice-case'>"
                              f"Practising {esc(case.id)}: {esc(case.title)}</h2>")
        if self.picker.value != case_id:
            self.picker.value = case_id
        self._editing(True)
        self.workspace.layout.display = ""
        self.work.layout.display = ""

    def _editing(self, editing: bool) -> None:
        self.submit_button.layout.display = "" if editing else "none"
        self.retry_box.layout.display = "none" if editing else ""

    # -- your result mode --------------------------------------------------------------------
    @safe_callback(_report, "changing how you give your result")
    def _on_mode(self, change: dict[str, Any]) -> None:
        # working it out yourself: the form's Score button would do the arithmetic for you
        self.form.score_button.layout.display = "none" if change["new"] == "own" else ""

    @safe_callback(_report, "noting your change")
    def _on_answers(self, _change: Any = None) -> None:
        if self.feedback is not None:
            self.status.say("You have changed your answers since you submitted them. The "
                            "feedback above the case file is for the answers you submitted: "
                            "select Try this case again to submit the new ones.")

    # -- submitting ----------------------------------------------------------------------------
    @safe_callback(_report, "comparing your answers with the key")
    def _on_submit(self, _button: Any = None) -> None:
        self.submit()

    def submit(self) -> Feedback | None:
        """Compare the form and your result with the key, keep the attempt, show feedback."""
        self.failure.clear()
        if self.case is None:
            self.status.say("Choose a case and select Open this case first.", kind="error")
            return None
        case = self.case
        refused = refusal(self.own)  # your result's problems, shown beside its fields
        unmarked = self.confidence.check() if self.confidence.value else []  # all or none
        if unmarked:
            refused = (refused + " " if refused else "") + " ".join(m for _, m, _ in unmarked)
        data = {"facts": dict(self.form.value), "entered": dict(self.own.value) or None}
        try:
            if refused:  # still check the facts, so every problem shows in this one pass
                score(data["facts"], ruleset=self.rs, today=case.assessment_date)
                self.status.say(refused, kind="error")
                return None
            attempt = Attempt.model_validate(data)
            feedback = rm2000_feedback.compare(case, attempt, self.rs)
        except (ValidationError, RM2000ValidationError):
            self.form.submit()  # shows each problem next to its field and in the summary
            self.status.say(f"{refused + ' ' if refused else ''}Your answers cannot be "
                            "compared with the key yet: correct the problems shown in the "
                            "form, then submit again.", kind="error")
            return None
        what_ifs = disputed_what_ifs(case, attempt, feedback, self.rs)
        saved = self._save(case, attempt, feedback)
        self.attempt, self.feedback = attempt, feedback
        self.feedback_view.show(feedback, what_ifs, self.attempt_no)
        self.feedback_view.focus()  # the Submit button is hidden: focus goes to the feedback
        self._show_confidence(feedback)
        self._editing(False)
        if saved:
            self.status.say(f"Attempt {self.attempt_no} at {case.id} is saved. Your feedback is "
                            "above the case file.")
        self._refresh_progress()
        return feedback

    def _save(self, case: TrainingCase, attempt: Attempt, feedback: Feedback) -> bool:
        try:
            self.store.add_attempt(record_attempt(self.user, case, attempt, feedback,
                                                  confidence=self.confidence.value))
            self.attempt_no = len(self.store.attempts(self.user, case.id))
            return True
        except Exception:
            log.exception("could not save a practice attempt at %s for %s", case.id, self.user)
            self.attempt_no = None
            self.status.say("Your feedback is above the case file, but this attempt could not "
                            "be saved, so it will not show in your progress. Try again later; "
                            "if it happens again, tell the workbook team.", kind="error")
            return False

    def _show_confidence(self, feedback: Feedback) -> None:
        answers = {c.scale: (c.trainee, c.key) for c in feedback.categories}
        self.confidence_feedback.show(judged(self.confidence.value, answers), RM2000_TOPICS)

    # -- retrying ------------------------------------------------------------------------------
    @safe_callback(_report, "starting the case again")
    def _on_retry(self, _button: Any = None) -> None:
        self.retry(blank=False)

    @safe_callback(_report, "starting the case again")
    def _on_retry_blank(self, _button: Any = None) -> None:
        self.retry(blank=True)

    def retry(self, blank: bool = False) -> None:
        """Try the open case again; the attempts already submitted are kept."""
        if self.case is None:
            return
        self.feedback_view.clear()
        self.confidence_feedback.clear()
        self.failure.clear()
        self.attempt = self.feedback = None
        if blank:
            self.form.reset()
            self.own.reset()
            self.confidence.reset()
        self._editing(True)
        self.status.say("Your earlier attempts are kept. "
                        + ("The form is empty: score the case again and submit."
                           if blank else "Your answers are as you left them: change them and "
                                         "submit again."))


def rm2000_practice(store: PracticeStore | None = None, user: str | None = None,
                    cases: Iterable[TrainingCase] | None = None) -> w.Widget:
    """Build the practice page. Returns the widget (the notebook's last expression shows it).

    `store` defaults to the database (`SqlPracticeStore(open_store())`, the interim JSON Lines
    files imported once); `user` to `current_user()`; `cases` to the shipped training cases.
    A readable message replaces a traceback if the page cannot be built.
    """
    try:
        if user is None:
            user = current_user()
        if cases is None:
            cases = load_cases()
        notices: list[str] = []
        if store is None:
            try:
                store, notices = open_practice_store(user)
            except Exception:
                log.exception("the practice database could not be opened")
                store = MemoryPracticeStore()
                notices = ["Your attempts cannot be saved right now: they will be lost when you "
                           "close this page. Tell the workbook team."]
        return PracticeApp(cases, store, user, notices=notices)
    except Exception as exc:
        return could_not_start("RM2000 practice", exc)


__all__ = ["IMPORT_MARKER", "MemoryPracticeStore", "PracticeApp", "import_interim_files",
           "open_practice_store", "rm2000_practice"]
