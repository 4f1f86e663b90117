"""The live assessment's record panel: the record's state, a reassessment started from the
latest version (`instruments.arms.reassess`), the review date (set it; the plan's early-review
triggers) and the version history (author, time, reason, sign-off; what changed between two
versions; ratings over time on request)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import ipywidgets as w

from ..store.identity import display_name
from ..timefmt import when_text
from ..widgets.fields import Field, Notice, esc, focus_target, safe_callback, text_button
from .arms_record import ARMS_KIND, AssessmentRecord


def _report(panel: RecordPanel, message: str) -> None:
    panel.rec.failure.say(message, kind="error", heading="Sorry, there is a problem")


class RecordPanel(w.VBox):
    """Record status, reassessment, review date and version history of the open record."""

    def __init__(self, rec: AssessmentRecord, refresh: Callable[[], None],
                 load_reassessment: Callable[[dict[str, Any]], None]):
        # deferred: inside the start-up guard (startup.guarded); see test_deferred_imports
        from ..instruments.arms import load_arms_catalogue
        from ..widgets.version_history import VersionHistory

        self.rec = rec
        self.refresh_record = refresh
        self.load_reassessment = load_reassessment
        self.record_status = w.HTML(value="")
        self.reassess_button = text_button("Start a reassessment from the latest version")
        self.reassess_button.on_click(self._on_reassess)
        # what starting a reassessment did and what to do next; focus moves there
        self.reassess_status = focus_target(Notice(layout=w.Layout(display="none")))
        self.review_html = w.HTML(value="")
        self.review_date = w.DatePicker(value=None)
        self.review_field = Field(self.review_date, "New review date",
                                  "Bring the review forward when an early-review trigger "
                                  "happens. Saving a version whose plan has a review date "
                                  "sets the date to the plan's.")
        self.review_button = text_button("Set the review date")
        self.review_button.on_click(self._on_set_review)
        self.review_status = Notice(layout=w.Layout(display="none"))
        self.history = VersionHistory(load_arms_catalogue())
        super().__init__([self.record_status, self.reassess_button, self.reassess_status,
                          w.HTML("<h3>Review</h3>"), self.review_html, self.review_field,
                          self.review_button, self.review_status,
                          w.HTML("<h3>Version history</h3>"), self.history])

    def clear(self) -> None:
        self.reassess_status.clear()
        self.review_status.clear()

    def show(self, assessment: Any, versions: list[Any]) -> None:
        """Show the open record's state, review date and history."""
        # deferred: loaded when used, not at page start; see test_deferred_imports
        from ..instruments.reassessment import review_state
        from ..reports.payload import read_payload

        rec = self.rec
        self.history.show(versions)
        person, latest = rec.person, (versions[-1] if versions else None)
        if latest is None:
            self.record_status.value = (
                f"<p><strong>{esc(person.reference)}</strong> (record {person.id}) has no ARMS "
                "assessment yet. Complete the tasks and save version 1.</p>")
        else:
            behind = ""
            if rec.expected_version is not None and latest.version > rec.expected_version:
                behind = (f" <strong>Version {latest.version} was saved by "
                          f"{esc(display_name(latest.author))} after the version on this page "
                          f"({rec.expected_version}).</strong>")
            self.record_status.value = (
                f"<p><strong>{esc(person.reference)}</strong> (record {person.id}): ARMS "
                f"assessment with {len(versions)} version{'s' if len(versions) != 1 else ''}; "
                f"the latest, version {latest.version}, was saved by "
                f"{esc(display_name(latest.author))} at "
                f"{when_text(latest.created_at)}.{behind}</p>")
        self.reassess_button.layout.display = "" if latest is not None else "none"

        due = assessment.review_due if assessment is not None else None
        state = review_state(due, rec.today)
        triggers = []
        if latest is not None:
            plan = read_payload(latest.data, ARMS_KIND).plan
            triggers = list(plan.review.early_triggers) if plan is not None else []
        lines = "".join(f"<li>{esc(t)}</li>" for t in triggers)
        trig = (f"<p>Early-review triggers in the plan of version {latest.version}: if any of "
                f"these happens, review early.</p><ul>{lines}</ul>" if triggers else
                "<p>The plan lists no early-review triggers.</p>" if latest is not None else "")
        strong, end = ("<strong>", "</strong>") if state.overdue else ("", "")
        self.review_html.value = (
            f"<div class='rso-review{' rso-overdue' if state.overdue else ''}'><p>Next review: "
            f"{strong}{esc(state.text)}{end}.</p>{trig}</div>")
        show_review = "" if rec.assessment_id is not None else "none"
        self.review_field.layout.display = show_review
        self.review_button.layout.display = show_review

    # -- reassessment ----------------------------------------------------------------------
    @safe_callback(_report, "starting the reassessment")
    def _on_reassess(self, _button: Any = None) -> None:
        self.start_reassessment()
        self.reassess_status.focus()  # started, or why not: said below the button

    def start_reassessment(self) -> bool:
        """Fill the forms from the latest version, as a new assessment dated today (ARMS's
        `reassess`); the save then asks what changed and why."""
        # deferred: loaded when used, not at page start; see test_deferred_imports
        from ..instruments.arms import reassess
        from ..reports.payload import read_payload

        rec = self.rec
        self.reassess_status.clear()
        if rec.person is None or rec.assessment_id is None:
            self.reassess_status.say("There is no saved version to start from: save version 1 "
                                     "first.", kind="error", heading="No reassessment started")
            return False
        if rec.draft_pending or rec.dirty():
            self.reassess_status.say(
                "This page has changes that are not saved as a version (they are kept as your "
                "draft). Save them as a version first, or find the record again and discard "
                "the draft; then start the reassessment.", kind="error",
                heading="No reassessment started")
            return False
        latest = rec.store_().latest_version(rec.assessment_id)
        parts = read_payload(latest.data, ARMS_KIND)
        if parts.arms is None:
            self.reassess_status.say(f"Version {latest.version} holds no readable ARMS "
                                     "assessment to start from.", kind="error",
                                     heading="No reassessment started")
            return False
        new = reassess(parts.arms, assessed_on=rec.today)
        rec.save_status.clear()  # "Saved as version N" is not what the page holds now
        rec.expected_version = latest.version
        self.load_reassessment({**latest.data, "arms": new.model_dump(mode="json")})
        self.refresh_record()
        self.reassess_status.say(
            f"Reassessment started from version {latest.version}, dated {rec.today:%d %B %Y}. "
            "Update RM2000, the ratings, the formulation and the plan, then say what changed "
            "and why (with the reason for the version) and save. Your work is kept as a draft "
            "as you go.", heading="Reassessment started")
        return True

    # -- review dates ----------------------------------------------------------------------
    @safe_callback(_report, "setting the review date")
    def _on_set_review(self, _button: Any = None) -> None:
        self.set_review(self.review_date.value)

    def set_review(self, due: dt.date | None) -> Any:
        if self.rec.assessment_id is None:
            self.review_status.say("Save version 1 first.", kind="error", heading="Not set")
            return None
        if due is None:
            self.review_field.error = "Choose the date of the next review"
            return None
        self.review_field.error = ""
        out = self.rec.store_().set_review_due(self.rec.assessment_id, due)
        self.refresh_record()
        self.review_status.say(f"The review is now due on {due:%d %B %Y}.",
                               heading="Review date set")
        return out
