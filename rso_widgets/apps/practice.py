"""RM2000 practice mode, for `workbooks/rm2000_practice.ipynb`: pick a fictional training case,
read its case file, score it with the same `RM2000Form` used for live assessment, submit, and get
feedback against the expert key; progress is kept between sessions.

Assembles widgets only: comparison and error typing come from `calibration.feedback`, progress
from a `PracticeStore` (the database store by default; any object with the protocol's methods in
tests). Every callback catches its exceptions, logs them and shows a friendly message. The key is
never shown before an attempt is submitted.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from ..widgets.fields import Notice, esc, safe_callback, text_button

if TYPE_CHECKING:
    from ..calibration.feedback import Attempt, Feedback
    from ..calibration.progress import PracticeRecord, PracticeStore, PracticeSummary
    from ..cases.schema import TrainingCase
    from ..instruments.ruleset import RM2000Ruleset

log = logging.getLogger("rso_widgets.apps.practice")

NOTE = ("All cases are fictional: the people, places and events are invented for training. "
        "Read the case file, score RM2000 with the form, then submit to compare your answers "
        "with the expert key. The key is shown only after you submit.")
IMPORT_MARKER = ".imported-into-database.json"
# A column with a height limit scrolls; without this its children would shrink to fit instead.
APP_CSS = """
.rso-scroll > * { flex-shrink: 0 !important; }
.rso-practice .widget-html-content { line-height: 1.4; }
"""


def _report(app: PracticeApp, message: str) -> None:
    app.failure.say(message, kind="error", heading="Sorry, there is a problem")


def _report_open(app: PracticeApp, message: str) -> None:
    app.picker.failure.say(message, kind="error", heading="Sorry, there is a problem")


class MemoryPracticeStore:
    """A `PracticeStore` that keeps attempts in memory (tests; or when the database cannot be
    opened, so the page still works)."""

    def __init__(self, records: Iterable[PracticeRecord] = ()) -> None:
        self.records: list[PracticeRecord] = list(records)

    def add_attempt(self, record: PracticeRecord) -> None:
        self.records.append(record)

    def attempts(self, user: str, case_id: str | None = None) -> list[PracticeRecord]:
        return [r for r in self.records
                if r.user == user and (case_id is None or r.case_id == case_id)]

    def summary(self, user: str) -> PracticeSummary:
        from ..calibration.progress import summarise

        return summarise(user, self.attempts(user))


# --- the database store, with the interim JSON Lines files imported once ----------------------

def import_interim_files(store: Any, folder: Path, user: str | None = None) -> list[str]:
    """Import `folder/*.jsonl` (the interim file store) into `store` (a `SqlPracticeStore`).

    Idempotent: the store skips attempts it already holds, and a marker file records each file's
    size and time so an unchanged file is not read again. Returns messages for `user`'s own file
    (lines that could not be read); other users' problems are only logged.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return []
    marker = folder / IMPORT_MARKER
    try:
        seen = json.loads(marker.read_text(encoding="utf-8")) if marker.exists() else {}
        if not isinstance(seen, dict):
            seen = {}
    except (OSError, ValueError):
        seen = {}
    own = None
    if user:
        from ..calibration.progress import JsonlPracticeStore

        own = JsonlPracticeStore(folder).path(user).name
    messages: list[str] = []
    changed = False
    admin = "administrator" in getattr(getattr(store, "store", None), "roles", ())
    for file in sorted(folder.glob("*.jsonl")):
        if own and file.name != own and not admin:  # others' files: theirs (or an admin's)
            continue
        st = file.stat()
        signature = [st.st_size, st.st_mtime_ns]
        if seen.get(file.name) == signature:
            continue
        try:
            report = store.import_jsonl(file)
        except Exception:  # one unreadable file must not stop the page, nor the other files
            log.exception("could not import the practice file %s", file)
            if file.name == own:
                messages.append("Your earlier practice attempts from before the database could "
                                "not be brought in. Tell the workbook team.")
            continue
        log.info("imported practice file %s: %s", file.name, report)
        for problem in report.problems:
            log.info("practice import: %s", problem)
        if report.problems and file.name == own:
            messages.append(f"{len(report.problems)} of your earlier practice attempts could not "
                            "be read and were left out. Tell the workbook team.")
        seen[file.name] = signature
        changed = True
    if changed:
        try:
            tmp = marker.with_suffix(".tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(seen, fh)
            os.replace(tmp, marker)
        except OSError:  # the import stays idempotent without the marker
            log.info("could not write %s", marker, exc_info=True)
    return messages


def open_practice_store(user: str | None = None) -> tuple[PracticeStore, list[str]]:
    """The database practice store (`SqlPracticeStore(open_store())`), with the interim JSON
    Lines files imported on first use. Returns the store and messages for the user."""
    from ..settings import get_settings
    from ..store import open_store
    from ..store.practice import SqlPracticeStore

    store = SqlPracticeStore(open_store())
    try:
        messages = import_interim_files(store, Path(get_settings().data_dir) / "practice", user)
    except Exception:
        log.exception("could not import the interim practice files")
        messages = ["Your earlier practice attempts from before the database could not be "
                    "brought in. Tell the workbook team."]
    return store, messages


# --- the page -----------------------------------------------------------------------------------

class PracticeApp(w.VBox):
    """The practice page: picker, case file beside the form, your result, feedback, progress."""

    def __init__(self, cases: Iterable[TrainingCase], store: PracticeStore, user: str,
                 ruleset: RM2000Ruleset | None = None, notices: Iterable[str] = (),
                 **kwargs: Any):
        from ..widgets.case_file import CaseFile, reading_and_scoring
        from ..widgets.case_picker import CasePicker
        from ..widgets.confidence import ConfidenceFeedback, ConfidenceInput, ConfidenceProgress
        from ..widgets.feedback import FeedbackView
        from ..widgets.own_result import OwnResult
        from ..widgets.progress import PracticeProgress
        from ..widgets.rm2000_form import RM2000Form

        if ruleset is None:
            from ..instruments.ruleset import load_rm2000_ruleset
            from ..settings import get_settings

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
        from ..calibration.confidence import RM2000_TOPICS

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
        self.retry_button.layout.margin = "0 12px 6px 0"
        self.retry_box = w.HBox([self.retry_button, self.blank_button],
                                layout=w.Layout(display="none", flex_flow="row wrap"))
        self.status = Notice(layout=w.Layout(display="none"))
        self.failure = Notice(layout=w.Layout(display="none"))
        self.heading = w.HTML(value="")
        self.feedback_view = FeedbackView()
        self.progress = PracticeProgress(labels=self._labels(),
                                         titles={c.id: c.title for c in self.cases.values()})

        from ..widgets.record_css import CSS as TABLE_CSS  # confidence tables

        style = w.HTML(f"<style>{APP_CSS}{TABLE_CSS}</style>", layout=w.Layout(display="none"))
        self.work = reading_and_scoring(
            self.case_file, "Use the same RM2000 form as for a live assessment. Select Score to "
            "check your answers as you go; the key is shown only after you submit.",
            [self.form, self.own, self.confidence, self.submit_button, self.retry_box,
             self.status, self.failure])
        self.workspace = w.VBox([self.heading, self.work, self.confidence_feedback,
                                 self.feedback_view],
                                layout=w.Layout(display="none"))
        from ..store.identity import display_name

        self.intro = intro = w.HTML(
            f'<p style="border-left:6px solid #1d70b8;padding:6px 12px;max-width:50em">'
            f"{esc(NOTE)}<br>Your attempts are kept under your name "
            f"(<strong>{esc(display_name(user))}</strong>). Ruleset "
            f"<code>{esc(ruleset.ref)}</code>: {esc(ruleset.provenance.status)}.</p>")
        self.notices = Notice(layout=w.Layout(display="none"))
        notes = [str(n) for n in notices if n]
        if notes:
            self.notices.say(" ".join(notes), kind="error", heading="Please note")
        super().__init__(children=[style, intro, self.notices, self.picker, self.workspace,
                                   self.progress, self.confidence_progress],
                         layout=w.Layout(padding="0 12px"), **kwargs)
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
        self.heading.value = (f"<h2 class='rso-practice-case' style='margin:16px 0 0 0'>"
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
                            "feedback below is for the answers you submitted: select Try this "
                            "case again to submit the new ones.")

    # -- submitting ----------------------------------------------------------------------------
    @safe_callback(_report, "comparing your answers with the key")
    def _on_submit(self, _button: Any = None) -> None:
        self.submit()

    def submit(self) -> Feedback | None:
        """Compare the form and your result with the key, keep the attempt, show feedback."""
        from pydantic import ValidationError

        from ..calibration.feedback import Attempt, compare, disputed_what_ifs
        from ..instruments.rm2000 import RM2000ValidationError, score
        from ..widgets.own_result import refusal

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
            feedback = compare(case, attempt, self.rs)
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
                            "below the case file.")
        self._refresh_progress()
        return feedback

    def _save(self, case: TrainingCase, attempt: Attempt, feedback: Feedback) -> bool:
        from ..calibration.progress import record_attempt

        try:
            self.store.add_attempt(record_attempt(self.user, case, attempt, feedback,
                                                  confidence=self.confidence.value))
            self.attempt_no = len(self.store.attempts(self.user, case.id))
            return True
        except Exception:
            log.exception("could not save a practice attempt at %s for %s", case.id, self.user)
            self.attempt_no = None
            self.status.say("Your feedback is below, but this attempt could not be saved, so it "
                            "will not show in your progress. Try again later; if it happens "
                            "again, tell the workbook team.", kind="error")
            return False

    def _show_confidence(self, feedback: Feedback) -> None:
        from ..calibration.confidence import RM2000_TOPICS, judged

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
            from ..store.identity import current_user

            user = current_user()
        if cases is None:
            from ..cases import load_cases

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
        from .startup import could_not_start

        return could_not_start("RM2000 practice", exc)
