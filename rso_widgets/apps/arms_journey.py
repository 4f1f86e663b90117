"""The task list for an ARMS assessment record (`AssessmentRecord`), shared by the ARMS
assessment and the live assessment: the person record; RM2000; the risk factors; the
protective factors; the formulation and priority; the plan in three parts; the reason for the
version; then "Check your answers" and "Save as a new version". The live page adds its own
sections (`before`, `after`).

Every problem that stops a save is listed at once at the top of the view (each with a "Go to"
that opens its section), beside its field, and under the Save button; focus moves to the list.
"""

from __future__ import annotations

import functools
from typing import Any

import ipywidgets as w

from ..widgets.fields import esc, safe_callback, text_button
from ..widgets.tasklist import (
    CANNOT_START,
    COMPLETED,
    IN_PROGRESS,
    NOT_STARTED,
    Section,
    TaskListJourney,
)
from .arms_record import AssessmentRecord, static_from_result
from .arms_sections import about, arms_sections, box, hint, plan_sections

# Names the apps expose from their record (tests and notebooks use them on the app)
RECORD_WIDGETS = ("resume_button", "discard_button", "draft_box", "draft_notice", "reason",
                  "reason_field", "save_status", "draft_status", "autosave")
FINDER_WIDGETS = {"reference": "reference", "reference_field": "reference_field",
                  "find_button": "find_button", "person_status": "status",
                  "matches": "matches", "open_match": "open_match",
                  "create_button": "create_button", "choices": "choices"}
RECORD_METHODS = ("find", "open_person", "draft_key", "payload", "draft_payload", "save_draft",
                  "save", "user", "dirty")


def forward(name: str) -> property:
    """A property of an app that reads and writes its record's attribute `name`."""
    return property(lambda self: getattr(self.record, name),
                    lambda self, value: setattr(self.record, name, value),
                    doc=f"The record's `{name}`.")


def _finder_widget(attr: str) -> property:
    return property(lambda self: getattr(self.record.finder, attr),
                    doc=f"The person finder's `{attr}` (the finder is built on first use).")


class RecordViews:
    """An app's view of its record's parts built on first use (`lazy_forms`): the finder and
    its controls, and the three forms, under their usual names."""

    record: AssessmentRecord
    finder = forward("finder")
    rm2000 = forward("rm2000")
    arms = forward("arms")
    plan = forward("plan")


for _name, _attr in FINDER_WIDGETS.items():
    setattr(RecordViews, _name, _finder_widget(_attr))


def expose(app: Any, rec: AssessmentRecord) -> None:
    """Give `app` the record's widgets and methods under their usual names (the parts built
    on first use come from `RecordViews`)."""
    for name in RECORD_WIDGETS:
        setattr(app, name, getattr(rec, name))
    for name in RECORD_METHODS:
        setattr(app, name, getattr(rec, name))


def _report(journey: TaskListJourney, message: str) -> None:
    journey.summary_box.show([("", message, None)])


def assessment_journey(rec: AssessmentRecord, title: str, *, intro: str = "",
                       person_hint: str = "", before: list[Section] | None = None,
                       after: list[Section] | None = None,
                       reason_parts: list[w.Widget] | None = None,
                       reason_rows: Any = None) -> TaskListJourney:
    """The record's task list; `before` sections go after the person record, `after` ones
    last; `reason_parts` are shown with the reason (e.g. "what changed")."""

    def ready() -> bool:
        return rec.ready

    def person_status() -> str:
        if rec.person is None:
            return NOT_STARTED
        return IN_PROGRESS if rec.draft_pending else COMPLETED

    def person_check() -> list[tuple[str, str, Any]]:
        """Continue with no record open, or a draft offer unanswered: say so at the top (the
        other tasks cannot start yet, so Continue would land on an empty check page)."""
        if rec.person is None:
            return [("Person reference", "Find or create the person's record first: enter "
                     "their reference and select Find or create the record",
                     rec.finder.reference)]
        if rec.draft_pending:
            return [("Unsaved draft", "Resume or discard your unsaved draft first",
                     rec.resume_button)]
        return []

    def person_rows() -> list[tuple[str, str]]:
        if rec.person is None:
            return [("Person reference", "No record open")]
        version = (f"version {rec.expected_version} on screen" if rec.expected_version
                   else "no version saved yet")
        return [("Person reference", f"{rec.person.reference} ({version})")]

    scores = rec.rm2000_answers

    def rm2000_status() -> str:
        if not rec.ready:
            return CANNOT_START
        if scores.result is not None:
            return COMPLETED
        return IN_PROGRESS if scores.value else NOT_STARTED

    def rm2000_rows() -> list[tuple[str, str]]:
        # deferred: loaded when used, not at page start; see test_deferred_imports
        from ..widgets.profile_chart import static_text

        result = scores.result
        return [("Static context", static_text(_context(rec)) if result is not None
                 else "Not scored yet")]

    def reason_status() -> str:
        if not rec.ready:
            return CANNOT_START
        return COMPLETED if rec.reason.value.strip() else NOT_STARTED

    def reason_summary() -> list[tuple[str, str]]:
        rows = [("Reason for this version", rec.reason.value.strip() or "Not given")]
        return rows + (reason_rows() if reason_rows else [])

    rs = scores.rs
    sections = [
        Section("person", "Person record",
                lambda: box([hint(person_hint), rec.finder, rec.draft_box]),
                person_status, check=person_check, summary=person_rows, required=False),
        *(before or []),
        Section("rm2000", "RM2000 static risk",
                lambda: box([hint("Score RM2000 first: its result is the static context shown "
                                  "beside the ARMS profile."),
                             about("About this result", f"Ruleset <code>{esc(rs.ref)}</code>: "
                                   f"{esc(rs.provenance.status)}.", "rso-ruleset-caveat"),
                             rec.rm2000]),
                rm2000_status, summary=rm2000_rows, required=False),
        *arms_sections(rec.arms_answers, ready),
        *plan_sections(rec.plan_answers, ready),
        Section("reason", "Reason for this version",
                lambda: box([hint("Each save is a new version with your name, the time and "
                                  "your reason; earlier versions are never changed."),
                             rec.reason_field, *(reason_parts or [])]),
                reason_status, summary=reason_summary, required=False),
        *(after or []),
    ]
    journey = TaskListJourney(
        title, sections, submit_label="Save as a new version", intro=intro,
        check_intro="Check the assessment before you save it as a new version. Saving with "
                    "missing answers is refused, and every problem is listed at the top.")

    @safe_callback(_report, "saving the assessment")
    def on_submit(j: TaskListJourney) -> None:
        version = rec.save()
        if version is None:
            if rec.last_problems:
                j.show_problems([(label, message, j.target(key, widget) if widget is not None
                                  else None)
                                 for _i, label, message, key, widget in rec.last_problems])
            return
        j.show_result("What happens next", saved_view(j, version, after or []))
        rec.save_status.focus()  # the confirmation above it is what is read first

    journey.on_submit = on_submit

    def refresh() -> None:
        if journey.current is None:
            journey.show_task_list()
        elif rec.draft_pending and journey.current != "person":
            journey.open_section("person")  # the draft offer is there, and nothing else opens

    rec.changed.append(refresh)
    return journey


@safe_callback(_report, "opening the next task")
def _open_next(journey: TaskListJourney, key: str, _button: Any = None) -> None:
    journey.open_section(key)


def saved_view(journey: TaskListJourney, version: Any, after: list[Section]) -> list[w.Widget]:
    """After a save (GOV.UK confirmation page): the version is kept as it is, and the next
    tasks (the page's `after` sections, e.g. sign-off) one button each; no Save button is left
    to press again."""
    out: list[w.Widget] = [w.HTML(
        f"<p>Version {version.version} is saved as it is now: it is never changed. To change "
        "the assessment later, save a new version.</p>"
        + ("<p>Next:</p>" if after else
           "<p>Go back to the task list to carry on with this record.</p>"))]
    for section in after:
        go = text_button(section.title, primary=True)
        go.on_click(functools.partial(_open_next, journey, section.key))
        out.append(go)
    return out


def _context(rec: AssessmentRecord) -> Any:
    return static_from_result(rec.rm2000_answers.result)


def record_banner(rec: AssessmentRecord) -> w.VBox:
    """The record open and the draft's state, above every view."""
    line = w.HTML("")
    line.add_class("rso-record-banner")

    def update() -> None:
        if rec.person is None:
            line.value = ""
            return
        version = (f"version {rec.expected_version} open; saving makes version "
                   f"{rec.expected_version + 1}" if rec.expected_version
                   else "no version saved yet; saving makes version 1")
        line.value = (f'<p><strong>Record {esc(rec.person.reference)}</strong>: {version}. '
                      f'Signed in as {esc(rec.user())}.</p>')

    rec.changed.append(update)
    rec.saved.append(lambda _v: update())
    return w.VBox([line, rec.draft_status])
